import CollabCore

/// `collab materialize --format markdown`, CommonMark: headings with `#`, list items
/// with `-` or `1.` (two spaces per indent), fenced code, `>` quotes, paragraphs apart
/// by a blank line, GFM tables; marks as `**bold**`, `*italic*`, `~~strike~~`,
/// `` `code` ``, `[text](url)`, with the characters that would read as markup escaped.
/// Code blocks take their text as it is.
struct MarkdownOutput: RichTextWriter {
    private var previousWasListItem = false
    private var kind = BlockKind.paragraph
    /// Whether the open run's text is written as it is (code).
    private var verbatim = false
    /// What opens and closes a run of the current formatting, and whether it is code.
    private var opening: [UInt8] = []
    private var closing: [UInt8] = []
    private var code = false
    private var markup = PerFormatting<(opening: [UInt8], closing: [UInt8], code: Bool)>()

    mutating func begin(into out: inout OutputBytes) {}

    mutating func openBlock(id: OpId?, kind: BlockKind, attributes: [String: AttributeValue], into out: inout OutputBytes) {
        self.kind = kind
        let isListItem = kind == .listItem
        if out.count > 0 { isListItem && previousWasListItem ? out.append(0x0A) : out.append("\n\n") }
        previousWasListItem = isListItem
        switch kind {
        case .heading:
            for _ in 0..<RichTextRendering.level(attributes) { out.append(UInt8(ascii: "#")) }
            out.append(UInt8(ascii: " "))
        case .listItem:
            for _ in 0..<max(RichTextRendering.integer(attributes["indent"]) ?? 0, 0) { out.append("  ") }
            out.append(RichTextRendering.string(attributes["list"]) == "ordered" ? "1. " : "- ")
        case .code:
            out.append("```\n")
        case .quote:
            out.append("> ")
        default:
            break
        }
    }

    mutating func closeBlock(textStart: Int, into out: inout OutputBytes) {
        switch kind {
        case .code: out.append("\n```")
        case .quote: out.insertAfterEachLineFeed(from: textStart, "> ")
        default: break
        }
    }

    mutating func openTablePart(kind: BlockKind) {
        self.kind = kind
    }

    /// A GFM table: the first row is the header; every row has as many cells as the
    /// widest (missing ones empty); `|` and line breaks in cells are escaped.
    mutating func table(_ table: BlockLayout.Table, parts: [RenderedBlock], scratch: borrowing OutputBytes, into out: inout OutputBytes) {
        if out.count > 0 { out.append("\n\n") }
        previousWasListItem = false
        if let caption = table.table.map({ parts[$0] }), caption.hasText {
            out.append(scratch, range: caption.inline)
            out.append("\n\n")
        }
        let width = max(table.rows.map(\.cells.count).max() ?? 0, 1)
        func line(_ cells: [Int], _ out: inout OutputBytes) {
            out.append(UInt8(ascii: "|"))
            for k in 0..<width {
                out.append(UInt8(ascii: " "))
                if k < cells.count {
                    scratch.forEachByte(in: parts[cells[k]].inline) { byte in
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

    mutating func finish(_ document: Document, into out: inout OutputBytes) {
        out.append(0x0A)
    }

    // MARK: Runs

    mutating func setFormatting(_ number: Int, attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
        if let known = markup[number] { return (opening, closing, code) = known }
        defer { markup[number] = (opening, closing, code) }
        opening.removeAll(keepingCapacity: true)
        closing.removeAll(keepingCapacity: true)
        code = false
        guard !attributes.isEmpty else { return }
        // One pass over the attributes: hashing each name the renderer knows would cost
        // more than the whole run.
        var bold = false, italic = false, strike = false
        var url: String?
        var href: String?
        var hasLink = false
        for (key, value) in attributes {
            switch key {
            case "code": code = value == .bool(true)
            case "bold": bold = value == .bool(true)
            case "italic": italic = value == .bool(true)
            case "strike", "strikethrough": strike = strike || value == .bool(true)
            case "link":
                hasLink = true
                if case .string(let link) = value { url = link }
            case "href":
                if case .string(let link) = value { href = link }
            default: break
            }
        }
        if !hasLink { url = href }  // a link attribute, even not a string, hides href
        if let target = url, !LinkTarget.isSafe(target) { url = nil }  // shown as plain text
        if url != nil { opening.append(UInt8(ascii: "[")) }
        if strike { opening.append(contentsOf: "~~".utf8) }
        if italic { opening.append(UInt8(ascii: "*")) }
        if bold { opening.append(contentsOf: "**".utf8) }
        if code { opening.append(UInt8(ascii: "`")) }
        if code { closing.append(UInt8(ascii: "`")) }
        if bold { closing.append(contentsOf: "**".utf8) }
        if italic { closing.append(UInt8(ascii: "*")) }
        if strike { closing.append(contentsOf: "~~".utf8) }
        if let url { closing.append(contentsOf: "](\(Self.destination(url)))".utf8) }
    }

    /// A URL as a CommonMark link destination that reads back as exactly that URL:
    /// backslashes, parentheses and angle brackets escaped, `&` written as `&amp;` (a
    /// reader decodes character references there).
    static func destination(_ url: String) -> String {
        var written = ""
        for character in url {
            switch character {
            case "\\", "(", ")", "<", ">": written += "\\" + String(character)
            case "&": written += "&amp;"
            default: written.append(character)
            }
        }
        return written
    }

    mutating func openRun(into out: inout OutputBytes) {
        // A code block's text is as it is, without marks.
        verbatim = kind == .code || code
        if kind != .code { out.append(opening) }
    }

    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes) {
        guard !verbatim else { return out.append(utf8) }
        // The ASCII characters that would read as markup, \ * _ ` [ ] < > #, as bits of a
        // mask counted from "#" (0x23), the first of them.
        let markup: UInt64 = 1 << 0 | 1 << 7 | 1 << 25 | 1 << 27 | 1 << 56 | 1 << 57 | 1 << 58 | 1 << 60 | 1 << 61
        out.write(upTo: utf8.count * 2) { bytes in
            writeEscaped(utf8, to: bytes) { sixteen in
                typealias Lanes = SIMD16<UInt8>
                return (sixteen .== Lanes(repeating: 0x23)) .| (sixteen .== Lanes(repeating: 0x2A)) .| (sixteen .== Lanes(repeating: 0x3C))
                    .| (sixteen .== Lanes(repeating: 0x3E)) .| (sixteen .== Lanes(repeating: 0x5B)) .| (sixteen .== Lanes(repeating: 0x5C))
                    .| (sixteen .== Lanes(repeating: 0x5D)) .| (sixteen .== Lanes(repeating: 0x5F)) .| (sixteen .== Lanes(repeating: 0x60))
            } isPlain: { byte in
                let offset = byte &- 0x23
                return offset >= 64 || (markup &>> UInt64(offset)) & 1 == 0
            } escape: { byte, to in
                to[0] = UInt8(ascii: "\\")
                to[1] = byte
                return 2
            }
        }
    }

    mutating func closeRun(into out: inout OutputBytes) {
        if kind != .code { out.append(closing) }
    }
}
