import ArgumentParser
import CollabCore
import CollabLog
import CollabPostgres
import CollabStorage
import Foundation

/// The `collab` command: one binary for collaborative rich-text op logs.
package struct CollabCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "collab",
        abstract: "Collaborative rich-text documents kept as CRDT op logs.",
        discussion: """
            Apply and merge op logs made offline, materialize a document at any version, and \
            import or export JSON lines. Every command has --help with an example; exit codes \
            are listed by `collab help exit-codes`.

            Examples:
              collab import --format trace edits.json.gz -o doc.jsonl
              collab merge alice.jsonl bob.jsonl -o merged.jsonl --dry-run
              collab materialize merged.jsonl --at @120
            """,
        version: "0.1.0",
        subcommands: [
            ImportCommand.self, ExportCommand.self, ApplyCommand.self, MergeCommand.self, MaterializeCommand.self,
            LogCommand.self, EditCommand.self, VerifyCommand.self, RepairCommand.self, SalvageCommand.self, CheckpointCommand.self, ListCommand.self, RevertCommand.self, UndoCommand.self,
            VersionCommand.self, VersionsCommand.self, TagCommand.self, DiffCommand.self, BlameCommand.self, RestoreCommand.self, CompactCommand.self,
            GrantCommand.self, RevokeCommand.self, TransferCommand.self, AccessCommand.self, AuditCommand.self, KeygenCommand.self, TokenCommand.self, ShareCommand.self, ServeCommand.self, SyncCommand.self, WatchCommand.self, LoadtestCommand.self, StoreCommand.self,
            ExitCodesCommand.self, FormatsCommand.self,
        ]
    )

    package init() {}

    /// Runs the command line and exits with the documented status; errors go to stderr,
    /// never as a backtrace.
    /// Runs the command line: subcommands that talk to a server run async, the others
    /// as they are; errors end the process with their exit status.
    package static func execute(_ arguments: [String]? = nil) async -> Never {
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        if let problem = unknownCommand(in: given) {
            standardError("collab: \(problem)\n")
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            // What print() buffered must reach its destination, or the run failed.
            if fflush(nil) != 0 {
                throw CommandFailure(.ioError, "standard output: write failed: \(String(cString: strerror(errno)))")
            }
            Foundation.exit(0)
        } catch let failure as CommandFailure {
            standardError("collab: \(failure.message)\n")
            Foundation.exit(failure.status.rawValue)
        } catch let error as LogError {
            let failure = CommandFailure(error)
            standardError("collab: \(failure.message)\n")
            Foundation.exit(failure.status.rawValue)
        } catch let error as PostgresStoreError {
            let failure = CommandFailure(error)
            standardError("collab: \(failure.message)\n")
            Foundation.exit(failure.status.rawValue)
        } catch let problem as VersionSpec.Problem {
            standardError("collab: \(problem.description)\n")
            Foundation.exit(ExitStatus.usage.rawValue)
        } catch let error as EngineError {
            let failure = CommandFailure(error)
            standardError("collab: \(failure.message)\n")
            Foundation.exit(failure.status.rawValue)
        } catch {
            // Help asked for goes to stdout; a usage error to stderr, its first line
            // starting with "collab:" as every other error's does.
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
            } else if !message.isEmpty {
                standardError("collab: " + message.replacingOccurrences(of: "Error: ", with: "", options: .anchored) + "\n")
            }
            Foundation.exit(code.rawValue)
        }
    }

    /// The names a first argument may be: every subcommand's, their aliases, and help.
    static var commandNames: [String] {
        ["help"] + configuration.subcommands.flatMap { [$0.configuration.commandName ?? ""] + $0.configuration.aliases }
    }

    /// Why the arguments do not start with a command (the nearest one suggested), or nil.
    /// `help TOPIC` must name a command too.
    static func unknownCommand(in arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = commandNames
        if first == "help" {
            guard arguments.count > 1, !arguments[1].hasPrefix("-") else { return nil }
            let topic = arguments[1]
            guard !names.contains(topic) else { return nil }
            return "no help topic '\(topic)'" + suggestion(for: topic, among: names) + "; `collab help` lists the commands, `collab help exit-codes` the exit codes"
        }
        guard !names.contains(first) else { return nil }
        return "unknown command '\(first)'" + suggestion(for: first, among: names) + "; `collab help` lists the commands"
    }

    /// ` (did you mean X?)` for the nearest name within a few edits, or nothing.
    static func suggestion(for word: String, among names: [String]) -> String {
        let scored = names.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (name, distance) = scored, distance <= max(2, word.count / 3) else { return "" }
        return " (did you mean \(name)?)"
    }

    /// Levenshtein distance between two words.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

func standardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Writes to stdout; a failed write (a full disk, a closed pipe) is an error, exit 74.
func standardOutput(_ text: String) throws {
    try FileIO.writeAll(Array(text.utf8), to: STDOUT_FILENO, path: "standard output")
}
