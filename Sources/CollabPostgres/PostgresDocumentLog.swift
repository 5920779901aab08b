import CollabCore
import CollabLog
import CollabStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A document on PostgreSQL as a server writes it. Its appends need not follow what it
/// has seen: ops commute, so two servers append to one document at once and neither is
/// refused; the database numbers the batches. Only a rewrite (a compaction, an import
/// with --force: the document's generation moves) refuses them, as changed: ops checked
/// against the history before it may be ones the new log cannot take, so they are
/// checked again after reading it.
///
/// What the others wrote is read by number: every batch up to `floor` is in the
/// document; batches above it that this writer wrote itself are skipped when read. A
/// batch number is taken under the document's row lock and released at commit, so when
/// batch N is seen every batch before it is too.
final class PostgresDocumentLog: DocumentLog, @unchecked Sendable {
    let store: PostgresDocumentStore
    let documentId: String
    let observer: LogObserver
    private var floor: Int64 = 0
    private var own: Set<Int64> = []
    /// The document's generation when opened (nil: no document yet); another one means
    /// the log was rewritten.
    private var generation: Int64?
    /// The store's announcements of the document at the last look (`changes`).
    private var heard: PostgresDocumentStore.Announced?
    private var batchesSinceCheckpoint = 0

    var checkpointDue: Bool { CheckpointSchedule.isDue(batchesSinceCheckpoint: batchesSinceCheckpoint) }

    init(store: PostgresDocumentStore, documentId: String, observer: LogObserver) {
        self.store = store
        self.documentId = documentId
        self.observer = observer
        store.follow(documentId)
    }

    deinit {
        store.unfollow(documentId)
    }

    func open() async throws -> HandedOver<Document> {
        heard = store.announcements(of: documentId)
        own = []
        guard let opened = try await store.openState(documentId) else {
            floor = 0
            generation = nil
            batchesSinceCheckpoint = 0
            return HandedOver(Document())
        }
        let place = store.place(of: documentId)
        let document = try ClogLog.document(of: ClogScanner.scan(StoredDocument(id: documentId, records: opened.records).clogBytes), path: place)
        floor = opened.lastBatch
        generation = opened.generation
        batchesSinceCheckpoint = opened.batchesSinceCheckpoint
        return HandedOver(document)
    }

    func append(_ ops: [Op], checkpoint: DocumentSnapshot?) async throws {
        let start = ContinuousClock.now
        defer { observer.wrote(ContinuousClock.now - start) }
        // A checkpoint is the state after every batch up to this one: only if this
        // writer has read every batch before it and none of its own is pending.
        let checkpointIfNumbered = own.isEmpty ? floor + 1 : nil
        guard let seq = try await store.serverAppend(
            ops, to: documentId, expectingGeneration: generation ?? 0, checkpoint: checkpoint, checkpointIfNumbered: checkpointIfNumbered)
        else { return }
        if generation == nil { generation = 0 }
        if seq == floor + 1 && own.isEmpty {
            floor = seq
        } else {
            own.insert(seq)
        }
        batchesSinceCheckpoint = checkpoint != nil && seq == checkpointIfNumbered ? 0 : batchesSinceCheckpoint + 1
    }

    func changes() async throws -> LogChange {
        // While the store listens, no batch announced past what this writer has (its own
        // included) and no rewrite announced means no change: no query.
        let now = store.announcements(of: documentId)
        // A rewrite announced: read again whatever the generation says.
        if let now, let heard, now.epoch == heard.epoch, now.rewrites != heard.rewrites, generation != nil { return .replaced }
        if let now, let heard, now.epoch == heard.epoch, now.rewrites == heard.rewrites {
            if now.lastBatch <= floor { return .none }
            // The batches came with their announcements: nothing to read back.
            if let announced = store.announcedBatches(of: documentId, after: floor, through: now.lastBatch) {
                self.heard = now
                return try take(announced)
            }
        }
        guard let found = try await store.batches(of: documentId, after: floor) else {
            return generation == nil ? .none : .replaced
        }
        // Read after taking the count: an announcement that lands meanwhile is looked at again.
        heard = now
        if let generation, found.generation != generation { return .replaced }
        if generation == nil { generation = found.generation }
        return try take(found.batches)
    }

    /// Takes in batches read or heard, in number order: the ops of those this writer did
    /// not write itself.
    private func take(_ batches: [(Int64, [UInt8])]) throws -> LogChange {
        var ops: [Op] = []
        for (seq, payload) in batches {
            if !own.contains(seq) {
                do {
                    ops += try OpBatchCodec.decode(payload)
                } catch {
                    throw LogError.damaged(path: store.place(of: documentId), reason: "batch \(seq) does not decode: \(error)")
                }
            }
            floor = max(floor, seq)
            batchesSinceCheckpoint += 1
        }
        own = own.filter { $0 > floor }
        return batches.isEmpty ? .none : .appended(ops)
    }

    func recordAcknowledgement(_ acknowledgement: ReplicaAcknowledgement) async throws {
        guard generation != nil else { return }
        try await store.appendRecord(StoredRecord(.replicaVersion, acknowledgement.json), to: documentId, expectingRecords: nil)
    }

    /// The store refuses a name the document has already, in the same transaction.
    func appendTag(_ tag: VersionTag) async throws {
        guard generation != nil else { throw LogError.missingInput(path: store.place(of: documentId)) }
        try await store.appendRecord(StoredRecord(.namedVersion, tag.json), to: documentId, expectingRecords: nil)
    }

    func read() async throws -> StoredDocument? {
        try await store.readRecords(documentId)
    }
}

extension PostgresDocumentStore {
    public func documentLog(_ documentId: String, observer: LogObserver) throws -> any DocumentLog {
        PostgresDocumentLog(store: self, documentId: documentId, observer: observer)
    }

    /// What a server opens a document from, read in one snapshot: the last checkpoint
    /// (or the base) and the batches after it; nil when there is no such document.
    func openState(_ documentId: String) async throws -> (records: [StoredRecord], lastBatch: Int64, generation: Int64, batchesSinceCheckpoint: Int)? {
        let logger = connections.logger
        return try await connections.transaction("opening \(documentId)") { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var row: (next: Int64, base: ByteBuffer?, baseThrough: Int64, generation: Int64)?
            for try await (next, base, through, generation) in try await connection.query(
                "SELECT next_batch, base, base_through, generation FROM collab_documents WHERE id = \(documentId)", logger: logger
            ).decode((Int64, ByteBuffer?, Int64, Int64).self) {
                row = (next, base, through, generation)
            }
            guard let row else { return nil }
            var records: [StoredRecord] = []
            var from = row.baseThrough
            if let base = row.base { records.append(StoredRecord(.base, Array(buffer: base))) }
            for try await (through, payload) in try await connection.query(
                """
                SELECT through_batch, payload FROM collab_checkpoints WHERE document = \(documentId) AND through_batch >= \(row.baseThrough)
                ORDER BY through_batch DESC LIMIT 1
                """, logger: logger
            ).decode((Int64, ByteBuffer).self) {
                // Restored from the checkpoint if this collab can read it; else from the
                // base and every batch.
                let bytes = Array(buffer: payload)
                if CheckpointCodec.isReadable(bytes) {
                    records = [StoredRecord(.checkpoint, bytes)]
                    from = through
                }
            }
            var batches = 0
            for try await payload in try await connection.query(
                "SELECT payload FROM collab_batches WHERE document = \(documentId) AND seq > \(from) ORDER BY seq", logger: logger
            ).decode(ByteBuffer.self) {
                records.append(StoredRecord(.opBatch, Array(buffer: payload)))
                batches += 1
            }
            return (records, row.next - 1, row.generation, batches)
        }
    }

    /// The document's batches after `floor`, with its generation, in one statement (one
    /// snapshot); nil when there is no such document.
    func batches(of documentId: String, after floor: Int64) async throws -> (generation: Int64, batches: [(Int64, [UInt8])])? {
        let logger = connections.logger
        return try await connections.with("reading \(documentId)") { connection in
            var generation: Int64?
            var batches: [(Int64, [UInt8])] = []
            for try await (current, seq, payload) in try await connection.query(
                """
                SELECT d.generation, b.seq, b.payload FROM collab_documents d
                LEFT JOIN collab_batches b ON b.document = d.id AND b.seq > \(floor)
                WHERE d.id = \(documentId) ORDER BY b.seq
                """, logger: logger
            ).decode((Int64, Int64?, ByteBuffer?).self) {
                generation = current
                if let seq, let payload { batches.append((seq, Array(buffer: payload))) }
            }
            guard let generation else { return nil }
            return (generation, batches)
        }
    }

    /// A server's append: `collab_append` (schema version 3), one round trip. When some
    /// of the ops are stored already, the general path stores the new ones.
    func serverAppend(
        _ ops: [Op], to documentId: String, expectingGeneration: Int64, checkpoint: DocumentSnapshot?, checkpointIfNumbered: Int64?
    ) async throws -> Int64? {
        guard !ops.isEmpty else { return nil }
        let logger = connections.logger
        let payload = OpBatchCodec.encode(ops[...])
        let runs = ClogLog.opIdRuns(of: ops)
        let checkpointPayload = checkpoint.map { ByteBuffer(bytes: CheckpointCodec.encode($0)) }
        let outcome = try await connections.with("an append to \(documentId)") { connection in
            var outcome: Int64 = 0
            for try await value in try await connection.query(
                """
                SELECT collab_append(\(documentId), \(ByteBuffer(bytes: payload)), \(runs.map(\.client))::text[], \(runs.map(\.first))::bigint[],
                    \(runs.map(\.last))::bigint[], \(expectingGeneration), \(checkpointPayload), \(checkpointIfNumbered))
                """, logger: logger
            ).decode(Int64.self) {
                outcome = value
            }
            return outcome
        }
        switch outcome {
        case -1: throw LogError.changed(path: place(of: documentId))
        case -2:
            return try await appendBatch(
                ops, to: documentId, expectingRecords: nil, expectingGeneration: expectingGeneration, checkpoint: checkpoint, checkpointIfNumbered: checkpointIfNumbered)
        default: return outcome
        }
    }
}
