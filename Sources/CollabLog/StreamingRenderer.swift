import CollabCore

/// One output format of `collab materialize`, written as the document is read: blocks
/// straight into the output, text run by run (runs of equal formatting, each opened with
/// its formatting and closed when it changes or the block ends). Tables are the one
/// thing laid out afterwards, since a table's shape is known only at its end.
protocol RichTextWriter {
    /// What comes before the first block.
    mutating func begin(into out: inout OutputBytes)
    /// A block laid out on its own starts: what goes before its text.
    mutating func openBlock(id: OpId?, kind: BlockKind, attributes: [String: AttributeValue], into out: inout OutputBytes)
    /// The text of a block or table part ends (the writer may have held it until now).
    mutating func endText(into out: inout OutputBytes)
    /// The block ends.
    mutating func closeBlock(into out: inout OutputBytes)
    /// A part of a table starts; its text goes to a scratch buffer.
    mutating func openTablePart(kind: BlockKind)
    /// A table, its parts' text already written into `scratch`.
    mutating func table(_ table: BlockLayout.Table, parts: [RenderedBlock], scratch: borrowing OutputBytes, into out: inout OutputBytes)
    /// What comes after the last block.
    mutating func finish(_ document: Document, into out: inout OutputBytes)

    /// The formatting of the text from here on (set before the first run too); `number`
    /// names it within one rendering (`FormattedTextReader`).
    mutating func setFormatting(_ number: Int, attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan])
    /// A run of the current formatting starts.
    mutating func openRun(into out: inout OutputBytes)
    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes)
    mutating func closeRun(into out: inout OutputBytes)
}

extension RichTextWriter {
    mutating func endText(into out: inout OutputBytes) {}
}

/// What a writer made of each formatting, by the formatting's number: the same formatting
/// recurs at many places (every bold word), and writing out its markup each time cost more
/// than the text it wraps.
struct PerFormatting<Value> {
    private var values: [Value?] = []

    subscript(number: Int) -> Value? {
        get { number < values.count ? values[number] : nil }
        set {
            if number >= values.count { values += repeatElement(nil, count: number + 1 - values.count) }
            values[number] = newValue
        }
    }
}

/// Renders a document in one pass (`Document.read`) with a `RichTextWriter`: the output
/// is written as the document is read, with no value made per block or piece of text
/// (docs/benchmarks.md, rich text).
struct StreamingRenderer<Writer: RichTextWriter>: FormattedTextReader, ~Copyable {
    private var writer: Writer
    private(set) var out: OutputBytes
    /// A block laid out alone is open.
    private var blockOpen = false
    private var runOpen = false
    /// The document's first block until text or another block comes: an empty first
    /// block before another (the document starts with a marker) is left out.
    private var pendingFirst: [String: AttributeValue]?
    /// The parts of the table being read, and their text.
    private var inTable = false
    private var tableParts: [RenderedBlock] = []
    private var scratch: OutputBytes

    static func render(_ document: Document, withIds: Bool = false, _ writer: Writer) -> String {
        var renderer = StreamingRenderer(writer: writer, capacity: document.length + document.length / 4 + 64)
        renderer.writer.begin(into: &renderer.out)
        document.read(into: &renderer, withIds: withIds)
        renderer.finish(document)
        return renderer.out.string
    }

    private init(writer: Writer, capacity: Int) {
        self.writer = writer
        out = OutputBytes(capacity: capacity)
        scratch = OutputBytes(capacity: 64)
    }

    mutating func startBlock(id: OpId?, attributes: [String: AttributeValue]) {
        pendingFirst = nil
        finishBlock()
        if id == nil {
            pendingFirst = attributes
            return
        }
        start(id: id, attributes: attributes)
    }

    mutating func setFormatting(_ number: Int, attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
        closeRun()
        writer.setFormatting(number, attributes: attributes, comments: comments, ids: ids)
    }

    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>) {
        if let first = pendingFirst {
            pendingFirst = nil
            start(id: nil, attributes: first)
        }
        if inTable {
            if !runOpen { writer.openRun(into: &scratch) }
            writer.text(utf8, into: &scratch)
            tableParts[tableParts.count - 1].hasText = true
        } else {
            if !runOpen { writer.openRun(into: &out) }
            writer.text(utf8, into: &out)
        }
        runOpen = true
    }

    private mutating func start(id: OpId?, attributes: [String: AttributeValue]) {
        let kind = BlockKind(attributes: attributes)
        if kind.isTablePart {
            if !inTable {
                inTable = true
                tableParts.removeAll(keepingCapacity: true)
                scratch.removeAll()
            }
            var part = RenderedBlock(id: id, attributes: attributes, kind: kind)
            part.inline = scratch.count..<scratch.count
            tableParts.append(part)
            writer.openTablePart(kind: kind)
            return
        }
        if inTable { flushTable() }
        writer.openBlock(id: id, kind: kind, attributes: attributes, into: &out)
        blockOpen = true
    }

    private mutating func closeRun() {
        guard runOpen else { return }
        if inTable { writer.closeRun(into: &scratch) } else { writer.closeRun(into: &out) }
        runOpen = false
    }

    /// Ends the block being written.
    private mutating func finishBlock() {
        closeRun()
        if inTable {
            writer.endText(into: &scratch)
            let last = tableParts.count - 1
            tableParts[last].inline = tableParts[last].inline.lowerBound..<scratch.count
        } else if blockOpen {
            writer.endText(into: &out)
            writer.closeBlock(into: &out)
            blockOpen = false
        }
    }

    private mutating func flushTable() {
        for case .table(let table) in BlockLayout.items(tableParts) {
            writer.table(table, parts: tableParts, scratch: scratch, into: &out)
        }
        inTable = false
    }

    private mutating func finish(_ document: Document) {
        if let first = pendingFirst {
            // The document's only block, empty.
            pendingFirst = nil
            start(id: nil, attributes: first)
        }
        finishBlock()
        if inTable { flushTable() }
        writer.finish(document, into: &out)
    }
}
