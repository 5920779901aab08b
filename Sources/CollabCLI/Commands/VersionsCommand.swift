import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage

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

    func run() throws {
        let log = try location.load()
        let versions = LogVersion.all(in: log)
        for entry in versions {
            if json {
                // A version a line (docs/json.md).
                var writer = JSONWriter()
                entry.json(&writer)
                print(writer.text)
            } else {
                let time = entry.time.map { ISO8601.format(milliseconds: $0) } ?? "-"
                let what = entry.kind == "tag"
                    ? "tag \(entry.name!.debugDescription) by \(entry.author ?? "?")\(entry.message.map { ": \(quoted($0, limit: 60))" } ?? "")"
                    : "checkpoint (record \(entry.record!))"
                print("\(entry.at)\t\(time)\t\(what)\t\(entry.changes.text)")
            }
        }
        if !json && versions.isEmpty { print("\(location.name): no tags or checkpoints yet (collab tag LOG NAME names one)") }
    }
}
