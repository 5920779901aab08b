import CollabCore
import CollabLog

/// A version as the user names it (`collab help versions` in DESIGN.md): `head`, `@N` (the
/// first N ops of the log) or a version vector `alice:41,bob:7`.
enum VersionSpec: Equatable {
    case head
    case prefix(Int)
    case vector(VersionVector)

    init(parsing text: String) throws(CommandFailure) {
        if text == "head" {
            self = .head
        } else if text.hasPrefix("@") {
            guard let count = Int(text.dropFirst()), count >= 0 else {
                throw CommandFailure(.usage, "version '\(text)': @N needs a non-negative op count")
            }
            self = .prefix(count)
        } else if let vector = VersionVector(parsing: text) {
            self = .vector(vector)
        } else {
            throw CommandFailure(.usage, "version '\(text)' is not head, @N or client:count,… (e.g. alice:41,bob:7)")
        }
    }

    /// The document at this version of the log.
    func document(of log: OpLogFile) throws -> Document {
        switch self {
        case .head:
            return try log.document()
        case .prefix(let count):
            guard count <= log.ops.count else {
                throw CommandFailure(.usage, "version @\(count): the log has only \(log.ops.count) ops")
            }
            return try OpLogFile(
                path: log.path, format: log.format, documentId: log.documentId, ops: Array(log.ops.prefix(count)),
                lines: log.lines
            ).document()
        case .vector(let vector):
            let head = try log.document()
            for (client, count) in vector.counts where head.version[client] < count {
                throw CommandFailure(
                    .usage, "version \(vector): the log has \(client):\(head.version[client]), not \(client):\(count)")
            }
            do {
                return try Document.at(vector, of: log.ops)
            } catch let error as EngineError {
                throw CommandFailure(.usage, "version \(vector): \(error)")
            }
        }
    }
}
