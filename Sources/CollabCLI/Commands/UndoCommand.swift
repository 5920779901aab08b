import ArgumentParser
import CollabCore
import Foundation

struct UndoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Undo a client's own last changes, leaving other clients' work alone.",
        discussion: """
            The client's last N ops are undone by new ops of the same client, appended to \
            the log (see collab revert for what undoing each kind of op does). Redo is a \
            revert of the undo's ops: collab revert LOG --ops CLIENT:FROM-TO.

            Examples:
              collab undo doc.clog --client alice
              collab undo doc.clog --client alice -n 3 --dry-run
            """
    )

    @OptionGroup var location: LogLocation

    @Option(help: "Whose changes to undo; the new ops are theirs too.")
    var client: String

    @Option(name: .short, help: "How many of its ops to undo.")
    var n = 1

    @Flag(help: "Print the ops an undo would make without writing them.")
    var dryRun = false

    @Flag(help: "Print the new ops as JSON lines.")
    var json = false

    func validate() throws {
        if !dryRun { try location.requireFile("undo") }
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
    }

    func run() throws {
        try retryingWhenTheLogChanges {
            let file = try location.load()
            let document = try file.document()
            guard document.seen(client) > 0 else { throw CommandFailure(.usage, "\(client) has no ops in the log") }
            let result = try document.undo(client: client, count: n, now: Int64(Date().timeIntervalSince1970 * 1000))
            try finishRevert(result, file: file, dryRun: dryRun, json: json)
        }
    }
}
