import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print a log's head version in each form a version can take.",
        discussion: """
            The head as @N (every op of the log), as a version vector, as the time of its \
            latest op, and the tags that name it. Any of these works as --at, --from or \
            --to (see `collab help versions`).

            Examples:
              collab version doc.clog
              collab version doc.clog --json | jq .vector
            """
    )

    @OptionGroup var location: LogLocation

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let log = try location.load()
        let head = try VersionSpec.head.vector(in: log)
        let time = log.latestTime(in: head)
        let tags = log.tags.filter { $0.version == head }.map(\.name)
        if json {
            var writer = JSONWriter()
            writer.raw("{\"ops\":")
            writer.int(log.ops.count)
            writer.raw(",\"vector\":")
            head.json(&writer)
            writer.raw(",\"time\":")
            if let time { writer.string(ISO8601.format(milliseconds: time)) } else { writer.raw("null") }
            writer.raw(",\"tags\":")
            writer.list(tags) { $0.string($1) }
            writer.raw("}")
            print(writer.text)
            return
        }
        print("@\(log.ops.count)")
        print(head.counts.isEmpty ? "(empty: no ops)" : head.description)
        if let time { print(ISO8601.format(milliseconds: time)) }
        for tag in tags { print(tag) }
    }
}
