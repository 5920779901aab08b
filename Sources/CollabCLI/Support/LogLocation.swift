import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabStorage

/// Where a command's log is: a file, or with `--store DIR` a document id in a store.
struct LogLocation: ParsableArguments {
    @Argument(help: "The log file; with --store, the document id.")
    var log: String

    @Option(help: "A store, a directory or postgres://USER@HOST[:PORT]/DATABASE: LOG is then a document id in it.")
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

    /// The file to read or write, for a command that works on files (and the files of a
    /// directory store); for a directory store, its folder is created when `creating`.
    func path(creating: Bool = false, for command: String) throws -> String {
        try Self.path(of: log, in: store, creating: creating, for: command)
    }

    /// How messages name it.
    var name: String { Self.name(of: log, in: store) }

    func load(allowMissing: Bool = false) throws -> OpLogFile {
        try Self.load(log, in: store, allowMissing: allowMissing)
    }

    /// The store, when the log is a document in one.
    func openedStore() throws -> (any Store)? {
        try store.map(StoreLocation.open)
    }

    /// The document at the end of the log, restored from its last checkpoint when it has one.
    func loadDocument() throws -> Document {
        guard let store = try openedStore() else { return try OpLogFile.loadDocument(log).document }
        guard let document = try store.document(log) else { throw CommandFailure(.missingInput, "\(name): no such document") }
        return document
    }

    static func path(of log: String, in store: String?, creating: Bool = false, for command: String) throws -> String {
        guard let store else { return log }
        guard !StoreLocation.isPostgres(store) else {
            throw CommandFailure(.usage, "\(command) works on .clog files, which a PostgreSQL store has none of (docs/postgres.md)")
        }
        let documents = DocumentStore(store)
        return creating ? try documents.prepare(for: log) : try documents.path(for: log)
    }

    static func name(of log: String, in store: String?) -> String { store.map { "\(StoreLocation.shown($0)): \(log)" } ?? log }

    /// Reads a log; a store's log must be the document asked for, and a missing document
    /// in a store is reported by its id (with `allowMissing`, it is an empty log that the
    /// first append makes).
    static func load(_ log: String, in store: String?, allowMissing: Bool = false) throws -> OpLogFile {
        guard let store else { return try OpLogFile.load(log, allowMissing: allowMissing) }
        let opened = try StoreLocation.open(store)
        if let file = try opened.log(log) { return file }
        guard allowMissing else { throw CommandFailure(.missingInput, "\(name(of: log, in: store)): no such document") }
        return opened.newLog(log)
    }
}

extension OpLogFile {
    /// Refuses a compacted log for a command that needs every op of its history.
    func requireEveryOp(for command: String) throws {
        guard let cutoff = baseVersion else { return }
        let before =
            store == nil || store is DocumentStore
            ? "the log as it was before compacting is \(path).before-compact, unless --no-backup was given"
            : "a PostgreSQL store keeps no copy of the log from before compacting"
        throw CommandFailure(.badData, "\(path) is compacted: its history before \(cutoff) is a base, not ops, so \(command) cannot use it (\(before))")
    }
}
