import CollabCore

/// `collab materialize --format html`, with semantic elements: `<p>`, `<h1>`…`<h6>`,
/// `<ul>`/`<ol>` of `<li>`, `<pre><code>`, `<blockquote>`, `<table>`; marks as
/// `<strong>`, `<em>`, `<u>`, `<s>`, `<code>`, `<a href>`, others as
/// `<span data-NAME>`; comments as `<mark data-comment="ID">` outside them. Code blocks
/// take their text escaped only.
struct HTMLOutput: RichTextWriter {
    private enum List { case ordered, unordered }
    private var openList: List?
    private var kind = BlockKind.paragraph
    private var level = 1
    /// What opens and closes a run of the current formatting.
    private var opening: [UInt8] = []
    private var closing: [UInt8] = []
    private var markup = PerFormatting<(opening: [UInt8], closing: [UInt8])>()

    mutating func begin(into out: inout OutputBytes) {}

    mutating func openBlock(id: OpId?, kind: BlockKind, attributes: [String: AttributeValue], into out: inout OutputBytes) {
        self.kind = kind
        let list: List? = kind == .listItem ? (RichTextRendering.string(attributes["list"]) == "ordered" ? .ordered : .unordered) : nil
        if openList != list {
            closeList(&out)
            if let list { out.append(list == .ordered ? "<ol>\n" : "<ul>\n") }
            openList = list
        }
        switch kind {
        case .heading:
            level = RichTextRendering.level(attributes)
            out.append("<h")
            out.appendDecimal(level)
            out.append(UInt8(ascii: ">"))
        case .listItem: out.append("<li>")
        case .code: out.append("<pre><code>")
        case .quote: out.append("<blockquote><p>")
        default: out.append("<p>")
        }
    }

    mutating func closeBlock(into out: inout OutputBytes) {
        switch kind {
        case .heading:
            out.append("</h")
            out.appendDecimal(level)
            out.append(">\n")
        case .listItem: out.append("</li>\n")
        case .code: out.append("</code></pre>\n")
        case .quote: out.append("</p></blockquote>\n")
        default: out.append("</p>\n")
        }
    }

    mutating func openTablePart(kind: BlockKind) {
        self.kind = kind
    }

    mutating func table(_ table: BlockLayout.Table, parts: [RenderedBlock], scratch: borrowing OutputBytes, into out: inout OutputBytes) {
        closeList(&out)
        out.append("<table>\n")
        if let caption = table.table.map({ parts[$0] }), caption.hasText {
            out.append("<caption>")
            out.append(scratch, range: caption.inline)
            out.append("</caption>\n")
        }
        for (r, row) in table.rows.enumerated() {
            let (open, close): (StaticString, StaticString) = r == 0 ? ("<th>", "</th>") : ("<td>", "</td>")
            out.append("<tr>")
            for cell in row.cells {
                out.append(open)
                out.append(scratch, range: parts[cell].inline)
                out.append(close)
            }
            out.append("</tr>\n")
        }
        out.append("</table>\n")
    }

    mutating func finish(_ document: Document, into out: inout OutputBytes) {
        closeList(&out)
    }

    private mutating func closeList(_ out: inout OutputBytes) {
        if let openList { out.append(openList == .ordered ? "</ol>\n" : "</ul>\n") }
        openList = nil
    }

    // MARK: Runs

    mutating func setFormatting(_ number: Int, attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
        if let known = markup[number] { return (opening, closing) = known }
        defer { markup[number] = (opening, closing) }
        opening.removeAll(keepingCapacity: true)
        closing.removeAll(keepingCapacity: true)
        guard !attributes.isEmpty || !comments.isEmpty else { return }
        var open = ""
        var close = ""
        for key in attributes.keys.sorted() {
            let value = attributes[key]!
            let (start, end): (String, String)
            switch (key, value) {
            case ("bold", .bool(true)): (start, end) = ("<strong>", "</strong>")
            case ("italic", .bool(true)): (start, end) = ("<em>", "</em>")
            case ("underline", .bool(true)): (start, end) = ("<u>", "</u>")
            case ("strike", .bool(true)), ("strikethrough", .bool(true)): (start, end) = ("<s>", "</s>")
            case ("code", .bool(true)): (start, end) = ("<code>", "</code>")
            case ("link", .string(let href)), ("href", .string(let href)):
                // A target that could run code is no link: the text shows as it is.
                guard LinkTarget.isSafe(href) else { continue }
                (start, end) = ("<a href=\"\(Self.escape(href))\">", "</a>")
            default:
                let name = Self.escape(key)
                (start, end) = ("<span data-\(name)=\"\(Self.escape(RichTextRendering.plain(value)))\">", "</span>")
            }
            open += start
            close = end + close
        }
        for comment in comments {
            open = "<mark data-comment=\"\(Self.escape(comment.description))\">" + open
            close += "</mark>"
        }
        opening.append(contentsOf: open.utf8)
        closing.append(contentsOf: close.utf8)
    }

    mutating func openRun(into out: inout OutputBytes) {
        // A code block's text is escaped only.
        if kind != .code { out.append(opening) }
    }

    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes) {
        Self.escape(utf8, into: &out)
    }

    mutating func closeRun(into out: inout OutputBytes) {
        if kind != .code { out.append(closing) }
    }

    /// HTML text: `&`, `<`, `>` and `"` as entities.
    static func escape(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes) {
        out.write(upTo: utf8.count * 6) { bytes in
            writeEscaped(utf8, to: bytes) { sixteen in
                typealias Lanes = SIMD16<UInt8>
                return (sixteen .== Lanes(repeating: 0x26)) .| (sixteen .== Lanes(repeating: 0x3C)) .| (sixteen .== Lanes(repeating: 0x3E))
                    .| (sixteen .== Lanes(repeating: 0x22))
            } isPlain: { byte in
                byte != 0x26 && byte != 0x3C && byte != 0x3E && byte != 0x22
            } escape: { byte, to in
                let entity: StaticString = switch byte {
                case 0x26: "&amp;"
                case 0x3C: "&lt;"
                case 0x3E: "&gt;"
                default: "&quot;"
                }
                to.update(from: entity.utf8Start, count: entity.utf8CodeUnitCount)
                return entity.utf8CodeUnitCount
            }
        }
    }

    static func escape(_ text: String) -> String {
        var text = text
        var out = OutputBytes(capacity: text.utf8.count + 16)
        text.withUTF8 { escape($0, into: &out) }
        return out.string
    }
}
