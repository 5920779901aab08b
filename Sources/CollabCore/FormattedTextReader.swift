/// What a renderer is told as `Document.read(into:)` walks the document in display
/// order: blocks, formatting changes and UTF-8 text, with no value made per piece of
/// text, so renderers that write output bytes as they go cost little more than the plain
/// text (docs/benchmarks.md, rich text).
public protocol FormattedTextReader: ~Copyable {
    /// A block starts: nil for the document's first block (the text before any marker),
    /// with its attributes, null values left out. The first block is always told first,
    /// even when it is empty.
    mutating func startBlock(id: OpId?, attributes: [String: AttributeValue])
    /// The formatting of the text from here on: its attributes, the live comments
    /// anchored on it and, when asked for, the ids of its characters up to the next
    /// change. Told just before the text it applies to, and only when it changed
    /// (always, when ids are asked for). `number` names it within this read: the same
    /// number is the same formatting, so a reader may keep what it made of it.
    mutating func setFormatting(_ number: Int, attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan])
    /// Visible text of the current block and formatting, as UTF-8 (never empty, no block
    /// marker in it), valid during the call only.
    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>)
}

extension Document {
    /// Reads the document in display order into `reader`: each block, the formatting
    /// wherever it changes, and the text. Formatting that changes and changes back over
    /// deleted characters is not told: it does not cut the text shown.
    ///
    /// Two passes: the first writes the visible text as UTF-8 into one buffer, as `text`
    /// does, noting where blocks start and where the formatting changes; the second tells
    /// the reader, with the text between two such places as one slice of that buffer.
    public func read<Reader: FormattedTextReader & ~Copyable>(into reader: inout Reader, withIds: Bool = false) {
        // Formattings by number, each distinct one made once: a change is told when the
        // number differs (or ids were asked for), with no dictionary compared.
        var formattings = [Formatting(attributes: [:], comments: [], ids: [])]
        var told = 0
        var pending: Int?
        func text(_ utf8: UnsafeBufferPointer<UInt8>) {
            guard !utf8.isEmpty else { return }
            if let change = pending {
                let formatting = formattings[change]
                if change != told || !formatting.ids.isEmpty {
                    reader.setFormatting(change, attributes: formatting.attributes, comments: formatting.comments, ids: formatting.ids)
                    told = change
                }
                pending = nil
            }
            reader.text(utf8)
        }
        guard !withIds && !hasMovedBlocks else {
            // Ids per run, or blocks in another order than the sequence's: from the blocks.
            var numbers = [formattings[0]: 0]
            for block in blockContents(withIds: withIds) {
                reader.startBlock(id: block.id, attributes: block.attributes)
                for run in block.runs {
                    let formatting = Formatting(attributes: run.attributes, comments: run.comments, ids: run.ids)
                    pending = numbers[formatting] ?? {
                        formattings.append(formatting)
                        numbers[formatting] = formattings.count - 1
                        return formattings.count - 1
                    }()
                    var runText = run.text
                    runText.withUTF8 { text($0) }
                }
            }
            return
        }
        let pass = ReadingPass(self)
        defer { pass.utf8.deallocate() }
        formattings += pass.formattings
        reader.startBlock(id: nil, attributes: Self.shown(firstBlock))
        let blocks = blocks.records
        var from = 0
        for event in pass.events {
            let at = Int(event.offset)
            text(UnsafeBufferPointer(rebasing: pass.utf8[from..<at]))
            from = at
            if event.what >= 0 {
                let block = Int(event.what)
                reader.startBlock(id: blocks[block].id, attributes: Self.shown(blocks[block].attributes))
            } else {
                pending = Int(-event.what - 1)
            }
        }
        text(UnsafeBufferPointer(rebasing: pass.utf8[from..<pass.count]))
    }

    fileprivate struct Formatting: Hashable {
        var attributes: [String: AttributeValue]
        var comments: [OpId]
        var ids: [IdSpan]
    }

    /// A block's attribute values, null ones left out.
    static func shown(_ registers: [String: (value: AttributeValue, stamp: OpStamp)]) -> [String: AttributeValue] {
        registers.isEmpty ? [:] : registers.compactMapValues { $0.value == .null ? nil : $0.value }
    }
}

/// The first pass of `Document.read`: the visible text in sequence order as UTF-8 (block
/// markers left out), and in order the places in it where a block starts or the
/// formatting changes.
private struct ReadingPass {
    /// Owned by the caller, who deallocates it.
    let utf8: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0
    /// At byte `offset`: the block whose record is `what` in `blocks.records` starts
    /// (`what >= 0`), or the formatting becomes number `-what - 1`: none for 0, else
    /// `formattings[-what - 2]`.
    private(set) var events: [(offset: Int32, what: Int32)] = []
    /// The formattings the text takes other than none, each made once however often it
    /// recurs.
    private(set) var formattings: [Document.Formatting] = []

    init(_ document: Document) {
        utf8 = .allocate(capacity: max(document.length * 4, 1))
        let out = utf8.baseAddress!
        var n = 0
        var events: [(offset: Int32, what: Int32)] = []
        var formattings: [Document.Formatting] = []
        let formatting = FormattingSweep(document)
        let names = formatting.names
        var numbers = [formatting.state: Int32(0)]  // where the sweep starts: none
        document.sweepPieces(formatting) { piece in
            switch piece {
            case .formatting(let state):
                let number = numbers[state] ?? {
                    formattings.append(Document.Formatting(attributes: names.attributes(of: state), comments: names.comments(of: state), ids: []))
                    numbers[state] = Int32(formattings.count)
                    return Int32(formattings.count)
                }()
                events.append((Int32(n), -number - 1))
            case .marker(let block):
                events.append((Int32(n), Int32(block)))
            case .text(let scalars, _, _):
                n += writeUTF8(scalars, to: out + n)
            }
        }
        count = n
        self.events = events
        self.formattings = formattings
    }
}
