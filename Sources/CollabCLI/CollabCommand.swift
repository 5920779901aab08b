import ArgumentParser
import CollabCore
import CollabLog
import Foundation

/// The `collab` command: one binary for collaborative rich-text op logs.
public struct CollabCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
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
            GrantCommand.self, RevokeCommand.self, TransferCommand.self, AccessCommand.self, AuditCommand.self, KeygenCommand.self, TokenCommand.self, ShareCommand.self, ServeCommand.self, SyncCommand.self, WatchCommand.self, LoadtestCommand.self,
            ExitCodesCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line and exits with the documented status; errors go to stderr,
    /// never as a backtrace.
    public static func execute(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
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
        } catch let error as EngineError {
            let failure = CommandFailure(error)
            standardError("collab: \(failure.message)\n")
            Foundation.exit(failure.status.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

func standardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Writes to stdout; a failed write (a full disk, a closed pipe) is an error, exit 74.
func standardOutput(_ text: String) throws {
    try FileIO.writeAll(Array(text.utf8), to: STDOUT_FILENO, path: "standard output")
}
