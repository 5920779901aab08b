import Foundation
import Logging
import PostgresNIO

/// What a writer announces on the channel `collab_events` when its transaction commits,
/// for the servers listening on the store: one line of text each.
enum PostgresEvent: Equatable, Sendable {
    /// `b SEQ DOCUMENT`: a batch was appended; a server's small batch comes with its
    /// payload (`b SEQ DOCUMENT\nBASE64`), which the other servers take from here.
    case batch(String, Int64, payload: [UInt8]? = nil)
    /// `r DOCUMENT`: the document's log was rewritten (compaction, an import).
    case replaced(String)
    /// `a`: the access events changed.
    case access
    /// `m DOCUMENT\nMESSAGE`: a message for the document's followers on every server
    /// (presence), unstored.
    case message(String, String)

    static let channel = "collab_events"
    /// NOTIFY's limit on a payload is 8,000 bytes.
    static let maxPayloadBytes = 7_900

    var payload: String {
        switch self {
        case .batch(let document, let seq, let payload):
            "b \(seq) \(document)" + (payload.map { "\n" + Data($0).base64EncodedString() } ?? "")
        case .replaced(let document): "r \(document)"
        case .access: "a"
        case .message(let document, let message): "m \(document)\n\(message)"
        }
    }

    init?(payload: String) {
        guard let kind = payload.first else { return nil }
        let rest = payload.dropFirst(2)
        switch kind {
        case "b":
            guard let space = rest.firstIndex(of: " "), let seq = Int64(rest[..<space]) else { return nil }
            let tail = rest[rest.index(after: space)...]
            // Document ids hold no control characters: a line break ends one.
            if let newline = tail.firstIndex(of: "\n") {
                guard let payload = Data(base64Encoded: String(tail[tail.index(after: newline)...])) else { return nil }
                self = .batch(String(tail[..<newline]), seq, payload: Array(payload))
            } else {
                self = .batch(String(tail), seq)
            }
        case "r": self = .replaced(String(rest))
        case "a": self = .access
        case "m":
            // Document ids hold no control characters: the first line break ends one.
            guard let newline = rest.firstIndex(of: "\n") else { return nil }
            self = .message(String(rest[..<newline]), String(rest[rest.index(after: newline)...]))
        default: return nil
        }
    }

    /// Sends it; it is delivered when the transaction commits (at once outside one).
    func notify(_ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
    }
}
