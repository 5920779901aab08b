import CollabCore

/// What can go wrong reading or writing logs, with the place a user needs to look.
public enum LogError: Error, CustomStringConvertible, Sendable {
    /// The input does not exist (exit 66).
    case missingInput(path: String)
    /// The output cannot be created (exit 73).
    case cannotCreate(path: String, reason: String)
    /// Reading or writing failed midway (exit 74).
    case io(path: String, reason: String)
    /// A line of a JSON-lines input is malformed or refused (exit 65).
    case badLine(path: String, line: Int, reason: String)
    /// The input as a whole is not acceptable (exit 65).
    case badData(path: String, reason: String)
    /// An op of a `.clog` log is refused; `op` counts from 1 in log order (exit 65).
    case badOp(path: String, op: Int, reason: String)
    /// A `.clog` log is torn or corrupt and is not read (exit 65).
    case damaged(path: String, reason: String)
    /// Another writer holds the log's lock (exit 75).
    case locked(path: String, holder: Int?)
    /// The log changed between reading it and appending to it (exit 75).
    case changed(path: String)

    public var description: String {
        switch self {
        case .missingInput(let path): "\(path): no such file"
        case .cannotCreate(let path, let reason): "\(path): cannot create: \(reason)"
        case .io(let path, let reason): "\(path): \(reason)"
        case .badLine(let path, let line, let reason): "\(path): line \(line): \(reason)"
        case .badData(let path, let reason): "\(path): \(reason)"
        case .badOp(let path, let op, let reason): "\(path): op \(op): \(reason)"
        case .damaged(let path, let reason): "\(path): \(reason)"
        case .locked(let path, let holder):
            "\(path): locked by another writer" + (holder.map { " (process \($0))" } ?? "") + "; try again when it is done"
        case .changed(let path): "\(path): another writer changed the log while this command ran; nothing was written, try again"
        }
    }
}
