import CollabCore
import CollabLog

/// A named version or a checkpoint of a log, with what changed since the one listed
/// before it: what `collab versions` prints and the pages' history panel lists.
public struct LogVersion: Sendable {
    /// "tag" or "checkpoint".
    public var kind: String
    public var name: String?
    public var version: VersionVector
    /// How a command names it: `@N` when it is a prefix of the log, else its vector.
    public var at: String
    public var time: Int64?
    public var author: String?
    public var message: String?
    /// A checkpoint's record number.
    public var record: UInt64?
    public var changes: ChangeSummary

    /// The log's tags and checkpoints in history order (at one place, tags first).
    public static func all(in log: OpLogFile) -> [LogVersion] {
        typealias Entry = (kind: String, name: String?, version: VersionVector, ops: Int, time: Int64?, author: String?, message: String?, record: UInt64?)
        var entries: [Entry] = log.tags.map { tag in
            ("tag", tag.name, tag.version, log.opCount(in: tag.version), tag.time, tag.author, tag.message, nil)
        }
        for checkpoint in log.checkpointRecords {
            let version = VersionSpec.vector(of: log.ops.prefix(checkpoint.ops), from: log.baseVersion ?? VersionVector())
            entries.append(("checkpoint", nil, version, checkpoint.ops, log.latestTime(in: version), nil, nil, checkpoint.record))
        }
        entries.sort { ($0.ops, $0.kind == "checkpoint" ? 1 : 0) < ($1.ops, $1.kind == "checkpoint" ? 1 : 0) }
        var previous = VersionVector()
        return entries.map { entry in
            defer { previous.formUnion(entry.version) }
            return LogVersion(
                kind: entry.kind, name: entry.name, version: entry.version,
                at: log.prefixLength(of: entry.version).map { "@\($0)" } ?? entry.version.description, time: entry.time,
                author: entry.author, message: entry.message, record: entry.record,
                changes: ChangeSummary(of: log, in: entry.version, after: previous))
        }
    }

    /// One JSON object (docs/json.md).
    public func json(_ writer: inout JSONWriter) {
        writer.raw("{\"kind\":")
        writer.string(kind)
        if let name {
            writer.raw(",\"name\":")
            writer.string(name)
        }
        writer.raw(",\"at\":")
        writer.string(at)
        writer.raw(",\"version\":")
        version.json(&writer)
        writer.raw(",\"time\":")
        if let time { writer.string(ISO8601.format(milliseconds: time)) } else { writer.raw("null") }
        if let author {
            writer.raw(",\"author\":")
            writer.string(author)
        }
        if let message {
            writer.raw(",\"message\":")
            writer.string(message)
        }
        if let record {
            writer.raw(",\"record\":")
            writer.int(record)
        }
        writer.raw(",\"changes\":")
        changes.json(&writer)
        writer.raw("}")
    }
}
