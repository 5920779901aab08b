import CollabCore

/// A track-changes diff (`Document.changes(from:)`) in the formats of `collab diff`
/// (docs/versions.md).
public enum DiffRendering {
    public enum Format: String, Sendable, CaseIterable {
        case ansi, markup, html, json
    }

    /// The diff in `format`; nothing at all, but in JSON, when nothing changed (as `diff`).
    public static func render(_ hunks: [DiffHunk], as format: Format) -> String {
        if format != .json && !hasChanges(hunks) { return "" }
        return switch format {
        case .markup: markup(hunks)
        case .ansi: ansi(hunks)
        case .html: html(hunks)
        case .json: json(hunks) + "\n"
        }
    }

    /// Whether the hunks hold any change at all.
    public static func hasChanges(_ hunks: [DiffHunk]) -> Bool { hunks.contains { $0.kind != .equal } }

    /// `{+inserted+}`, `[-deleted-]`, `{~reformatted~}`, `{~¶ type: "paragraph" → "quote"~}`
    /// before a block's line break; comment changes on lines of their own at the end.
    static func markup(_ hunks: [DiffHunk]) -> String {
        var out = ""
        for hunk in hunks {
            switch hunk.kind {
            case .equal: out += hunk.text
            case .insert: out += "{+" + hunk.text + "+}"
            case .delete: out += "[-" + hunk.text + "-]"
            case .format: out += "{~" + hunk.text + "~}"
            case .block: out += "{~¶ " + changes(hunk) + "~}" + hunk.text
            case .move: out += "{~¶ moved~}"
            case .comment: break
            }
        }
        let comments = hunks.filter { $0.kind == .comment }
        if !comments.isEmpty { out += "\n\n" + comments.map { "{~" + comment($0) + "~}" }.joined(separator: "\n") }
        return out + "\n"
    }

    /// Insertions green and underlined, deletions red and struck through, formatting and
    /// block changes yellow; then a legend of who changed what.
    static func ansi(_ hunks: [DiffHunk]) -> String {
        let reset = "\u{1B}[0m"
        var out = ""
        for hunk in hunks {
            switch hunk.kind {
            case .equal: out += hunk.text
            case .insert: out += "\u{1B}[32;4m" + hunk.text + reset
            case .delete: out += "\u{1B}[31;9m" + hunk.text + reset
            case .format: out += "\u{1B}[33m" + hunk.text + reset
            case .block: out += "\u{1B}[33m¶ " + changes(hunk) + reset + hunk.text
            case .move: out += "\u{1B}[33m¶ moved" + reset
            case .comment: break
            }
        }
        for hunk in hunks where hunk.kind == .comment { out += "\n\u{1B}[36m" + comment(hunk) + reset }
        var legend: [String: (inserted: Int, deleted: Int, other: Int)] = [:]
        for hunk in hunks where hunk.kind != .equal {
            let author = hunk.author ?? "?"
            let count = hunk.text.unicodeScalars.count
            switch hunk.kind {
            case .insert: legend[author, default: (0, 0, 0)].inserted += count
            case .delete: legend[author, default: (0, 0, 0)].deleted += count
            default: legend[author, default: (0, 0, 0)].other += 1
            }
        }
        if !legend.isEmpty {
            out += "\n\u{1B}[2m--"
            for (author, counts) in legend.sorted(by: { $0.key < $1.key }) {
                out += " \(author): +\(counts.inserted) −\(counts.deleted)" + (counts.other > 0 ? " and \(counts.other) other change\(counts.other == 1 ? "" : "s")" : "") + ";"
            }
            out.removeLast()
            out += reset
        }
        return out + "\n"
    }

    /// `<ins>` and `<del>` with `data-author` and `data-time`; formatting and block
    /// changes as `<span class="format">` with `data-changes`; comment changes in a list.
    /// `styled`: the line breaks kept by an inline style, for a page of its own; a page
    /// whose policy forbids inline styles (the server's) sets `white-space` itself.
    public static func html(_ hunks: [DiffHunk], styled: Bool = true) -> String {
        func attributes(_ hunk: DiffHunk) -> String {
            var text = ""
            if let author = hunk.author { text += " data-author=\"\(RichTextRendering.escape(author))\"" }
            if let time = hunk.time { text += " data-time=\"\(ISO8601.format(milliseconds: time.wall))\"" }
            return text
        }
        var out = styled ? "<div class=\"collab-diff\" style=\"white-space: pre-wrap\">" : "<div class=\"collab-diff\">"
        for hunk in hunks {
            let text = RichTextRendering.escape(hunk.text)
            switch hunk.kind {
            case .equal: out += text
            case .insert: out += "<ins\(attributes(hunk))>\(text)</ins>"
            case .delete: out += "<del\(attributes(hunk))>\(text)</del>"
            case .format: out += "<span class=\"format\"\(attributes(hunk)) data-changes=\"\(RichTextRendering.escape(changes(hunk)))\">\(text)</span>"
            case .block: out += "<span class=\"block\"\(attributes(hunk)) data-changes=\"\(RichTextRendering.escape(changes(hunk)))\">¶</span>\(text)"
            case .move: out += "<span class=\"move\"\(attributes(hunk)) data-block=\"\(RichTextRendering.escape(hunk.id?.description ?? ""))\">¶</span>"
            case .comment: break
            }
        }
        out += "</div>\n"
        let comments = hunks.filter { $0.kind == .comment }
        if !comments.isEmpty {
            out += "<ul class=\"comment-changes\">\n"
            for hunk in comments { out += "<li\(attributes(hunk))>\(RichTextRendering.escape(comment(hunk)))</li>\n" }
            out += "</ul>\n"
        }
        return out
    }

    /// A JSON array of hunks: `{"kind":…,"text":…,"author":…,"time":…}`, with
    /// `changes` (`{"bold":{"old":null,"new":true}}`), `id` and `action` where they apply.
    public static func json(_ hunks: [DiffHunk]) -> String {
        var writer = JSONWriter()
        writer.list(hunks) { writer, hunk in
            writer.raw("{\"kind\":")
            writer.string(hunk.kind.rawValue)
            writer.raw(",\"text\":")
            writer.string(hunk.text)
            if let author = hunk.author {
                writer.raw(",\"author\":")
                writer.string(author)
            }
            if let time = hunk.time {
                writer.raw(",\"time\":")
                writer.string(ISO8601.format(milliseconds: time.wall))
            }
            if !hunk.changes.isEmpty {
                writer.raw(",\"changes\":{")
                for (k, key) in hunk.changes.keys.sorted().enumerated() {
                    if k > 0 { writer.raw(",") }
                    writer.string(key)
                    writer.raw(":{\"old\":")
                    writer.value(OpJSON.jsonValue(of: hunk.changes[key]!.old))
                    writer.raw(",\"new\":")
                    writer.value(OpJSON.jsonValue(of: hunk.changes[key]!.new))
                    writer.raw("}")
                }
                writer.raw("}")
            }
            if let id = hunk.id {
                writer.raw(",\"id\":")
                writer.opId(id)
            }
            if let action = hunk.action {
                writer.raw(",\"action\":")
                writer.string(action)
            }
            writer.raw("}")
        }
        return writer.text
    }

    /// `type: "paragraph" → "quote", level: null → 2`.
    static func changes(_ hunk: DiffHunk) -> String {
        hunk.changes.keys.sorted().map { key in
            let change = hunk.changes[key]!
            return "\(key): \(OpJSON.jsonValue(of: change.old).compactText) → \(OpJSON.jsonValue(of: change.new).compactText)"
        }.joined(separator: ", ")
    }

    /// `comment carol:0 added by carol: "Which Friday?"`.
    static func comment(_ hunk: DiffHunk) -> String {
        var writer = JSONWriter()
        writer.string(hunk.text)
        return "comment \(hunk.id.map(\.description) ?? "?") \(hunk.action ?? "changed") by \(hunk.author ?? "?"): \(writer.text)"
    }
}
