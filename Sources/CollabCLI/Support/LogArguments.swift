import ArgumentParser
import CollabCore
import CollabLog

/// Writes bytes to a path or, for `-`, to stdout.
func writeOutput(_ bytes: [UInt8], to path: String) throws {
    try FileIO.replace(path, with: bytes)
}

/// Refuses to overwrite an existing file unless asked to.
func checkNewOutput(_ path: String, force: Bool) throws {
    if path != "-" && !force && FileIO.exists(path) {
        throw CommandFailure(.cannotCreate, "\(path) exists; pass --force to replace it")
    }
}

/// A short human description of an op, for `collab log` and dry runs.
func summary(of op: Op) -> String {
    switch op.payload {
    case .textInsert(let insert):
        let after = insert.after.map(\.description) ?? "start"
        let before = insert.before.map(\.description) ?? "end"
        return "+\(insert.length) \(quoted(insert.text)) between \(after) and \(before)"
    case .textDelete(let delete):
        let ranges = delete.targets.map { target in
            target.length == 1 ? target.start.description : "\(target.start.client):\(target.lowestSeq)+\(target.length)"
        }
        return "-\(delete.length) " + ranges.joined(separator: " ")
    case .formatSet(let format):
        let start = format.start.map { "\($0.side.rawValue) \($0.id)" } ?? "start"
        let end = format.end.map { "\($0.side.rawValue) \($0.id)" } ?? "end"
        return "\(format.key)=\(OpJSON.jsonValue(of: format.value).compactText) from \(start) to \(end)"
    case .comment(let comment):
        switch comment {
        case .add(let start, let end, let replyTo, let text):
            if let replyTo { return "reply to \(replyTo): \(quoted(text))" }
            return "\(quoted(text)) on \(start.map { "\($0.id)" } ?? "?")…\(end.map { "\($0.id)" } ?? "?")"
        case .edit(let id, let text): return "\(id) now \(quoted(text))"
        case .resolve(let id, let resolved): return "\(id) \(resolved ? "resolved" : "reopened")"
        case .delete(let id): return "\(id) deleted"
        }
    case .block(let block):
        switch block {
        case .insert(let after, let before, let attributes):
            let described = attributes.keys.sorted().map { "\($0)=\(OpJSON.jsonValue(of: attributes[$0]!).compactText)" }
            return "new block [\(described.joined(separator: " "))] between \(after.map(\.description) ?? "start") and \(before.map(\.description) ?? "end")"
        case .set(let id, let key, let value): return "\(id.map { "block \($0)" } ?? "first block") \(key)=\(OpJSON.jsonValue(of: value).compactText)"
        case .delete(let id, let until): return "block \(id) deleted up to \(until.map(\.description) ?? "end")"
        case .move(let id, let after, let before):
            return "block \(id) moved between \(after.map(\.description) ?? "start") and \(before.map(\.description) ?? "end")"
        }
    }
}

func quoted(_ text: String, limit: Int = 40) -> String {
    var writer = JSONWriter()
    let scalars = text.unicodeScalars
    if scalars.count > limit {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.prefix(limit))
        writer.string(String(view))
        return writer.text + "…"
    }
    writer.string(text)
    return writer.text
}
