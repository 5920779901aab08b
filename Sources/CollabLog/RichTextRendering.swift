import CollabCore

/// A document's formatted text in the output formats of `collab materialize`. Output is
/// deterministic: attributes are written in name order.
public enum RichTextRendering {
    /// `{"runs":[{"text":…,"marks":{…}},…],"comments":[…]}` and a newline. A run on which
    /// comments are anchored lists their ids; each thread gives its anchored range now.
    public static func json(_ runs: [FormattedRun], comments: [CommentThread] = []) -> String {
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
            writer.raw("}")
            if !run.comments.isEmpty {
                writer.raw(",\"comments\":[")
                for (j, comment) in run.comments.enumerated() {
                    if j > 0 { writer.raw(",") }
                    writer.string(comment.description)
                }
                writer.raw("]")
            }
            writer.raw("}")
        }
        writer.raw("],\"comments\":[")
        for (k, thread) in comments.enumerated() {
            if k > 0 { writer.raw(",") }
            self.thread(thread, &writer)
        }
        writer.raw("]}\n")
        return writer.text
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
            writer.raw("},\"replies\":[")
            for (k, reply) in thread.replies.enumerated() {
                if k > 0 { writer.raw(",") }
                self.thread(reply, &writer)
            }
            writer.raw("]")
        }
        writer.raw("}")
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
            for comment in run.comments {
                open = "<mark data-comment=\"\(escape(comment.description))\">" + open
                close += "</mark>"
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
