import CollabCore

/// A document's blocks and formatted text in the output formats of `collab materialize`.
/// Output is deterministic: attributes are written in name order.
///
/// Rendering is one pass over the document (`forEachFormattedPiece`): each block's text
/// is written in the output format as it is read, into one scratch buffer
/// (`InlineWriter`), and the blocks are then laid out around it (lists, tables), so no
/// value is made per piece of text (docs/benchmarks.md).
public enum RichTextRendering {
    // MARK: JSON

    /// `{"blocks":[{"id":…,"type":…,"attributes":{…},"runs":[{"text":…,"marks":{…}}]}],
    /// "comments":[…]}` and a newline. A run on which comments are anchored lists their
    /// ids, and with `withIds` the ids of its characters; each thread gives its anchored
    /// range now.
    public static func json(_ document: Document, withIds: Bool = false) -> String {
        let rendered = RenderedDocument.collect(document, withIds: withIds, writer: JSONRuns())
        var out = OutputBytes(capacity: rendered.scratch.count + rendered.blocks.count * 64 + 64)
        out.append("{\"blocks\":[")
        for (k, item) in BlockLayout.items(rendered.blocks).enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            switch item {
            case .block(let index):
                self.block(rendered.blocks[index], rendered, &out)
            case .table(let table):
                // A table nests its rows, and rows their cells.
                self.block(table.table.map { rendered.blocks[$0] } ?? RenderedBlock(type: "table"), rendered, &out, open: true)
                out.append(",\"rows\":[")
                for (r, row) in table.rows.enumerated() {
                    if r > 0 { out.append(UInt8(ascii: ",")) }
                    self.block(row.row.map { rendered.blocks[$0] } ?? RenderedBlock(type: "row"), rendered, &out, open: true, runs: false)
                    out.append(",\"cells\":[")
                    for (c, cell) in row.cells.enumerated() {
                        if c > 0 { out.append(UInt8(ascii: ",")) }
                        self.block(rendered.blocks[cell], rendered, &out)
                    }
                    out.append("]}")
                }
                out.append("]}")
            }
        }
        var writer = JSONWriter()
        writer.raw("],\"comments\":")
        writer.list(document.commentThreads) { self.thread($1, &$0) }
        writer.raw("}\n")
        out.append(writer.bytes)
        return out.string
    }

    /// One block as a JSON object; `open` leaves it unclosed for nested parts.
    static func block(
        _ block: RenderedBlock, _ rendered: borrowing RenderedDocument, _ out: inout OutputBytes, open: Bool = false, runs withRuns: Bool = true
    ) {
        out.append("{\"id\":")
        if let id = block.id { out.appendOpId(id) } else { out.append("null") }
        out.append(",\"type\":")
        if block.kind == .paragraph { out.append("\"paragraph\"") } else { out.appendJSONString(block.type) }
        out.append(",\"attributes\":")
        if block.attributes.isEmpty {
            out.append("{}")
        } else {
            var writer = JSONWriter()
            attributes(block.attributes, &writer, leaving: "type")
            out.append(writer.bytes)
        }
        if withRuns {
            out.append(",\"runs\":[")
            out.append(rendered.scratch, range: block.inline)
            out.append(UInt8(ascii: "]"))
        }
        if !open { out.append(UInt8(ascii: "}")) }
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
            writer.list(thread.replies) { self.thread($1, &$0) }
        }
        writer.raw("}")
    }

    // MARK: HTML

    /// HTML with semantic elements: `<p>`, `<h1>`…`<h6>`, `<ul>`/`<ol>` of `<li>`,
    /// `<pre><code>`, `<blockquote>`; marks as `<strong>`, `<em>`, `<u>`, `<s>`, `<code>`,
    /// `<a href>`, others as `<span data-NAME>`; comments as `<mark data-comment="ID">`.
    public static func html(_ document: Document) -> String {
        let rendered = RenderedDocument.collect(document, writer: HTMLRuns())
        var out = OutputBytes(capacity: rendered.scratch.count + rendered.blocks.count * 16)
        var openList: String?
        for item in BlockLayout.items(rendered.blocks) {
            guard case .block(let index) = item else {
                if let list = openList { out.append("</\(list)>\n") }
                openList = nil
                if case .table(let table) = item { html(table, rendered, &out) }
                continue
            }
            let block = rendered.blocks[index]
            let list = block.kind == .listItem ? (string(block.attributes["list"]) == "ordered" ? "ol" : "ul") : nil
            if openList != list {
                if let openList { out.append("</\(openList)>\n") }
                if let list { out.append("<\(list)>\n") }
                openList = list
            }
            switch block.kind {
            case .heading:
                out.append("<h\(level(block))>")
                out.append(rendered.scratch, range: block.inline)
                out.append("</h\(level(block))>\n")
            case .listItem:
                out.append("<li>")
                out.append(rendered.scratch, range: block.inline)
                out.append("</li>\n")
            case .code:
                out.append("<pre><code>")
                out.append(rendered.scratch, range: block.inline)
                out.append("</code></pre>\n")
            case .quote:
                out.append("<blockquote><p>")
                out.append(rendered.scratch, range: block.inline)
                out.append("</p></blockquote>\n")
            default:
                out.append("<p>")
                out.append(rendered.scratch, range: block.inline)
                out.append("</p>\n")
            }
        }
        if let openList { out.append("</\(openList)>\n") }
        return out.string
    }

    static func html(_ table: BlockLayout.Table, _ rendered: borrowing RenderedDocument, _ out: inout OutputBytes) {
        out.append("<table>\n")
        if let caption = table.table.map({ rendered.blocks[$0] }), caption.hasText {
            out.append("<caption>")
            out.append(rendered.scratch, range: caption.inline)
            out.append("</caption>\n")
        }
        for (r, row) in table.rows.enumerated() {
            let tag = r == 0 ? "th" : "td"
            out.append("<tr>")
            for cell in row.cells {
                out.append("<\(tag)>")
                out.append(rendered.scratch, range: rendered.blocks[cell].inline)
                out.append("</\(tag)>")
            }
            out.append("</tr>\n")
        }
        out.append("</table>\n")
    }

    // MARK: Markdown

    /// CommonMark: headings with `#`, list items with `-` or `1.` (two spaces per
    /// indent), fenced code, `>` quotes, paragraphs apart by a blank line; marks as
    /// `**bold**`, `*italic*`, `~~strike~~`, `` `code` ``, `[text](url)`. Characters that
    /// would read as markup are escaped.
    public static func markdown(_ document: Document) -> String {
        let rendered = RenderedDocument.collect(document, writer: MarkdownRuns())
        var out = OutputBytes(capacity: rendered.scratch.count + rendered.blocks.count * 4)
        var previousWasListItem = false
        for item in BlockLayout.items(rendered.blocks) {
            guard case .block(let index) = item else {
                if out.count > 0 { out.append("\n\n") }
                previousWasListItem = false
                if case .table(let table) = item { markdown(table, rendered, &out) }
                continue
            }
            let block = rendered.blocks[index]
            let isListItem = block.kind == .listItem
            if out.count > 0 { isListItem && previousWasListItem ? out.append(0x0A) : out.append("\n\n") }
            previousWasListItem = isListItem
            switch block.kind {
            case .heading:
                for _ in 0..<level(block) { out.append(UInt8(ascii: "#")) }
                out.append(UInt8(ascii: " "))
                out.append(rendered.scratch, range: block.inline)
            case .listItem:
                for _ in 0..<max(integer(block.attributes["indent"]) ?? 0, 0) { out.append("  ") }
                out.append(string(block.attributes["list"]) == "ordered" ? "1. " : "- ")
                out.append(rendered.scratch, range: block.inline)
            case .code:
                out.append("```\n")
                out.append(rendered.scratch, range: block.inline)
                out.append("\n```")
            case .quote:
                out.append("> ")
                rendered.scratch.forEachByte(in: block.inline) { byte in
                    out.append(byte)
                    if byte == 0x0A { out.append("> ") }
                }
            default:
                out.append(rendered.scratch, range: block.inline)
            }
        }
        out.append(0x0A)
        return out.string
    }

    /// A GFM table: the first row is the header; every row has as many cells as the
    /// widest (missing ones empty); `|` and line breaks in cells are escaped.
    static func markdown(_ table: BlockLayout.Table, _ rendered: borrowing RenderedDocument, _ out: inout OutputBytes) {
        if let caption = table.table.map({ rendered.blocks[$0] }), caption.hasText {
            out.append(rendered.scratch, range: caption.inline)
            out.append("\n\n")
        }
        let width = max(table.rows.map(\.cells.count).max() ?? 0, 1)
        func line(_ cells: [Int], _ out: inout OutputBytes) {
            out.append(UInt8(ascii: "|"))
            for k in 0..<width {
                out.append(UInt8(ascii: " "))
                if k < cells.count {
                    rendered.scratch.forEachByte(in: rendered.blocks[cells[k]].inline) { byte in
                        switch byte {
                        case UInt8(ascii: "|"): out.append("\\|")
                        case 0x0A: out.append("<br>")
                        default: out.append(byte)
                        }
                    }
                }
                out.append(" |")
            }
        }
        let rows = table.rows.isEmpty ? [(row: Int?.none, cells: [Int]())] : table.rows
        line(rows[0].cells, &out)
        out.append(0x0A)
        out.append(UInt8(ascii: "|"))
        for _ in 0..<width { out.append(" --- |") }
        for row in rows.dropFirst() {
            out.append(0x0A)
            line(row.cells, &out)
        }
    }

    // MARK: Helpers

    static func level(_ block: RenderedBlock) -> Int { min(max(integer(block.attributes["level"]) ?? 1, 1), 6) }

    static func string(_ value: AttributeValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    static func integer(_ value: AttributeValue?) -> Int? {
        if case .int(let number)? = value { return Int(number) }
        return nil
    }

    static func plain(_ value: AttributeValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .string(let text): text
        }
    }

    /// HTML text: `&`, `<`, `>` and `"` as entities.
    static func escape(_ text: String) -> String {
        var out = OutputBytes(capacity: text.utf8.count + 16)
        text.unicodeScalars.map(\.value).withUnsafeBufferPointer { HTMLRuns.escape($0, into: &out) }
        return out.string
    }
}

extension OutputBytes {
    /// An op id as the JSON string `"client:seq"`, without building the string first.
    mutating func appendOpId(_ id: OpId) {
        var client = id.client
        let plain = client.withUTF8 { utf8 in !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") } }
        guard plain else { return appendJSONString(id.description) }
        append(UInt8(ascii: "\""))
        append(client)
        append(UInt8(ascii: ":"))
        appendDecimal(id.seq)
        append(UInt8(ascii: "\""))
    }

    /// A JSON string.
    mutating func appendJSONString(_ text: String) {
        var writer = JSONWriter()
        writer.string(text)
        append(writer.bytes)
    }
}

extension JSONWriter {
    /// An op id as the string `client:seq`, without building the string first.
    mutating func opId(_ id: OpId) {
        var client = id.client
        let plain = client.withUTF8 { utf8 in !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") } }
        guard plain else { return string(id.description) }
        bytes.append(UInt8(ascii: "\""))
        client.withUTF8 { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: ":"))
        int(id.seq)
        bytes.append(UInt8(ascii: "\""))
    }
}
