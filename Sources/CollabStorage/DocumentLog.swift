import CollabCore
import CollabLog

/// A document's log as its one long-lived writer holds it (the server's document host):
/// opened once (verified, restored from its last checkpoint), then appended to batch by
/// batch, each durable before `append` returns, while it hears what other writers (an
/// operator's `collab edit`, another server on the same store) did. A store makes one
/// for each document it serves (`Store.documentLog`). Used by one task at a time.
///
/// Asynchronous: a `.clog` does its file work on a thread of its own (an fdatasync takes
/// milliseconds), a database log awaits the database without holding any thread.
public protocol DocumentLog: AnyObject, Sendable {
    /// Reads the log, verified, and takes the writer's place at its end: the document it
    /// holds now (empty for a document the store does not have yet).
    func open() async throws -> HandedOver<Document>
    /// Appends ops as one durable batch, then, best effort, `checkpoint` (the state
    /// after them). Throws `LogError.changed`, having written nothing, when the log
    /// takes batches only after what its writer has seen and another writer wrote since.
    func append(_ ops: [Op], checkpoint: DocumentSnapshot?) async throws
    /// What other writers did since this one last looked.
    func changes() async throws -> LogChange
    /// Whether the next append should carry a checkpoint (`CheckpointSchedule`, counting
    /// the batches since the log's last checkpoint, whoever wrote them).
    var checkpointDue: Bool { get }
    /// Records that a replica holds a version, if the document exists.
    func recordAcknowledgement(_ acknowledgement: ReplicaAcknowledgement) async throws
    /// Names a version: appends a tag record, durable before it returns. Refused with
    /// `LogError.badData` when the log has a version of that name already, with
    /// `LogError.changed` (nothing written) when another writer appended since this one
    /// last looked, and with `LogError.missingInput` when the document does not exist.
    func appendTag(_ tag: VersionTag) async throws
    /// The log's records as they are now (tags and checkpoints with the ops), read
    /// between this writer's appends; nil when the document does not exist yet.
    func read() async throws -> StoredDocument?
}

/// A value made by one task and handed over whole to another, which then owns it (a
/// document read from its log).
public struct HandedOver<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// What other writers did to a log since its writer last looked.
public enum LogChange: Sendable {
    case none
    /// Batches were appended: these ops (maybe none: a tag, a checkpoint), read and
    /// verified. The writer's place is now after them.
    case appended([Op])
    /// Not an append: the log was rewritten (compaction, salvage into place), cut
    /// (repair), removed, or ends in a record that does not verify. It must be opened again.
    case replaced
}

/// What a document log tells its owner as it goes: how long each durable write took,
/// and what an operator should hear of (a torn tail cut off when the log was opened).
public struct LogObserver: Sendable {
    public var wrote: @Sendable (Duration) -> Void
    public var notice: @Sendable (String, [String: String]) -> Void

    public init(wrote: @escaping @Sendable (Duration) -> Void = { _ in }, notice: @escaping @Sendable (String, [String: String]) -> Void = { _, _ in }) {
        self.wrote = wrote
        self.notice = notice
    }
}
