import CollabCore

/// A document's blocks and formatted text in the output formats of `collab materialize`.
/// Output is deterministic: attributes are written in name order.
///
/// Rendering is one pass over the document (`Document.read`): a `StreamingRenderer`
/// hands each block and run to the format's writer (`JSONOutput`, `MarkdownOutput`,
/// `HTMLOutput`), which writes it straight into the output (docs/benchmarks.md).
public enum RichTextRendering {
    /// JSON: the blocks with runs of text and their marks, and the comment threads; with
    /// `withIds` each run also lists the ids of its characters.
    public static func json(_ document: Document, withIds: Bool = false) -> String {
        StreamingRenderer.render(document, withIds: withIds, JSONOutput())
    }

    /// Semantic HTML.
    public static func html(_ document: Document) -> String {
        StreamingRenderer.render(document, HTMLOutput())
    }

    /// CommonMark with GFM tables.
    public static func markdown(_ document: Document) -> String {
        StreamingRenderer.render(document, MarkdownOutput())
    }

    // MARK: Helpers

    /// A heading's level, 1 to 6.
    static func level(_ attributes: [String: AttributeValue]) -> Int { min(max(integer(attributes["level"]) ?? 1, 1), 6) }

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
    static func escape(_ text: String) -> String { HTMLOutput.escape(text) }
}

extension OutputBytes {
    /// An op id as the JSON string `"client:seq"`, without building the string first.
    mutating func appendOpId(_ id: OpId) {
        var client = id.client
        // Checked and copied in one look at the name (one per block written).
        let plain = client.withUTF8 { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            append(UInt8(ascii: "\""))
            append(utf8)
            append(UInt8(ascii: ":"))
            return true
        }
        guard plain else { return appendJSONString(id.description) }
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
