import ArgumentParser
import CollabCore
import CollabLog

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a log's ops as JSON lines.",
        discussion: """
            The log is verified first: a log that does not replay is refused (exit 65).

            Examples:
              collab export doc.jsonl | jq -c 'select(.id.clientId == "alice")'
              collab export doc.jsonl -o backup.jsonl
            """
    )

    @OptionGroup var location: LogLocation

    @Option(name: .shortAndLong, help: "Where to write, or - for stdout.")
    var output = "-"

    func run() throws {
        let file = try location.load()
        _ = try file.document()
        try writeOutput(JSONLines.encode(file.ops), to: output)
    }
}
