import CollabCore

/// Writes a block's text in one output format as the document is read: runs of text of
/// equal formatting, each opened with its formatting and closed when it changes.
protocol InlineWriter {
    /// A block of `kind` starts (code blocks take their text plain).
    mutating func startBlock(kind: BlockKind)
    /// The formatting of the text from here on (set before the first run too).
    mutating func setFormatting(attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan])
    /// A run of the current formatting starts.
    mutating func openRun(into out: inout OutputBytes)
    mutating func text(_ scalars: UnsafeBufferPointer<UInt32>, into out: inout OutputBytes)
    mutating func closeRun(into out: inout OutputBytes)
}

/// A block as the renderers lay it out: its attributes and its text, already written in
/// the output format (`inline`, a range of the collected scratch bytes).
struct RenderedBlock: LaidOutBlock {
    var id: OpId?
    var attributes: [String: AttributeValue]
    /// The kind its `type` attribute names, read once.
    let kind: BlockKind
    var inline: Range<Int> = 0..<0
    var hasText = false

    init(id: OpId?, attributes: [String: AttributeValue]) {
        self.id = id
        self.attributes = attributes
        if !attributes.isEmpty, case .string(let type)? = attributes["type"] { kind = BlockKind(type) } else { kind = .paragraph }
    }

    /// The `type` attribute (paragraph when unset).
    var type: String {
        if case .string(let type)? = attributes["type"] { return type }
        return "paragraph"
    }

    /// A stand-in for a table or row that has no block of its own.
    init(type: String) {
        self.init(id: nil, attributes: ["type": .string(type)])
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
}

/// The document's blocks in display order, each with its text written by an
/// `InlineWriter` into one scratch buffer as the document is read.
struct RenderedDocument: ~Copyable {
    private(set) var blocks: [RenderedBlock] = []
    private(set) var scratch: OutputBytes
    /// While reading: whether the last block is being written, and a run.
    private var inBlock = false
    private var runOpen = false
    /// The formatting the writer has, and a change not yet in effect.
    private var applied: (attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) = ([:], [], [])
    private var pending: (attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan])?

    private init(capacity: Int) {
        scratch = OutputBytes(capacity: capacity)
    }

    static func collect(_ document: Document, withIds: Bool = false, writer: some InlineWriter) -> RenderedDocument {
        var rendered = RenderedDocument(capacity: document.length + document.length / 8)
        var writer = writer
        document.forEachFormattedPiece(withIds: withIds) { rendered.take($0, &writer) }
        rendered.finishBlock(&writer)
        // An empty first block before another (the document starts with a marker) is
        // left out.
        if rendered.blocks.count > 1 && rendered.blocks[0].id == nil && !rendered.blocks[0].hasText {
            rendered.blocks.removeFirst()
        }
        return rendered
    }

    private mutating func take(_ piece: FormattedPiece, _ writer: inout some InlineWriter) {
        switch piece {
        case .block(let id, let attributes):
            finishBlock(&writer)
            var block = RenderedBlock(id: id, attributes: attributes)
            block.inline = scratch.count..<scratch.count
            writer.startBlock(kind: block.kind)
            blocks.append(block)
            inBlock = true
        case .formatting(let attributes, let comments, let ids):
            pending = (attributes, comments, ids)
        case .text(let scalars):
            guard !scalars.isEmpty else { return }
            // A change of formatting takes effect at the next text: formatting that
            // changes and changes back over deleted characters does not cut a run.
            if let (attributes, comments, ids) = pending {
                if attributes != applied.attributes || comments != applied.comments || ids != applied.ids || !ids.isEmpty {
                    closeRun(&writer)
                    writer.setFormatting(attributes: attributes, comments: comments, ids: ids)
                    applied = (attributes, comments, ids)
                }
                pending = nil
            }
            if !runOpen {
                writer.openRun(into: &scratch)
                runOpen = true
            }
            writer.text(scalars, into: &scratch)
            blocks[blocks.count - 1].hasText = true
        }
    }

    private mutating func closeRun(_ writer: inout some InlineWriter) {
        if runOpen { writer.closeRun(into: &scratch) }
        runOpen = false
    }

    /// Ends the block being written: its text is what the scratch holds since it began.
    private mutating func finishBlock(_ writer: inout some InlineWriter) {
        closeRun(&writer)
        guard inBlock else { return }
        blocks[blocks.count - 1].inline = blocks[blocks.count - 1].inline.lowerBound..<scratch.count
        inBlock = false
    }
}
