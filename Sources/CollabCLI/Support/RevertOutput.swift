import CollabCore
import CollabLog
import CollabStorage

/// What `revert` and `undo` share: append the ops a revert made (unless it is a dry run)
/// and say what they were.
func finishRevert(_ result: Document.RevertResult, file: OpLogFile, dryRun: Bool, json: Bool) throws {
    // Appended before anything is said: a refused append is tried again from the start.
    if !dryRun { try file.append(result.made) }
    for (op, reason) in result.skipped { standardError("collab: \(op): \(reason)\n") }
    guard !result.made.isEmpty else {
        if !json { print("nothing to undo: the ops' effects are already gone") }
        return
    }
    for op in result.made { print(json ? OpJSON.line(op) : "\(op.id) \(op.typeName) \(summary(of: op))") }
    if !json && dryRun { print("(dry run: \(result.made.count) ops not written)") }
}

/// An op id range `client:seq` (the op holding that id) or `client:from-to` (those ids,
/// both ends included).
struct IdRange {
    var client: ClientId
    var from: Int
    var to: Int?

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else {
            throw CommandFailure(.usage, "'\(text)' is not an op range (client:seq or client:from-to)")
        }
        client = String(text[..<colon])
        let numbers = text[text.index(after: colon)...].split(separator: "-", omittingEmptySubsequences: false)
        guard numbers.count <= 2, let from = Int(numbers[0]), from >= 0 else {
            throw CommandFailure(.usage, "'\(text)' is not an op range (client:seq or client:from-to)")
        }
        self.from = from
        if numbers.count == 2 {
            guard let to = Int(numbers[1]), to >= from else { throw CommandFailure(.usage, "'\(text)': the range ends before it starts") }
            self.to = to
        }
    }

    /// The ops of `document` this range names, sliced to it.
    func ops(in document: Document) throws -> [Op] {
        let ops: [Op]
        if let to {
            ops = document.ops(of: client, from: from, to: to + 1)
        } else {
            ops = document.op(containing: OpId(client, from)).map { [$0] } ?? []
        }
        guard !ops.isEmpty else { throw CommandFailure(.usage, "\(client):\(from) is not in the log") }
        return ops
    }
}
