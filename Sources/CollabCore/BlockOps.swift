/// The block tree's ops (docs/rich-text.md). A block begins with a marker character in
/// the text sequence, shown as `\n` in the plain text: splitting a block inserts one,
/// joining two deletes one, and both converge with concurrent typing like any text.
public enum BlockOp: Hashable, Sendable {
    /// A new block starting between two characters, with its attributes (`type` and the
    /// like). Its id is the block's id and its marker character's id.
    case insert(after: OpId?, before: OpId?, attributes: [String: AttributeValue])
    /// Sets one attribute of a block (nil: the document's first block, the text before
    /// any marker); the latest set of each attribute wins.
    case set(block: OpId?, key: String, value: AttributeValue)
    /// Deletes a block and everything from its marker up to `until` (the next block's
    /// marker when the op was made, nil for the document's end), including text inserted
    /// there concurrently: delete wins.
    case delete(block: OpId, until: OpId?)
    /// Moves a block (Kleppmann's list move): a hidden slot character is inserted between
    /// two characters, and the block is shown there from now on unless a later move of
    /// the same block wins (last writer wins, so concurrent moves leave one copy). The
    /// block's text stays where it was typed, so edits made in it concurrently go along.
    case move(block: OpId, after: OpId?, before: OpId?)

    public var typeName: String {
        switch self {
        case .insert: "block_insert"
        case .set: "block_set"
        case .delete: "block_delete"
        case .move: "block_move"
        }
    }

    var references: [OpId] {
        switch self {
        case .insert(let after, let before, _): [after, before].compactMap { $0 }
        case .set(let block, _, _): [block].compactMap { $0 }
        case .delete(let block, let until): [block, until].compactMap { $0 }
        case .move(let block, let after, let before): [block, after, before].compactMap { $0 }
        }
    }

    /// The block types `collab edit` makes and the renderers know; others render as
    /// paragraphs. `table`, `row` and `cell` nest by their order (docs/rich-text.md).
    public static let knownTypes: Set<String> = ["paragraph", "heading", "list_item", "code", "quote", "table", "row", "cell"]

    /// The block types that make up tables: they nest by order, so they are not moved
    /// one by one.
    public static let tableTypes: Set<String> = ["table", "row", "cell"]
}

/// A block as the renderers see it: its attributes and its formatted text.
public struct BlockContent: Equatable, Sendable {
    /// nil for the text before the first marker: the document's first block.
    public var id: OpId?
    public var attributes: [String: AttributeValue]
    public var runs: [FormattedRun]

    public init(id: OpId?, attributes: [String: AttributeValue], runs: [FormattedRun]) {
        self.id = id
        self.attributes = attributes
        self.runs = runs
    }

    public var type: String {
        if case .string(let type)? = attributes["type"] { return type }
        return "paragraph"
    }
}
