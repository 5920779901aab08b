import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage
import Foundation

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Squash a log's history before a cutoff into a base, dropping deleted text.",
        discussion: """
            The log is rewritten to start from the document's state at the cutoff (--before \
            VERSION): text deleted by then is dropped, except what marks, comments or later \
            ops still name; the ops before the cutoff are squashed into that base, keeping \
            only formatting, comments and block attributes; the ops after it stay as they \
            are. Head shows exactly the same afterwards, in every format (checked before \
            anything is written). Tags whose versions lie before the cutoff could no \
            longer be shown, so compaction refuses unless --drop-tags.

            Afterwards an op that needs squashed history — from a replica that was behind \
            the cutoff — is refused (exit 65): that replica must resync from a snapshot. \
            --stable takes as the cutoff the version every replica that wrote to the log has \
            acknowledged — what it said it holds when it last joined the document on \
            `collab serve` (`collab sync --replica ID` says it too); the server records \
            these in the log. While a client that wrote ops has acknowledged nothing, \
            --stable refuses (exit 75).

            The rewrite is all or nothing (a temporary file, fsynced, renamed over the log), \
            under the writer's lock; the previous file is kept as LOG.before-compact unless \
            --no-backup (LOG.before-compact.1, .2, … when one is there already). --dry-run \
            prints the same figures and writes nothing.

            Examples:
              collab compact doc.clog --before head --dry-run
              collab compact doc.clog --before "Draft 3" -o archive.clog
            """
    )

    @OptionGroup var location: LogLocation

    @Option(help: "The cutoff (\(VersionSpec.syntax)).")
    var before: String?

    @Flag(help: "Take the cutoff as the version every replica has acknowledged.")
    var stable = false

    @Option(name: .shortAndLong, help: "Write the compacted log here instead of replacing LOG (a .clog).")
    var output: String?

    @Flag(help: "Write nothing; print what compaction would do.")
    var dryRun = false

    @Flag(help: "Do not keep the previous file as LOG.before-compact.")
    var noBackup = false

    @Flag(help: "Leave out tags whose versions lie before the cutoff, instead of refusing.")
    var dropTags = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if output == nil && !dryRun { try location.requireFile("compact") }
        guard (before != nil) != stable else { throw ValidationError("name the cutoff: --before VERSION, or --stable") }
    }

    func run() throws {
        if let store = try location.openedStore(), !(store is DocumentStore) { return try compactStored(in: store) }
        let path = try location.path(for: "compact")
        let target = output ?? path
        if OpLogFile.format(forNew: target) == .jsonLines && output != nil {
            throw CommandFailure(.usage, "\(target): a compacted log starts from a base, which only a .clog holds")
        }
        if output == nil && !dryRun {
            // The log itself is replaced: hold its lock, so no append lands in between.
            guard FileIO.exists(path) else { throw CommandFailure(.missingInput, "\(location.name): no such log") }
            if ClogFormat.isClog(try FileIO.read(path)) {
                try ClogLog.withWriterLock(path) { try compact(path: path, into: target) }
                return
            }
            throw CommandFailure(.usage, "\(location.name) is a JSON-lines log: name a .clog to write with -o")
        }
        try compact(path: path, into: target)
    }

    /// `--before`'s version, or with `--stable` the version every replica acknowledged.
    private func cutoff(of log: OpLogFile) throws -> VersionVector {
        if let before { return try VersionSpec(parsing: before).vector(in: log) }
        guard log.format == .clog else {
            throw CommandFailure(.usage, "\(location.name) is a JSON-lines log, which records no acknowledged versions: use --before")
        }
        do {
            return try ReplicaAcknowledgement.stableVersion(of: log.acknowledgements, logVersion: try log.document().version)
        } catch {
            throw CommandFailure(.temporarilyRefused, "\(location.name): --stable: \(error)")
        }
    }

    /// A document in a store that is not a directory (PostgreSQL): read, compacted and
    /// rewritten in one transaction, which writers wait for. Nothing is kept of the log
    /// before (`collab store copy` makes backups).
    private func compactStored(in store: any Store) throws {
        if let output {
            let log = try location.load()
            let result = try compacted(log)
            if !dryRun { try FileIO.replace(output, with: result.bytes) }
            return report(log: log, bytesBefore: log.storedBytes, result: result, backup: nil)
        }
        if dryRun {
            let log = try location.load()
            return report(log: log, bytesBefore: log.storedBytes, result: try compacted(log), backup: nil)
        }
        let outcome = RewriteOutcome()
        let command = self
        try store.rewrite(location.log) { stored in
            let log = try OpLogFile.load(bytes: stored.clogBytes, path: command.location.name)
            let result = try command.compacted(log)
            outcome.value = (log, result)
            return try ClogLog.storedRecords(bytes: result.bytes, path: command.location.name)
        }
        let (log, result) = outcome.value!
        report(log: log, bytesBefore: log.storedBytes, result: result, backup: nil)
    }

    private func compacted(_ log: OpLogFile) throws -> LogCompaction.Result {
        do {
            return try LogCompaction.compact(
                log, before: try cutoff(of: log), documentId: log.documentId ?? OpLogFile.defaultDocumentId(for: log.path), dropTags: dropTags)
        } catch let refusal as LogCompaction.Refusal {
            throw CommandFailure(.badData, "\(location.name): \(refusal)")
        }
    }

    private func compact(path: String, into target: String) throws {
        let log = try location.load()
        let before = try FileIO.read(path).count
        let result = try compacted(log)
        var backup: String?
        if !dryRun {
            if target == path && !noBackup {
                // Never over an earlier backup: that may be the only full history left.
                let name = FileIO.unusedName(path + ".before-compact")
                try FileIO.replace(name, with: try FileIO.read(path))
                backup = name
            }
            try FileIO.replace(target, with: result.bytes)
        }
        report(log: log, bytesBefore: before, result: result, backup: backup)
    }

    private func report(log: OpLogFile, bytesBefore before: Int, result: LogCompaction.Result, backup: String?) {
        if json {
            var writer = JSONWriter()
            writer.raw("{\"cutoff\":")
            result.cutoff.json(&writer)
            writer.raw(",\"bytesBefore\":")
            writer.int(before)
            writer.raw(",\"bytesAfter\":")
            writer.int(result.bytes.count)
            writer.raw(",\"opsBefore\":")
            writer.int(log.ops.count)
            writer.raw(",\"opsAfter\":")
            writer.int(result.opsAfter)
            writer.raw(",\"droppedTags\":")
            writer.list(result.droppedTags) { $0.string($1.name) }
            writer.raw(",\"written\":")
            writer.raw(dryRun ? "false" : "true")
            writer.raw("}")
            print(writer.text)
            return
        }
        let written = dryRun ? " (dry run: nothing written)" : backup.map { "; the previous file is \($0)" } ?? ""
        print("\(location.name): \(before) → \(result.bytes.count) bytes, \(log.ops.count) → \(result.opsAfter) ops after the cutoff \(result.cutoff)\(result.droppedTags.isEmpty ? "" : ", \(result.droppedTags.count) tags dropped")\(written)")
    }
}

/// What a compaction inside `Store.rewrite` made, carried out of it: the body runs once,
/// before `rewrite` returns.
private final class RewriteOutcome: @unchecked Sendable {
    var value: (OpLogFile, LogCompaction.Result)?
}
