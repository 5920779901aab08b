import CollabCore
import CollabLog
import Foundation
import Logging

/// The log a document host writes. Other processes write it too (`collab edit`, `tag`,
/// `compact`, … on a live store): the host appends only after ops it has seen, and
/// asks what the others did. Used only on the host's disk thread.
package protocol HostedLog: AnyObject, Sendable {
    /// Reads the log whole, verified, and takes the writer's place at its end: the
    /// document it holds now.
    func open() throws -> Document
    /// Appends ops as one durable record, then, best effort, `checkpoint` (the state
    /// after them) as another. Throws `LogError.changed`, having written nothing, when
    /// another writer wrote since this one last looked.
    func append(_ ops: [Op], checkpoint: DocumentSnapshot?) throws
    /// What other writers did since this one last looked.
    func changes() throws -> ClogAppender.Change
    /// Op batches written since the log's last checkpoint.
    var batchesSinceCheckpoint: Int { get }
    /// Records that a replica holds a version (a skippable record), if the log exists.
    func recordAcknowledgement(_ acknowledgement: ReplicaAcknowledgement) throws
}

/// A document's `.clog` in a store. The file is made at the first write, so that
/// reading a document that does not exist leaves no file.
final class StoreLog: HostedLog, @unchecked Sendable {
    let path: String
    let documentId: String
    let metrics: ServerMetrics
    let logger: Logger
    private var appender: ClogAppender?

    init(path: String, documentId: String, metrics: ServerMetrics, logger: Logger) {
        self.path = path
        self.documentId = documentId
        self.metrics = metrics
        self.logger = logger
    }

    /// A torn tail is cut off first (kept beside the log): every writer appends under the
    /// lock and reports success only after its record is synced whole, so a torn record
    /// is a write nobody was told was kept — the end of a crash, not damage to what was
    /// promised. Any other damage refuses the document: it is never half-read.
    func open() throws -> Document {
        guard FileIO.exists(path) else {
            appender = nil
            return Document()
        }
        let opened: (ClogAppender, Document)
        do {
            opened = try ClogAppender.openDocument(path)
        } catch LogError.damaged(let damagedPath, let reason) {
            guard case .repaired(_, let cut, let sideFile) = try? ClogRepair.repair(path, now: Date()) else {
                throw LogError.damaged(path: damagedPath, reason: reason)
            }
            logger.warning(
                "cut a torn tail (an unacknowledged write)", metadata: ["doc": "\(documentId)", "bytes": "\(cut)", "kept_in": "\(sideFile)"])
            opened = try ClogAppender.openDocument(path)
        }
        appender = opened.0
        return opened.1
    }

    func append(_ ops: [Op], checkpoint: DocumentSnapshot?) throws {
        let start = ContinuousClock.now
        defer { metrics.fsync(seconds: Hub.seconds(since: start)) }
        if appender == nil {
            // Someone else may have made the file since: then their ops come first.
            guard !FileIO.exists(path) else { throw LogError.changed(path: path) }
            appender = try ClogAppender(path: path, documentId: documentId)
        }
        try appender!.append(ops, checkpoint: checkpoint)
    }

    func changes() throws -> ClogAppender.Change {
        guard let appender else { return FileIO.exists(path) ? .replaced : .none }
        return try appender.changes()
    }

    var batchesSinceCheckpoint: Int { appender?.batchesSinceCheckpoint ?? 0 }

    func recordAcknowledgement(_ acknowledgement: ReplicaAcknowledgement) throws {
        try appender?.appendSkippable(.replicaVersion, payload: acknowledgement.json)
    }
}
