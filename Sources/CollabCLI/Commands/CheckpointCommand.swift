import ArgumentParser
import CollabLog

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Append a checkpoint of a .clog log's state, so it opens without replaying its history.",
        discussion: """
            The checkpoint is a copy of the document's whole state at the end of \
            the log (docs/format.md), appended under the writer's lock and synced. Opening \
            the log restores the last checkpoint and replays only the ops after it. The ops \
            themselves stay in the log: export, log and versions are unchanged.

            Examples:
              collab checkpoint doc.clog
              collab checkpoint --store collab-data notes/2026
            """
    )

    @OptionGroup var location: LogLocation

    @Flag(help: "Print the outcome as one JSON object.")
    var json = false

    func validate() throws {
        try location.requireFile("checkpoint")
    }

    func run() throws {
        let (records, bytes) = try ClogLog.appendCheckpoint(to: try location.path())
        if json { return print("{\"record\":\(records - 1),\"bytes\":\(bytes)}") }
        print("\(location.name): checkpoint of \(bytes) bytes appended as record \(records - 1)")
    }
}
