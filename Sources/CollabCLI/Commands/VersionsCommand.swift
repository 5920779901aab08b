import ArgumentParser
import CollabCore
import CollabLog

struct VersionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List a document's named versions and checkpoints, with what changed between them.",
        discussion: """
            Each line: the version (as @N when it is a prefix of the log, else as a \
            version vector), its time, what it is (a tag with its author and message, or a \
            checkpoint), and what changed since the line before: characters inserted and \
            deleted, formats, comments and block ops, and by whom.

            A version is named, wherever one is asked for (--at, --from, --to, --base, \
            --since), as one of:
              head                 the end of the log (the default)
              @N                   the first N ops of the log, in log order
              NAME                 a tag made with `collab tag`
              2026-11-20T14:00Z    an ISO-8601 time: every op stamped at or before it
              alice:41,bob:7       a version vector: ids 0…40 of alice, 0…6 of bob
            A version that is not causally closed (an op in it depends on one outside \
            it) is refused, naming the missing op.

            Examples:
              collab versions doc.clog
              collab versions doc.clog --json | jq 'select(.kind == "tag")'
            """
    )

    @OptionGroup var location: LogLocation

    @Flag(help: "Print each version as a JSON object, one a line.")
    var json = false

    struct Entry {
        var kind: String
        var name: String?
        var version: VersionVector
        var ops: Int
        var time: Int64?
        var author: String?
        var message: String?
        var record: UInt64?
    }

    func run() throws {
        let log = try location.load()
        var entries: [Entry] = log.tags.map { tag in
            Entry(kind: "tag", name: tag.name, version: tag.version, ops: log.opCount(in: tag.version), time: tag.time, author: tag.author, message: tag.message)
        }
        for checkpoint in log.checkpointRecords {
            let version = VersionSpec.vector(of: log.ops.prefix(checkpoint.ops), from: log.baseVersion ?? VersionVector())
            entries.append(Entry(kind: "checkpoint", version: version, ops: checkpoint.ops, time: log.latestTime(in: version), record: checkpoint.record))
        }
        // In history order; at one place, tags before checkpoints.
        entries.sort { ($0.ops, $0.kind == "checkpoint" ? 1 : 0) < ($1.ops, $1.kind == "checkpoint" ? 1 : 0) }
        var previous = VersionVector()
        for entry in entries {
            let changes = ChangeSummary(of: log, in: entry.version, after: previous)
            let at = log.prefixLength(of: entry.version).map { "@\($0)" } ?? entry.version.description
            if json {
                // A version a line (docs/json.md).
                var writer = JSONWriter()
                writer.raw("{\"kind\":")
                writer.string(entry.kind)
                if let name = entry.name {
                    writer.raw(",\"name\":")
                    writer.string(name)
                }
                writer.raw(",\"at\":")
                writer.string(at)
                writer.raw(",\"version\":")
                entry.version.json(&writer)
                writer.raw(",\"time\":")
                if let time = entry.time { writer.string(ISO8601.format(milliseconds: time)) } else { writer.raw("null") }
                if let author = entry.author {
                    writer.raw(",\"author\":")
                    writer.string(author)
                }
                if let message = entry.message {
                    writer.raw(",\"message\":")
                    writer.string(message)
                }
                if let record = entry.record {
                    writer.raw(",\"record\":")
                    writer.int(record)
                }
                writer.raw(",\"changes\":")
                changes.json(&writer)
                writer.raw("}")
                print(writer.text)
            } else {
                let time = entry.time.map { ISO8601.format(milliseconds: $0) } ?? "-"
                let what = entry.kind == "tag"
                    ? "tag \(entry.name!.debugDescription) by \(entry.author ?? "?")\(entry.message.map { ": \(quoted($0, limit: 60))" } ?? "")"
                    : "checkpoint (record \(entry.record!))"
                print("\(at)\t\(time)\t\(what)\t\(changes.text)")
            }
            previous.formUnion(entry.version)
        }
        if !json && entries.isEmpty { print("\(location.name): no tags or checkpoints yet (collab tag LOG NAME names one)") }
    }
}
