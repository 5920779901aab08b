import CollabCore

/// A document's formatted text in the output formats of `collab materialize`. Output is
/// deterministic: attributes are written in name order.
public enum RichTextRendering {
    /// `{"runs":[{"text":…,"marks":{…}},…]}` followed by a newline.
    public static func json(_ runs: [FormattedRun]) -> String {
        var writer = JSONWriter()
        writer.raw("{\"runs\":[")
        for (k, run) in runs.enumerated() {
            if k > 0 { writer.raw(",") }
            writer.raw("{\"text\":")
            writer.string(run.text)
            writer.raw(",\"marks\":{")
            for (j, key) in run.attributes.keys.sorted().enumerated() {
                if j > 0 { writer.raw(",") }
                writer.string(key)
                writer.raw(":")
                writer.value(OpJSON.jsonValue(of: run.attributes[key]!))
            }
            writer.raw("}}")
        }
        writer.raw("]}\n")
        return writer.text
    }

    /// HTML with semantic elements: bold as `<strong>`, italic `<em>`, underline `<u>`,
    /// strikethrough `<s>`, code `<code>`, a link `<a href>`; other attributes as
    /// `<span data-NAME="VALUE">`. Text is escaped; newlines are kept.
    public static func html(_ runs: [FormattedRun]) -> String {
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
            out += open + escape(run.text) + close
        }
        return out + "\n"
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
