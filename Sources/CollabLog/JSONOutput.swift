import CollabCore

/// `collab materialize --format json`: `{"blocks":[{"id":…,"type":…,"attributes":{…},
/// "runs":[{"text":…,"marks":{…}[,"ids":[…]][,"comments":[…]]}]}],"comments":[…]}` and
/// a newline. A table nests its rows (`"rows"`) and rows their cells (`"cells"`).
struct JSONOutput: RichTextWriter {
    private var firstItem = true
    private var firstRun = true
    /// What closes a run of the current formatting: its marks, ids and comments.
    private var closing: [UInt8] = Array(#"","marks":{}}"#.utf8)
    private var closings = PerFormatting<[UInt8]>()

    mutating func begin(into out: inout OutputBytes) {
        out.append("{\"blocks\":[")
    }

    mutating func openBlock(id: OpId?, kind: BlockKind, attributes: [String: AttributeValue], into out: inout OutputBytes) {
        if !firstItem { out.append(UInt8(ascii: ",")) }
        firstItem = false
        firstRun = true
        Self.header(id: id, kind: kind, attributes: attributes, into: &out)
        out.append(",\"runs\":[")
    }

    mutating func closeBlock(into out: inout OutputBytes) {
        out.append("]}")
    }

    mutating func openTablePart(kind: BlockKind) {
        firstRun = true
    }

    mutating func table(_ table: BlockLayout.Table, parts: [RenderedBlock], scratch: borrowing OutputBytes, into out: inout OutputBytes) {
        if !firstItem { out.append(UInt8(ascii: ",")) }
        firstItem = false
        func part(_ block: RenderedBlock, runs: Bool, _ out: inout OutputBytes) {
            Self.header(id: block.id, kind: block.kind, attributes: block.attributes, into: &out)
            guard runs else { return }
            out.append(",\"runs\":[")
            out.append(scratch, range: block.inline)
            out.append(UInt8(ascii: "]"))
        }
        part(table.table.map { parts[$0] } ?? RenderedBlock(type: "table"), runs: true, &out)
        out.append(",\"rows\":[")
        for (r, row) in table.rows.enumerated() {
            if r > 0 { out.append(UInt8(ascii: ",")) }
            part(row.row.map { parts[$0] } ?? RenderedBlock(type: "row"), runs: false, &out)
            out.append(",\"cells\":[")
            for (c, cell) in row.cells.enumerated() {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                part(parts[cell], runs: true, &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append("]}")
        }
        out.append("]}")
    }

    mutating func finish(_ document: Document, into out: inout OutputBytes) {
        var writer = JSONWriter()
        writer.raw("],\"comments\":")
        writer.list(document.commentThreads) { Self.thread($1, &$0) }
        writer.raw("}\n")
        out.append(writer.bytes)
    }

    /// `{"id":…,"type":…,"attributes":{…}`, the start of a block's object.
    static func header(id: OpId?, kind: BlockKind, attributes: [String: AttributeValue], into out: inout OutputBytes) {
        out.append("{\"id\":")
        if let id { out.appendOpId(id) } else { out.append("null") }
        // Most blocks are plain paragraphs: their rest in one piece.
        if kind == .paragraph && attributes.isEmpty { return out.append(",\"type\":\"paragraph\",\"attributes\":{}") }
        out.append(",\"type\":")
        if kind == .paragraph { out.append("\"paragraph\"") } else { out.appendJSONString(RenderedBlock.type(attributes)) }
        out.append(",\"attributes\":")
        if attributes.isEmpty {
            out.append("{}")
        } else {
            var writer = JSONWriter()
            Self.attributes(attributes, &writer, leaving: "type")
            out.append(writer.bytes)
        }
    }

    /// An object of attribute values in name order (most runs have none: no sorting).
    static func attributes(_ values: [String: AttributeValue], _ writer: inout JSONWriter, leaving left: String? = nil) {
        guard !values.isEmpty, values.count > 1 || values.keys.first != left else { return writer.raw("{}") }
        writer.raw("{")
        var first = true
        for key in values.keys.sorted() where key != left {
            if !first { writer.raw(",") }
            first = false
            writer.string(key)
            writer.raw(":")
            writer.value(OpJSON.jsonValue(of: values[key]!))
        }
        writer.raw("}")
    }

    /// A comment thread: the comment, its anchored range now, and its replies.
    static func thread(_ thread: CommentThread, _ writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.opId(thread.id)
        writer.raw(",\"author\":")
        writer.string(thread.author)
        writer.raw(",\"time\":")
        writer.string(ISO8601.format(milliseconds: thread.timestamp.wall))
        writer.raw(",\"text\":")
        writer.string(thread.text)
        writer.raw(thread.resolved ? ",\"resolved\":true" : ",\"resolved\":false")
        if let range = thread.range {
            writer.raw(thread.isOrphaned ? ",\"orphaned\":true" : ",\"orphaned\":false")
            writer.raw(",\"range\":{\"index\":")
            writer.int(range.lowerBound)
            writer.raw(",\"length\":")
            writer.int(range.count)
            writer.raw("},\"replies\":")
            writer.list(thread.replies) { Self.thread($1, &$0) }
        }
        writer.raw("}")
    }

    // MARK: Runs

    mutating func setFormatting(_ number: Int, attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
        if let known = closings[number] { return closing = known }
        defer { closings[number] = closing }
        var writer = JSONWriter()
        writer.raw("\",\"marks\":")
        Self.attributes(attributes, &writer)
        if !ids.isEmpty {
            writer.raw(",\"ids\":")
            writer.list(ids) { $0.string($1.description) }
        }
        if !comments.isEmpty {
            writer.raw(",\"comments\":")
            writer.list(comments) { $0.opId($1) }
        }
        writer.raw("}")
        closing = writer.bytes
    }

    mutating func openRun(into out: inout OutputBytes) {
        if !firstRun { out.append(UInt8(ascii: ",")) }
        firstRun = false
        out.append(#"{"text":""#)
    }

    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes) {
        out.write(upTo: utf8.count * 6) { bytes in  // at most \u00XX per byte
            writeEscaped(utf8, to: bytes) { sixteen in
                typealias Lanes = SIMD16<UInt8>
                return (sixteen .< Lanes(repeating: 0x20)) .| (sixteen .== Lanes(repeating: 0x22)) .| (sixteen .== Lanes(repeating: 0x5C))
            } isPlain: { byte in
                byte >= 0x20 && byte != 0x22 && byte != 0x5C
            } escape: { byte, to in
                let escaped: StaticString = switch byte {
                case 0x22: #"\""#
                case 0x5C: #"\\"#
                case 0x0A: #"\n"#
                case 0x0D: #"\r"#
                case 0x09: #"\t"#
                default: #"\u00"#
                }
                to.update(from: escaped.utf8Start, count: escaped.utf8CodeUnitCount)
                guard escaped.utf8CodeUnitCount == 4 else { return 2 }
                let hex: StaticString = "0123456789abcdef"
                to[4] = hex.utf8Start[Int(byte >> 4)]
                to[5] = hex.utf8Start[Int(byte & 0xF)]
                return 6
            }
        }
    }

    mutating func closeRun(into out: inout OutputBytes) {
        out.append(closing)
    }
}
