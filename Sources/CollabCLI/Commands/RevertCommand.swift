import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage
import Foundation

struct RevertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert",
        abstract: "Undo chosen ops with new ops (an operator's tool against a bad actor or import).",
        discussion: """
            The named ops are undone at head by new ops appended to the log; history is \
            kept. Inserted text still there is deleted, deleted text comes back where it \
            was as new characters (unless an op that stays deleted it too), formatting \
            returns to what the other ops give, and comments the ops made are deleted. \
            Everyone else's later work survives. Comment edits, resolutions and deletions \
            are reported and left alone.

            Ops are named by id ranges, client:seq (the whole op holding that id) or \
            client:from-to (exactly those ids), or all of a client's ops with --client, \
            optionally only those after a version (--since: head, @N, a tag, a time or alice:41,bob:7).

            Examples:
              collab revert doc.clog --client mallory
              collab revert doc.clog --client importer --since @120 --dry-run
              collab revert doc.clog --ops bob:14 bob:30-41 --as alice
            """
    )

    @OptionGroup var location: LogLocation

    @Option(parsing: .upToNextOption, help: "Op id ranges to revert: client:seq or client:from-to.")
    var ops: [String] = []

    @Option(help: "Revert this client's ops.")
    var client: String?

    @Option(help: "With --client: only its ops after this version.")
    var since: String?

    @Option(name: .customLong("as"), help: "The client id the new ops are made by.")
    var author = "collab-revert"

    @Flag(help: "Print the ops a revert would make without writing them.")
    var dryRun = false

    @Flag(help: "Print the new ops as JSON lines.")
    var json = false

    func validate() throws {
        if !dryRun { try location.requireFile("revert") }
        guard ops.isEmpty != (client == nil) else { throw ValidationError("name the ops: --ops RANGE… or --client ID") }
        guard since == nil || client != nil else { throw ValidationError("--since goes with --client") }
        if let problem = ClientIdGrammar.problem(with: author) { throw ValidationError("--as: \(problem)") }
    }

    func run() throws {
        try retryingWhenTheLogChanges {
            let file = try location.load()
            let document = try file.document()
            var targets: [Op] = []
            if let client {
                var from = 0
                if let since {
                    from = try VersionSpec(parsing: since).vector(in: file)[client]
                }
                targets = document.ops(of: client, from: from, to: document.seen(client))
            } else {
                for range in ops { targets += try IdRange(parsing: range).ops(in: document) }
            }
            let result = try document.revert(targets, by: author, now: Int64(Date().timeIntervalSince1970 * 1000))
            try finishRevert(result, file: file, dryRun: dryRun, json: json)
        }
    }
}
