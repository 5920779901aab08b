import CollabCore
import CollabLog

/// Where documents are kept: a directory of `.clog` files (`DocumentStore`, the embedded
/// default) or a PostgreSQL database (`PostgresDocumentStore`). Commands and the server
/// read and write a store only through this, so every command works on both.
///
/// A document's log is its records, as a `.clog` keeps them (`StoredDocument`): a
/// compaction's base, op batches, tags, checkpoints, replicas' versions. Every write is
/// durable before it returns, and all or nothing. A write made from a reading passes
/// the number of records read (`expectingRecords`); if another writer came in between,
/// nothing is written and `LogError.changed` is thrown (the command reads again and
/// retries). Errors are `LogError`s, or the backend's own (a database out of reach).
public protocol Store: Sendable {
    /// How messages name the store (a URL without its password).
    var name: String { get }

    /// A document's records, in log order; nil when the store has no such document.
    func read(_ documentId: String) throws -> StoredDocument?

    /// A document's log as commands read it (writes go back through the store); nil
    /// when the store has no such document.
    func log(_ documentId: String) throws -> OpLogFile?

    /// The document at the end of its log, restored from the last checkpoint; nil when
    /// the store has no such document.
    func document(_ documentId: String) throws -> Document?

    /// The ids of the store's documents, sorted.
    func documentIds() throws -> [String]

    /// Appends ops as one batch, creating the document if it is new.
    func append(_ ops: [Op], to documentId: String, expectingRecords: Int?) throws

    /// Appends one record of another type (a tag, a checkpoint, a replica's version) to
    /// an existing document. A tag whose name the document has already is refused.
    func append(_ record: StoredRecord, to documentId: String, expectingRecords: Int?) throws

    /// Replaces a document's whole log with these records, whatever it holds (an import
    /// with --force), or makes it. A rewrite made from what it holds is `rewrite`.
    func replace(_ document: StoredDocument) throws

    /// Rewrites a document's whole log in one step no other writer can enter (a
    /// compaction): `body` gets its records as they are and returns what replaces them
    /// (or throws, and nothing changes).
    func rewrite(_ documentId: String, _ body: @escaping @Sendable (StoredDocument) throws -> StoredDocument) throws

    /// The store's access events, each the JSON of one, in the order they were made.
    func accessEvents() throws -> [[UInt8]]

    /// Appends an access event: `build` gets the events so far and returns the new one
    /// (or throws, and nothing is written). No other event lands between the two.
    func recordAccessEvent(_ build: ([[UInt8]]) throws -> [UInt8]) throws

    /// Replaces every access event (an import of an export), all or nothing.
    func replaceAccessEvents(_ events: [[UInt8]]) throws

    /// The document's log as its one long-lived writer (a server) holds it.
    func documentLog(_ documentId: String, observer: LogObserver) throws -> any DocumentLog

    /// Something that changes whenever the access events do, cheap to ask (a server
    /// asks before every check): the rules are read again only when it changed.
    func accessSignature() -> [Int]

    /// Starts hearing what other processes write to the store as it happens, for a
    /// server: `heard` is called on another thread for each change. A store that cannot
    /// tell (a directory) never calls it; its server looks four times a second instead.
    func listen(_ heard: @escaping @Sendable (StoreChange) -> Void)

    /// Passes a message to the other servers listening on the store, unstored (a
    /// client's presence). A store that has no other servers drops it.
    func broadcast(_ documentId: String, _ message: String)

    /// Tells `body` how long each round trip to a database took (a server's metrics).
    /// A directory store makes none.
    func observeRoundTrips(_ body: @escaping @Sendable (Duration) -> Void)

    /// Why the store cannot be used now (a database out of reach), or nil: for a
    /// server's health check.
    func problem() -> String?

    /// The store's own id, which its tokens name as their audience; with `creating`, one
    /// is made if it has none (once: every caller gets the same).
    func storeId(creating: Bool) throws -> String?
}

/// What a store's listener hears (`Store.listen`).
public enum StoreChange: Sendable {
    /// Another writer wrote to a document (appended, or rewrote it).
    case document(String)
    /// The access events changed.
    case access
    /// Another server passed on a message about a document (`Store.broadcast`).
    case message(documentId: String, String)
    /// The listener was cut off and is back: anything may have changed meanwhile.
    case resumed
}

extension Store {
    public func listen(_ heard: @escaping @Sendable (StoreChange) -> Void) {}

    public func broadcast(_ documentId: String, _ message: String) {}

    public func observeRoundTrips(_ body: @escaping @Sendable (Duration) -> Void) {}

    /// Where messages say a document is.
    public func place(of documentId: String) -> String { "\(name): \(documentId)" }

    public func log(_ documentId: String) throws -> OpLogFile? {
        guard let stored = try read(documentId) else { return nil }
        var file = try OpLogFile.load(bytes: stored.clogBytes, path: place(of: documentId))
        file.store = self
        file.storedId = documentId
        return file
    }

    public func document(_ documentId: String) throws -> Document? {
        guard let stored = try read(documentId) else { return nil }
        return try ClogLog.document(of: ClogScanner.scan(stored.clogBytes), path: place(of: documentId))
    }

    /// An empty log for a document the store does not have yet: the first append makes it.
    public func newLog(_ documentId: String) -> OpLogFile {
        var file = OpLogFile(path: place(of: documentId), format: .clog, documentId: documentId, ops: [], lines: [])
        file.recordCount = 0
        file.store = self
        file.storedId = documentId
        return file
    }
}
