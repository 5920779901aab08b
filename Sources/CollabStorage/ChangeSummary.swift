import CollabCore
import CollabLog

/// What a stretch of history did, in one line: "+120 −14 chars, 2 comments, by alice,
/// bob" (for `collab versions`).
public struct ChangeSummary: Equatable, Sendable {
    public var inserted = 0
    public var deleted = 0
    public var formats = 0
    public var comments = 0
    public var blocks = 0
    public var authors: [String] = []

    /// The ops of `log` in `version` and not in `previous`.
    public init(of log: OpLogFile, in version: VersionVector, after previous: VersionVector) {
        var authors = Set<String>()
        for op in log.ops {
            // The part of the op inside the version and after the previous one.
            let from = max(op.id.seq, previous[op.id.client])
            let to = min(op.endSeq, version[op.id.client])
            guard from < to else { continue }
            authors.insert(op.id.client)
            switch op.payload {
            case .textInsert: inserted += to - from
            case .textDelete: deleted += to - from
            case .formatSet: formats += 1
            case .comment(.add): comments += 1
            case .comment: break
            case .block: blocks += 1
            }
        }
        self.authors = authors.sorted()
    }

    public var text: String {
        var parts = ["+\(inserted) −\(deleted) chars"]
        if formats > 0 { parts.append("\(formats) format\(formats == 1 ? "" : "s")") }
        if comments > 0 { parts.append("\(comments) comment\(comments == 1 ? "" : "s")") }
        if blocks > 0 { parts.append("\(blocks) block op\(blocks == 1 ? "" : "s")") }
        return parts.joined(separator: ", ") + (authors.isEmpty ? "" : ", by " + authors.joined(separator: ", "))
    }

    public func json(_ writer: inout JSONWriter) {
        writer.raw("{\"inserted\":")
        writer.int(inserted)
        writer.raw(",\"deleted\":")
        writer.int(deleted)
        writer.raw(",\"formats\":")
        writer.int(formats)
        writer.raw(",\"comments\":")
        writer.int(comments)
        writer.raw(",\"blockOps\":")
        writer.int(blocks)
        writer.raw(",\"authors\":")
        writer.list(authors) { $0.string($1) }
        writer.raw("}")
    }
}

extension OpLogFile {
    /// How many of the log's ops lie wholly inside `version`: its `@N` when the version is
    /// a prefix of the log.
    public func opCount(in version: VersionVector) -> Int {
        ops.reduce(0) { $0 + ($1.endSeq <= version[$1.id.client] ? 1 : 0) }
    }

    /// Whether `version` is exactly the first N ops of the log, and N.
    public func prefixLength(of version: VersionVector) -> Int? {
        let count = opCount(in: version)
        return VersionSpec.vector(of: ops.prefix(count), from: baseVersion ?? VersionVector()) == version ? count : nil
    }

    /// The time of the latest op inside `version`, in milliseconds.
    public func latestTime(in version: VersionVector) -> Int64? {
        ops.filter { $0.id.seq < version[$0.id.client] }.map(\.timestamp.wall).max()
    }
}
