import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog

/// Where a command's log is: a file, or with `--store DIR` a document id in a store.
struct LogLocation: ParsableArguments {
    @Argument(help: "The log file; with --store, the document id.")
    var log: String

    @Option(help: "A store directory: LOG is then a document id in it.")
    var store: String?

    func validate() throws {
        if store != nil, let problem = DocumentPath.problem(with: log) { throw ValidationError("document id \(log.debugDescription): \(problem)") }
    }

    /// For a command that writes the log in place: `-` (standard input) is no file to
    /// write, and is refused (exit 64) rather than read and written to standard output.
    func requireFile(_ command: String) throws {
        if log == "-" && store == nil {
            throw ValidationError("\(command) writes to its log in place: name a log file, not - (standard input)")
        }
    }

    /// The file to read or write; for a store, its folder is created when `creating`.
    func path(creating: Bool = false) throws -> String {
        try Self.path(of: log, in: store, creating: creating)
    }

    /// How messages name it.
    var name: String { Self.name(of: log, in: store) }

    func load(allowMissing: Bool = false) throws -> OpLogFile {
        try Self.load(log, in: store, allowMissing: allowMissing)
    }

    /// The document at the end of the log, restored from its last checkpoint when it has one.
    func loadDocument() throws -> Document {
        let path = try path()
        if store != nil && !FileIO.exists(path) { throw CommandFailure(.missingInput, "\(name): no such document") }
        let (document, documentId) = try OpLogFile.loadDocument(path)
        if store != nil, let documentId, documentId != log {
            throw CommandFailure(.badData, "\(path): filed for \(log.debugDescription) but its header says \(documentId.debugDescription) (a hash collision or a misplaced file)")
        }
        return document
    }

    static func path(of log: String, in store: String?, creating: Bool = false) throws -> String {
        guard let store else { return log }
        let documents = DocumentStore(store)
        return creating ? try documents.prepare(for: log) : try documents.path(for: log)
    }

    static func name(of log: String, in store: String?) -> String { store.map { "\($0): \(log)" } ?? log }

    /// Reads a log; a store's log must be the document asked for, and a missing document
    /// in a store is reported by its id.
    static func load(_ log: String, in store: String?, allowMissing: Bool = false) throws -> OpLogFile {
        let path = try path(of: log, in: store, creating: allowMissing)
        if store != nil && !allowMissing && !FileIO.exists(path) {
            throw CommandFailure(.missingInput, "\(name(of: log, in: store)): no such document")
        }
        let file = try OpLogFile.load(path, allowMissing: allowMissing, newDocumentId: store != nil ? log : nil)
        if let store { try DocumentStore(store).check(file, isFor: log) }
        return file
    }
}

extension OpLogFile {
    /// Refuses a compacted log for a command that needs every op of its history.
    func requireEveryOp(for command: String) throws {
        guard let cutoff = baseVersion else { return }
        throw CommandFailure(
            .badData,
            "\(path) is compacted: its history before \(cutoff) is a base, not ops, so \(command) cannot use it (the log as it was before compacting is \(path).before-compact, unless --no-backup was given)")
    }
}
