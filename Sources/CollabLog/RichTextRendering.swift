import CollabCore

/// A document's blocks and formatted text in the output formats of `collab materialize`.
/// Output is deterministic: attributes are written in name order.
public enum RichTextRendering {
    // MARK: JSON

    /// `{"blocks":[{"id":…,"type":…,"attributes":{…},"runs":[{"text":…,"marks":{…}}]}],
    /// "comments":[…]}` and a newline. A run on which comments are anchored lists their
    /// ids; each thread gives its anchored range now.
    public static func json(_ blocks: [BlockContent], comments: [CommentThread] = []) -> String {
        var writer = JSONWriter()
        writer.raw("{\"blocks\":")
        writer.list(BlockLayout.items(blocks)) { writer, item in
            switch item {
            case .block(let block):
                self.block(block, &writer)
            case .table(let table):
                // A table nests its rows, and rows their cells.
                self.block(table.table ?? BlockContent(id: nil, attributes: ["type": .string("table")], runs: []), &writer, open: true)
                writer.raw(",\"rows\":")
                writer.list(table.rows) { writer, row in
                    self.block(row.row ?? BlockContent(id: nil, attributes: ["type": .string("row")], runs: []), &writer, open: true, runs: false)
                    writer.raw(",\"cells\":")
                    writer.list(row.cells) { self.block($1, &$0) }
                    writer.raw("}")
                }
                writer.raw("}")
            }
        }
        writer.raw(",\"comments\":")
        writer.list(comments) { self.thread($1, &$0) }
        writer.raw("}\n")
        return writer.text
    }

    /// One block as a JSON object; `open` leaves it unclosed for nested parts.
    static func block(_ block: BlockContent, _ writer: inout JSONWriter, open: Bool = false, runs withRuns: Bool = true) {
        writer.raw("{\"id\":")
        if let id = block.id { writer.string(id.description) } else { writer.raw("null") }
        writer.raw(",\"type\":")
        writer.string(block.type)
        writer.raw(",\"attributes\":")
        attributes(block.attributes, &writer, leaving: "type")
        if withRuns {
            writer.raw(",\"runs\":")
            writer.list(block.runs) { writer, run in
                writer.raw("{\"text\":")
                writer.string(run.text)
                writer.raw(",\"marks\":")
                attributes(run.attributes, &writer)
                if !run.ids.isEmpty {
                    writer.raw(",\"ids\":")
                    writer.list(run.ids) { $0.string($1.description) }
                }
                if !run.comments.isEmpty {
                    writer.raw(",\"comments\":")
                    writer.list(run.comments) { $0.string($1.description) }
                }
                writer.raw("}")
            }
        }
        if !open { writer.raw("}") }
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
        writer.string(thread.id.description)
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
    public static func html(_ blocks: [BlockContent]) -> String {
        var out = ""
        var openList: String?
        for item in BlockLayout.items(blocks) {
            guard case .block(let block) = item else {
                if let list = openList { out += "</\(list)>\n" }
                openList = nil
                if case .table(let table) = item { out += html(table) }
                continue
            }
            let list = block.type == "list_item" ? (string(block.attributes["list"]) == "ordered" ? "ol" : "ul") : nil
            if openList != list {
                if let openList { out += "</\(openList)>\n" }
                if let list { out += "<\(list)>\n" }
                openList = list
            }
            let inline = block.type == "code" ? escape(block.runs.map(\.text).joined()) : htmlRuns(block.runs)
            switch block.type {
            case "heading":
                let level = min(max(integer(block.attributes["level"]) ?? 1, 1), 6)
                out += "<h\(level)>\(inline)</h\(level)>\n"
            case "list_item": out += "<li>\(inline)</li>\n"
            case "code": out += "<pre><code>\(inline)</code></pre>\n"
            case "quote": out += "<blockquote><p>\(inline)</p></blockquote>\n"
            default: out += "<p>\(inline)</p>\n"
            }
        }
        if let openList { out += "</\(openList)>\n" }
        return out
    }

    static func html(_ table: BlockLayout.Table) -> String {
        var out = "<table>\n"
        if let caption = table.table, !caption.runs.isEmpty { out += "<caption>\(htmlRuns(caption.runs))</caption>\n" }
        for (r, row) in table.rows.enumerated() {
            let tag = r == 0 ? "th" : "td"
            out += "<tr>" + row.cells.map { "<\(tag)>\(htmlRuns($0.runs))</\(tag)>" }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }

    static func htmlRuns(_ runs: [FormattedRun]) -> String {
        var out = ""
        for run in runs {
            var open = ""
            var close = ""
            for key in run.attributes.keys.sorted() {
                let value = run.attributes[key]!
                let (start, end): (String, String)
                switch (key, value) {
                case ("bold", .bool(true)): (start, end) = ("<strong>", "</strong>")
                case ("italic", .bool(true)): (start, end) = ("<em>", "</em>")
                case ("underline", .bool(true)): (start, end) = ("<u>", "</u>")
                case ("strike", .bool(true)), ("strikethrough", .bool(true)): (start, end) = ("<s>", "</s>")
                case ("code", .bool(true)): (start, end) = ("<code>", "</code>")
                case ("link", .string(let href)), ("href", .string(let href)): (start, end) = ("<a href=\"\(escape(href))\">", "</a>")
                default: (start, end) = ("<span data-\(escape(key))=\"\(escape(plain(value)))\">", "</span>")
                }
                open += start
                close = end + close
            }
            for comment in run.comments {
                open = "<mark data-comment=\"\(escape(comment.description))\">" + open
                close += "</mark>"
            }
            out += open + escape(run.text) + close
        }
        return out
    }

    // MARK: Markdown

    /// CommonMark: headings with `#`, list items with `-` or `1.` (two spaces per
    /// indent), fenced code, `>` quotes, paragraphs apart by a blank line; marks as
    /// `**bold**`, `*italic*`, `~~strike~~`, `` `code` ``, `[text](url)`. Characters that
    /// would read as markup are escaped.
    public static func markdown(_ blocks: [BlockContent]) -> String {
        var out = ""
        var previousWasListItem = false
        for item in BlockLayout.items(blocks) {
            guard case .block(let block) = item else {
                if !out.isEmpty { out += "\n\n" }
                previousWasListItem = false
                if case .table(let table) = item { out += markdown(table) }
                continue
            }
            let isListItem = block.type == "list_item"
            if !out.isEmpty { out += isListItem && previousWasListItem ? "\n" : "\n\n" }
            previousWasListItem = isListItem
            switch block.type {
            case "heading":
                let level = min(max(integer(block.attributes["level"]) ?? 1, 1), 6)
                out += String(repeating: "#", count: level) + " " + markdownRuns(block.runs)
            case "list_item":
                let indent = String(repeating: "  ", count: max(integer(block.attributes["indent"]) ?? 0, 0))
                out += indent + (string(block.attributes["list"]) == "ordered" ? "1. " : "- ") + markdownRuns(block.runs)
            case "code":
                out += "```\n" + block.runs.map(\.text).joined() + "\n```"
            case "quote":
                out += markdownRuns(block.runs).split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
            default:
                out += markdownRuns(block.runs)
            }
        }
        return out + "\n"
    }

    /// A GFM table: the first row is the header; every row has as many cells as the
    /// widest (missing ones empty); `|` and line breaks in cells are escaped.
    static func markdown(_ table: BlockLayout.Table) -> String {
        var lines: [String] = []
        if let caption = table.table, !caption.runs.isEmpty { lines.append(markdownRuns(caption.runs) + "\n") }
        let width = max(table.rows.map(\.cells.count).max() ?? 0, 1)
        func line(_ cells: [BlockContent]) -> String {
            let texts = cells.map { markdownRuns($0.runs).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>") }
            return "| " + (texts + Array(repeating: "", count: width - texts.count)).joined(separator: " | ") + " |"
        }
        let rows = table.rows.isEmpty ? [(row: BlockContent?.none, cells: [BlockContent]())] : table.rows
        lines.append(line(rows[0].cells))
        lines.append("|" + Array(repeating: " --- |", count: width).joined())
        for row in rows.dropFirst() { lines.append(line(row.cells)) }
        return lines.joined(separator: "\n")
    }

    static func markdownRuns(_ runs: [FormattedRun]) -> String {
        var out = ""
        for run in runs {
            var text = escapeMarkdown(run.text)
            if run.attributes["code"] == .bool(true) { text = "`" + run.text + "`" }
            if run.attributes["bold"] == .bool(true) { text = "**" + text + "**" }
            if run.attributes["italic"] == .bool(true) { text = "*" + text + "*" }
            if run.attributes["strike"] == .bool(true) || run.attributes["strikethrough"] == .bool(true) { text = "~~" + text + "~~" }
            if case .string(let url)? = run.attributes["link"] ?? run.attributes["href"] { text = "[" + text + "](" + url + ")" }
            out += text
        }
        return out
    }

    /// Backslashes before the ASCII characters that would read as markup.
    static func escapeMarkdown(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + utf8.count / 16)
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\\"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "["),
                    UInt8(ascii: "]"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "#"):
                    out.append(UInt8(ascii: "\\"))
                default: break
                }
                out.append(byte)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    // MARK: Helpers

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

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
