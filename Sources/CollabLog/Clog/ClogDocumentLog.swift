import CollabCore
import Foundation

/// A directory store's document as its server writes it: one `.clog`, appended through
/// a `ClogAppender` (one record and one fdatasync per batch). The file is made at the
/// first write, so that reading a document that does not exist leaves no file. Another
/// process's append refuses the next one as changed until `changes()` has read it: the
/// writer appends only after what it has seen.
final class ClogDocumentLog: DocumentLog, @unchecked Sendable {
    let path: String
    let documentId: String
    let observer: LogObserver
    private var appender: ClogAppender?

    init(path: String, documentId: String, observer: LogObserver) {
        self.path = path
        self.documentId = documentId
        self.observer = observer
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
            observer.notice("cut a torn tail (an unacknowledged write)", ["doc": documentId, "bytes": "\(cut)", "kept_in": sideFile])
            opened = try ClogAppender.openDocument(path)
        }
        appender = opened.0
        return opened.1
    }

    func append(_ ops: [Op], checkpoint: DocumentSnapshot?) throws {
        let start = ContinuousClock.now
        defer { observer.wrote(ContinuousClock.now - start) }
        if appender == nil {
            // Someone else may have made the file since: then their ops come first.
            guard !FileIO.exists(path) else { throw LogError.changed(path: path) }
            appender = try ClogAppender(path: path, documentId: documentId)
        }
        try appender!.append(ops, checkpoint: checkpoint)
    }

    func changes() throws -> LogChange {
        guard let appender else { return FileIO.exists(path) ? .replaced : .none }
        return try appender.changes()
    }

    var checkpointDue: Bool { appender?.checkpointDue ?? CheckpointSchedule.isDue(batchesSinceCheckpoint: 0) }

    func recordAcknowledgement(_ acknowledgement: ReplicaAcknowledgement) throws {
        try appender?.appendSkippable(.replicaVersion, payload: acknowledgement.json)
    }
}
