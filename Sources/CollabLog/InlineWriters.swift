import CollabCore

/// The runs of a block as JSON objects, apart by commas:
/// `{"text":…,"marks":{…}[,"ids":[…]][,"comments":[…]]}`.
struct JSONRuns: InlineWriter {
    private var first = true
    /// What closes a run of the current formatting: its marks, ids and comments.
    private var closing: [UInt8] = Array(#"","marks":{}}"#.utf8)

    mutating func startBlock(kind: BlockKind) {
        first = true
    }

    mutating func setFormatting(attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
        var writer = JSONWriter()
        writer.raw("\",\"marks\":")
        RichTextRendering.attributes(attributes, &writer)
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
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(#"{"text":""#)
    }

    mutating func text(_ scalars: UnsafeBufferPointer<UInt32>, into out: inout OutputBytes) {
        out.write(upTo: scalars.count * 6) { bytes in  // at most \u00XX per character
            var n = 0
            var k = 0
            while k < scalars.count {
                let value = scalars[k]
                k &+= 1
                if value >= 0x80 {
                    n &+= writeScalarUTF8(value, to: bytes + n)
                    continue
                }
                if value >= 0x20 && value != 0x22 && value != 0x5C {
                    bytes[n] = UInt8(truncatingIfNeeded: value)
                    n &+= 1
                    continue
                }
                let escaped: StaticString = switch value {
                case 0x22: #"\""#
                case 0x5C: #"\\"#
                case 0x0A: #"\n"#
                case 0x0D: #"\r"#
                case 0x09: #"\t"#
                default: #"\u00"#
                }
                (bytes + n).update(from: escaped.utf8Start, count: escaped.utf8CodeUnitCount)
                n &+= escaped.utf8CodeUnitCount
                if escaped.utf8CodeUnitCount == 4 {
                    let hex: StaticString = "0123456789abcdef"
                    bytes[n] = hex.utf8Start[Int(value >> 4)]
                    bytes[n + 1] = hex.utf8Start[Int(value & 0xF)]
                    n &+= 2
                }
            }
            return n
        }
    }

    mutating func closeRun(into out: inout OutputBytes) {
        out.append(closing)
    }
}

/// The runs of a block as CommonMark inline text: `**bold**`, `*italic*`,
/// `~~strike~~`, `` `code` ``, `[text](url)`, with the characters that would read as
/// markup escaped. Code blocks take their text as it is.
struct MarkdownRuns: InlineWriter {
    private var codeBlock = false
    /// Whether the open run's text is written as it is (code).
    private var verbatim = false
    /// What opens and closes a run of the current formatting, and whether it is code.
    private var opening: [UInt8] = []
    private var closing: [UInt8] = []
    private var code = false

    mutating func startBlock(kind: BlockKind) {
        codeBlock = kind == .code
    }

    mutating func setFormatting(attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
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
        if url != nil { opening.append(UInt8(ascii: "[")) }
        if strike { opening.append(contentsOf: "~~".utf8) }
        if italic { opening.append(UInt8(ascii: "*")) }
        if bold { opening.append(contentsOf: "**".utf8) }
        if code { opening.append(UInt8(ascii: "`")) }
        if code { closing.append(UInt8(ascii: "`")) }
        if bold { closing.append(contentsOf: "**".utf8) }
        if italic { closing.append(UInt8(ascii: "*")) }
        if strike { closing.append(contentsOf: "~~".utf8) }
        if let url { closing.append(contentsOf: "](\(url))".utf8) }
    }

    mutating func openRun(into out: inout OutputBytes) {
        // A code block's text is as it is, without marks.
        verbatim = codeBlock || code
        if !codeBlock { out.append(opening) }
    }

    mutating func text(_ scalars: UnsafeBufferPointer<UInt32>, into out: inout OutputBytes) {
        // The ASCII characters that would read as markup, \ * _ ` [ ] < > #, as bits of a
        // mask counted from "#" (0x23), the first of them.
        let markup: UInt64 = 1 << 0 | 1 << 7 | 1 << 25 | 1 << 27 | 1 << 56 | 1 << 57 | 1 << 58 | 1 << 60 | 1 << 61
        let escaping = !verbatim
        out.write(upTo: scalars.count * 4) { bytes in
            var n = 0
            var k = 0
            while k < scalars.count {
                let value = scalars[k]
                k &+= 1
                if value < 0x80 {
                    let offset = value &- 0x23
                    if escaping && offset < 64 && (markup &>> UInt64(offset)) & 1 == 1 {
                        bytes[n] = UInt8(ascii: "\\")
                        n &+= 1
                    }
                    bytes[n] = UInt8(truncatingIfNeeded: value)
                    n &+= 1
                } else {
                    n &+= writeScalarUTF8(value, to: bytes + n)
                }
            }
            return n
        }
    }

    mutating func closeRun(into out: inout OutputBytes) {
        if !codeBlock { out.append(closing) }
    }
}

/// The runs of a block as HTML inline elements: `<strong>`, `<em>`, `<u>`, `<s>`,
/// `<code>`, `<a href>`, others as `<span data-NAME>`, comments as
/// `<mark data-comment="ID">` outside them. Code blocks take their text escaped only.
struct HTMLRuns: InlineWriter {
    private var codeBlock = false
    /// What opens and closes a run of the current formatting.
    private var opening: [UInt8] = []
    private var closing: [UInt8] = []

    mutating func startBlock(kind: BlockKind) {
        codeBlock = kind == .code
    }

    mutating func setFormatting(attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
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
                (start, end) = ("<a href=\"\(RichTextRendering.escape(href))\">", "</a>")
            default:
                let name = RichTextRendering.escape(key)
                (start, end) = ("<span data-\(name)=\"\(RichTextRendering.escape(RichTextRendering.plain(value)))\">", "</span>")
            }
            open += start
            close = end + close
        }
        for comment in comments {
            open = "<mark data-comment=\"\(RichTextRendering.escape(comment.description))\">" + open
            close += "</mark>"
        }
        opening.append(contentsOf: open.utf8)
        closing.append(contentsOf: close.utf8)
    }

    mutating func openRun(into out: inout OutputBytes) {
        // A code block's text is escaped only.
        if !codeBlock { out.append(opening) }
    }

    mutating func text(_ scalars: UnsafeBufferPointer<UInt32>, into out: inout OutputBytes) {
        Self.escape(scalars, into: &out)
    }

    mutating func closeRun(into out: inout OutputBytes) {
        if !codeBlock { out.append(closing) }
    }

    /// HTML text: `&`, `<`, `>` and `"` as entities.
    static func escape(_ scalars: UnsafeBufferPointer<UInt32>, into out: inout OutputBytes) {
        out.reserve(scalars.count * 6)
        for value in scalars {
            switch value {
            case 0x26: for byte in "&amp;".utf8 { out.put(byte) }
            case 0x3C: for byte in "&lt;".utf8 { out.put(byte) }
            case 0x3E: for byte in "&gt;".utf8 { out.put(byte) }
            case 0x22: for byte in "&quot;".utf8 { out.put(byte) }
            case ..<0x80: out.put(UInt8(truncatingIfNeeded: value))
            default: out.putUTF8(value)
            }
        }
    }
}
