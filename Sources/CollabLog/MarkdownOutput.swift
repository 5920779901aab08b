import CollabCore

/// `collab materialize --format markdown`, CommonMark: headings with `#`, list items
/// with `-` or `1.` (two spaces per indent), fenced code, `>` quotes, paragraphs apart
/// by a blank line, GFM tables; marks as `**bold**`, `*italic*`, `~~strike~~`,
/// `` `code` ``, `[text](url)`, nested and placed so a CommonMark reader gets back the
/// same text and marks (`MarkdownInline`), with the characters that would read as markup
/// escaped. Code blocks take their text as it is, in a fence longer than any inside.
struct MarkdownOutput: RichTextWriter {
    private var previousWasListItem = false
    private var kind = BlockKind.paragraph
    /// The marks of the current formatting, and whether there are none.
    private var marks = MarkdownInline.Marks()
    private var plain = true
    private var markup = PerFormatting<MarkdownInline.Marks>()
    /// The block's text, written when it ends.
    private var inline = MarkdownInline()
    private var codeText: [UInt8] = []

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
        case .quote:
            out.append("> ")
        default:
            break
        }
    }

    mutating func closeBlock(into out: inout OutputBytes) {}

    mutating func endText(into out: inout OutputBytes) {
        guard kind != .code else { return writeCodeBlock(into: &out) }
        inline.finish(into: &out)
    }

    /// A fenced code block: its text as it is, in a fence of more backticks than any line
    /// inside starts with.
    private mutating func writeCodeBlock(into out: inout OutputBytes) {
        var fence = 3
        var lineStart = true
        var run = 0
        for byte in codeText {
            if byte == UInt8(ascii: "`"), lineStart || run > 0 {
                run += 1
                fence = max(fence, run + 1)
            } else {
                run = 0
            }
            lineStart = byte == 0x0A || (lineStart && byte == UInt8(ascii: " "))
        }
        for _ in 0..<fence { out.append(UInt8(ascii: "`")) }
        out.append(0x0A)
        if !codeText.isEmpty {
            codeText.withUnsafeBufferPointer { out.append($0) }
            out.append(0x0A)
        }
        for _ in 0..<fence { out.append(UInt8(ascii: "`")) }
        codeText.removeAll(keepingCapacity: true)
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
                        if byte == UInt8(ascii: "|") { out.append("\\|") } else { out.append(byte) }
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
        if let known = markup[number] {
            marks = known
            plain = known.isEmpty
            return
        }
        defer {
            markup[number] = marks
            plain = marks.isEmpty
        }
        marks = MarkdownInline.Marks()
        guard !attributes.isEmpty else { return }
        // One pass over the attributes: hashing each name the renderer knows would cost
        // more than the whole run.
        var url: String?
        var href: String?
        var hasLink = false
        for (key, value) in attributes {
            switch key {
            case "code": marks.code = value == .bool(true)
            case "bold": marks.bold = value == .bool(true)
            case "italic": marks.italic = value == .bool(true)
            case "strike", "strikethrough": marks.strike = marks.strike || value == .bool(true)
            case "link":
                hasLink = true
                if case .string(let link) = value { url = link }
            case "href":
                if case .string(let link) = value { href = link }
            default: break
            }
        }
        if !hasLink { url = href }  // a link attribute, even not a string, hides href
        if let target = url, LinkTarget.isSafe(target) { marks.link = inline.linkNumber(target) }  // else shown as plain text
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

    mutating func openRun(into out: inout OutputBytes) {}

    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes) {
        if kind == .code { codeText.append(contentsOf: utf8) } else { inline.append(utf8, marks: marks, plain: plain, writingInto: &out) }
    }

    mutating func closeRun(into out: inout OutputBytes) {}

    /// Text outside code: the ASCII characters that would read as markup escaped with a
    /// backslash, and line breaks as character references (a block is one line).
    static func escape(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes) {
        // \ * _ ` [ ] < > # & as bits of a mask counted from "#" (0x23), the first of them
        // (~ is beyond it).
        let markup: UInt64 = 1 << 0 | 1 << 3 | 1 << 7 | 1 << 25 | 1 << 27 | 1 << 56 | 1 << 57 | 1 << 58 | 1 << 60 | 1 << 61
        out.write(upTo: utf8.count * 5) { bytes in
            writeEscaped(utf8, to: bytes) { sixteen in
                typealias Lanes = SIMD16<UInt8>
                return (sixteen .== Lanes(repeating: 0x23)) .| (sixteen .== Lanes(repeating: 0x2A)) .| (sixteen .== Lanes(repeating: 0x3C))
                    .| (sixteen .== Lanes(repeating: 0x3E)) .| (sixteen .== Lanes(repeating: 0x5B)) .| (sixteen .== Lanes(repeating: 0x5C))
                    .| (sixteen .== Lanes(repeating: 0x5D)) .| (sixteen .== Lanes(repeating: 0x5F)) .| (sixteen .== Lanes(repeating: 0x60))
                    .| (sixteen .== Lanes(repeating: 0x26)) .| (sixteen .== Lanes(repeating: 0x7E)) .| (sixteen .== Lanes(repeating: 0x0A)) .| (sixteen .== Lanes(repeating: 0x0D))
            } isPlain: { byte in
                if byte == 0x0A || byte == 0x0D || byte == 0x7E { return false }
                let offset = byte &- 0x23
                return offset >= 64 || (markup &>> UInt64(offset)) & 1 == 0
            } escape: { byte, to in
                switch byte {
                case 0x0A, 0x0D:
                    // "&#10;" or "&#13;"
                    for (k, c) in "&#1".utf8.enumerated() { to[k] = c }
                    to[3] = byte == 0x0A ? UInt8(ascii: "0") : UInt8(ascii: "3")
                    to[4] = UInt8(ascii: ";")
                    return 5
                default:
                    to[0] = UInt8(ascii: "\\")
                    to[1] = byte
                    return 2
                }
            }
        }
    }
}
