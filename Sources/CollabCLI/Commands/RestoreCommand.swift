import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage
import Foundation

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Make head show an older version again, with new ops (history is kept).",
        discussion: """
            The new ops, made as --as (default: restore), delete the text added since \
            the version, bring back as new characters the text deleted since (a block \
            that was joined comes back as a block), and set formatting and block \
            attributes back, deletes the comments made since and sets edited, resolved or \
            reopened ones back (a deleted comment stays deleted). Every op of history \
            stays: the restore is itself a change, which `collab diff` shows and \
            `collab revert` can undo.

            --dry-run writes nothing and prints the diff the restore would make (markup, \
            or --format).

            Examples:
              collab restore doc.clog --to "Draft 1" --dry-run
              collab restore doc.clog --to 2026-11-20T09:00Z --as alice
            """
    )

    @OptionGroup var location: LogLocation

    @Option(help: "The version to restore (\(VersionSpec.syntax)).")
    var to: String

    @Option(name: .customLong("as"), help: "The client id the new ops are made by.")
    var author = "restore"

    @Flag(help: "Write nothing; print the diff the restore would make.")
    var dryRun = false

    @Option(help: "With --dry-run: ansi, markup, html or json.")
    var format: DiffRendering.Format = .markup

    @Flag(help: "Print the new ops as JSON lines.")
    var json = false

    func validate() throws {
        if !dryRun { try location.requireFile("restore") }
        if let problem = ClientIdGrammar.problem(with: author) { throw ValidationError("--as: \(problem)") }
    }

    func run() throws {
        try retryingWhenTheLogChanges {
            let log = try location.load()
            let head = try log.document()
            let before = try log.document()
            let target = try VersionSpec(parsing: to).document(of: log)
            let made = try head.restore(to: target, by: author, now: Int64(Date().timeIntervalSince1970 * 1000))
            if dryRun {
                let hunks = try head.changes(from: before)
                print(DiffRendering.render(hunks, as: format), terminator: "")
                if !json { standardError("(dry run: \(made.count) ops not written)\n") }
                return
            }
            guard !made.isEmpty else {
                print("\(location.name) shows \(to) already: nothing to restore")
                return
            }
            try log.append(made)
            for op in made { print(json ? OpJSON.line(op) : "\(op.id) \(op.typeName) \(summary(of: op))") }
        }
    }
}
