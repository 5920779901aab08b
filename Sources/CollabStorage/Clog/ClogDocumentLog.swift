import CollabCore
import CollabLog
import Foundation

/// A directory store's document as its server writes it: one `.clog`, appended through
/// a `ClogAppender` (one record and one fdatasync per batch). The file is made at the
/// first write, so that reading a document that does not exist leaves no file. Another
/// process's append refuses the next one as changed until `changes()` has read it: the
/// writer appends only after what it has seen. The file work runs on the document's own
/// thread, not Swift's shared pool: an fdatasync takes milliseconds.
final class ClogDocumentLog: DocumentLog, @unchecked Sendable {
    let path: String
    let documentId: String
    let observer: LogObserver
    private var appender: ClogAppender?
    private let disk: DispatchQueue

    init(path: String, documentId: String, observer: LogObserver) {
        self.path = path
        self.documentId = documentId
        self.observer = observer
        disk = DispatchQueue(label: "collab.log.\(documentId)")
    }

    /// Runs `body` on the document's disk thread.
    private func onDisk<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            disk.async { done.resume(with: Result { try body() }) }
        }
    }

    func open() async throws -> HandedOver<Document> {
        try await onDisk { HandedOver(try self.openOnDisk()) }
    }

    func append(_ ops: [Op], checkpoint: DocumentSnapshot?) async throws {
        try await onDisk { try self.appendOnDisk(ops, checkpoint: checkpoint) }
    }

    func changes() async throws -> LogChange {
        try await onDisk { try self.changesOnDisk() }
    }

    func recordAcknowledgement(_ acknowledgement: ReplicaAcknowledgement) async throws {
        try await onDisk { try self.appender?.appendSkippable(.replicaVersion, payload: acknowledgement.json) }
    }

    func appendTag(_ tag: VersionTag) async throws {
        try await onDisk {
            guard let appender = self.appender else { throw LogError.missingInput(path: self.path) }
            try appender.appendTag(tag)
        }
    }

    /// On the disk thread, so that no append of this writer is under way: its lock is a
    /// POSIX record lock, which closing any other descriptor of the file in this process
    /// would give up.
    func read() async throws -> StoredDocument? {
        try await onDisk { FileIO.exists(self.path) ? try ClogLog.storedRecords(in: self.path) : nil }
    }

    /// A torn tail is cut off first (kept beside the log): every writer appends under the
    /// lock and reports success only after its record is synced whole, so a torn record
    /// is a write nobody was told was kept — the end of a crash, not damage to what was
    /// promised. Any other damage refuses the document: it is never half-read.
    private func openOnDisk() throws -> Document {
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

    private func appendOnDisk(_ ops: [Op], checkpoint: DocumentSnapshot?) throws {
        let start = ContinuousClock.now
        defer { observer.wrote(ContinuousClock.now - start) }
        if appender == nil {
            // Someone else may have made the file since: then their ops come first.
            guard !FileIO.exists(path) else { throw LogError.changed(path: path) }
            appender = try ClogAppender(path: path, documentId: documentId)
        }
        try appender!.append(ops, checkpoint: checkpoint)
    }

    private func changesOnDisk() throws -> LogChange {
        guard let appender else { return FileIO.exists(path) ? .replaced : .none }
        return try appender.changes()
    }

    var checkpointDue: Bool { appender?.checkpointDue ?? CheckpointSchedule.isDue(batchesSinceCheckpoint: 0) }
}
