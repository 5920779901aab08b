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

    public var description: String {
        switch self {
        case .missingInput(let path): "\(path): no such file"
        case .cannotCreate(let path, let reason): "\(path): cannot create: \(reason)"
        case .io(let path, let reason): "\(path): \(reason)"
        case .badLine(let path, let line, let reason): "\(path): line \(line): \(reason)"
        case .badData(let path, let reason): "\(path): \(reason)"
        }
    }
}
