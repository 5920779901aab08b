import CollabCore

/// A block of a table as the table renderers lay it out: its attributes and its text,
/// already written in the output format (`inline`, a range of the table's scratch bytes).
struct RenderedBlock: LaidOutBlock {
    var id: OpId?
    var attributes: [String: AttributeValue]
    /// The kind its `type` attribute names, read once.
    let kind: BlockKind
    var inline: Range<Int> = 0..<0
    var hasText = false

    init(id: OpId?, attributes: [String: AttributeValue], kind: BlockKind) {
        self.id = id
        self.attributes = attributes
        self.kind = kind
    }

    /// The `type` attribute (paragraph when unset).
    var type: String { Self.type(attributes) }

    static func type(_ attributes: [String: AttributeValue]) -> String {
        if !attributes.isEmpty, case .string(let type)? = attributes["type"] { return type }
        return "paragraph"
    }

    /// A stand-in for a table or row that has no block of its own.
    init(type: String) {
        self.init(id: nil, attributes: ["type": .string(type)], kind: BlockKind(type))
    }
}

/// The block types the renderers tell apart, so they compare no strings per block.
enum BlockKind {
    case paragraph, heading, listItem, code, quote, table, row, cell, other

    init(_ type: String) {
        self = switch type {
        case "paragraph": .paragraph
        case "heading": .heading
        case "list_item": .listItem
        case "code": .code
        case "quote": .quote
        case "table": .table
        case "row": .row
        case "cell": .cell
        default: .other
        }
    }

    /// The kind of a block with these attributes (most have none: no hashing).
    init(attributes: [String: AttributeValue]) {
        if !attributes.isEmpty, case .string(let type)? = attributes["type"] { self.init(type) } else { self = .paragraph }
    }

    /// Whether blocks of this kind are parts of a table.
    var isTablePart: Bool { self == .table || self == .row || self == .cell }
}
