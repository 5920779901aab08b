import CollabCore
import CollabLog

/// A version as the user names it, one syntax for every `--at`, `--from`, `--to`,
/// `--base`, `--since` (docs/versions.md, `collab help versions`): `head`, `@N` (the
/// first N ops of the log), an ISO-8601 time (the state at that moment: every op
/// stamped at or before it), a version vector `alice:41,bob:7`, or a tag name.
public enum VersionSpec: Equatable, Sendable {
    case head
    case prefix(Int)
    case time(Int64)
    case vector(VersionVector)
    case tag(String)

    /// What `--help` says a version may be.
    public static let syntax = "head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7)"

    /// Why a version cannot be read or found: a usage error (exit 64 from a command, 400
    /// from the server).
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public init(parsing text: String) throws(Problem) {
        if text == "head" {
            self = .head
        } else if text.hasPrefix("@") {
            guard let count = Int(text.dropFirst()), count >= 0 else {
                throw Problem("version '\(text)': @N needs a non-negative op count")
            }
            self = .prefix(count)
        } else if let milliseconds = ISO8601.milliseconds(text) {
            self = .time(milliseconds)
        } else if let vector = VersionVector(parsing: text) {
            self = .vector(vector)
        } else if !text.isEmpty {
            self = .tag(text)
        } else {
            throw Problem("an empty version: name one as \(Self.syntax)")
        }
    }

    /// Whether the version may leave out ops that ops it holds depend on: a prefix of a
    /// log written in a causal order cannot, a vector typed by hand, a time or a tag can.
    public var mayBeOpen: Bool {
        switch self {
        case .head, .prefix: false
        case .time, .vector, .tag: true
        }
    }

    /// The version vector this names in `log`, checked against what the log holds.
    public func vector(in log: OpLogFile) throws(Problem) -> VersionVector {
        // A compacted log starts from its base: every version includes it.
        let base = log.baseVersion ?? VersionVector()
        switch self {
        case .head:
            return Self.vector(of: log.ops[...], from: base)
        case .prefix(let count):
            guard count <= log.ops.count else {
                throw Problem("version @\(count): the log has only \(log.ops.count) ops")
            }
            return Self.vector(of: log.ops.prefix(count), from: base)
        case .time(let milliseconds):
            if let cutoff = log.base?.clock.wall, milliseconds < cutoff {
                throw Problem("\(ISO8601.format(milliseconds: milliseconds)) is before this log's compaction cutoff (\(ISO8601.format(milliseconds: cutoff))): that history was squashed")
            }
            // Every op stamped at or before the time; clocks respect causality, so this
            // is causally closed (checked when the document is built).
            var counts = base
            for op in log.ops where op.timestamp.wall <= milliseconds && op.endSeq > counts[op.id.client] {
                counts[op.id.client] = op.endSeq
            }
            return counts
        case .vector(let vector):
            let head = Self.vector(of: log.ops[...], from: base)
            for (client, count) in vector.counts where head[client] < count {
                throw Problem("version \(vector): the log has \(client):\(head[client]), not \(client):\(count)")
            }
            return vector
        case .tag(let name):
            guard let tag = log.tags.last(where: { $0.name == name }) else {
                let known = log.tags.map(\.name.debugDescription).joined(separator: ", ")
                throw Problem(
                    "no version named \(name.debugDescription) in \(log.path) (\(known.isEmpty ? "it has no tags" : "tags: \(known)")); a version is \(Self.syntax)")
            }
            return tag.version
        }
    }

    /// The version holding every id the ops hold (and `base`).
    public static func vector(of ops: ArraySlice<Op>, from base: VersionVector = VersionVector()) -> VersionVector {
        var counts = base
        for op in ops where op.endSeq > counts[op.id.client] { counts[op.id.client] = op.endSeq }
        return counts
    }

    /// The document at this version of the log: restored from the latest checkpoint
    /// inside the version, with only the ops after it replayed.
    public func document(of log: OpLogFile) throws -> Document {
        if self == .head { return try log.document() }
        let vector = try vector(in: log)
        do {
            return try log.document(at: vector)
        } catch let error as EngineError {
            guard case .versionNotCausallyClosed = error else { throw error }
            throw Problem("version \(vector): \(error)")
        }
    }
}
