import CollabCore
import CollabLog
import CollabStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A store on PostgreSQL (docs/postgres.md): the `Store` every command and the server
/// use, on the schema `collab store init` makes. Each write is one transaction, which
/// takes the document's row lock first: writers of one document, in any process on any
/// machine, go one at a time, in the order the database gives them.
///
/// An op batch whose op ids are stored already is not stored again (a client that sent
/// it to two servers, a retry after a lost answer): only its new ops are, and a batch
/// of nothing new writes nothing. Every change is announced on the channel
/// `collab_events` (`PostgresEvent`), which servers on the store listen to.
public final class PostgresDocumentStore: Store, @unchecked Sendable {
    public let url: PostgresURL
    let connections: PostgresConnections
    /// What this process has heard on `collab_events` (`listen`).
    let heard = Mutex(Heard())

    public init(_ url: PostgresURL, logger: Logger = Logger(label: "collab.postgres")) {
        self.url = url
        connections = PostgresConnections(url: url, logger: logger)
    }

    public var name: String { url.description }

    public func read(_ documentId: String) throws -> StoredDocument? {
        let logger = connections.logger
        return try connections.blockingTransaction("reading \(documentId)") { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await PostgresStore.storedDocument(documentId, from: connection, logger: logger)
        }
    }

    /// `read`, awaited rather than blocking a thread (for the server).
    func readRecords(_ documentId: String) async throws -> StoredDocument? {
        let logger = connections.logger
        return try await connections.transaction("reading \(documentId)") { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await PostgresStore.storedDocument(documentId, from: connection, logger: logger)
        }
    }

    public func documentIds() throws -> [String] {
        let logger = connections.logger
        return try connections.blocking("listing documents") { connection in
            var ids: [String] = []
            for try await id in try await connection.query("SELECT id FROM collab_documents ORDER BY id", logger: logger).decode(String.self) {
                ids.append(id)
            }
            return ids
        }
    }

    public func append(_ ops: [Op], to documentId: String, expectingRecords: Int?) throws {
        try runBlocking { _ = try await self.appendBatch(ops, to: documentId, expectingRecords: expectingRecords, mayWait: false) }
    }

    /// Appends the ops not stored yet as one batch; returns the batch's number, or nil
    /// when every op was stored already. `checkpoint`, the state after the ops, is
    /// stored with them only if the batch is numbered `checkpointIfNumbered` and holds
    /// every op: only then is it the state after every batch up to it. With
    /// `expectingGeneration`, a log rewritten since (its generation moved) is refused as
    /// changed: the ops were checked against the history before the rewrite.
    func appendBatch(
        _ ops: [Op], to documentId: String, expectingRecords: Int?, expectingGeneration: Int64? = nil, checkpoint: DocumentSnapshot? = nil,
        checkpointIfNumbered: Int64? = nil, mayWait: Bool = true
    ) async throws -> Int64? {
        guard !ops.isEmpty else { return nil }
        let logger = connections.logger
        let place = place(of: documentId)
        let checkpointPayload = checkpoint.map { ByteBuffer(bytes: CheckpointCodec.encode($0)) }
        return try await connections.transaction("an append to \(documentId)", mayWait: mayWait) { connection -> Int64? in
            try await connection.query("INSERT INTO collab_documents (id) VALUES (\(documentId)) ON CONFLICT (id) DO NOTHING", logger: logger)
            let next = try await Self.lockRow(documentId, connection, logger)!
            if let expectingRecords, try await Self.recordCount(documentId, connection, logger) != expectingRecords {
                throw LogError.changed(path: place)
            }
            if let expectingGeneration {
                for try await generation in try await connection.query(
                    "SELECT generation FROM collab_documents WHERE id = \(documentId)", logger: logger
                ).decode(Int64.self) where generation != expectingGeneration {
                    throw LogError.changed(path: place)
                }
            }
            let fresh = try await Self.unstored(ops, of: documentId, connection, logger)
            guard !fresh.isEmpty else { return nil }
            let payload = OpBatchCodec.encode(fresh[...])
            try await connection.query(
                "INSERT INTO collab_batches (document, seq, payload) VALUES (\(documentId), \(next), \(ByteBuffer(bytes: payload)))", logger: logger)
            let runs = ClogLog.opIdRuns(of: fresh)
            try await connection.query(
                """
                INSERT INTO collab_op_ranges (document, client, first_seq, last_seq, batch)
                SELECT \(documentId), client, first_seq, last_seq, \(next)
                FROM unnest(\(runs.map(\.client))::text[], \(runs.map(\.first))::bigint[], \(runs.map(\.last))::bigint[]) AS run (client, first_seq, last_seq)
                """, logger: logger)
            try await connection.query("UPDATE collab_documents SET next_batch = \(next + 1) WHERE id = \(documentId)", logger: logger)
            if let checkpointPayload, fresh.count == ops.count, next == checkpointIfNumbered {
                try await connection.query(
                    "INSERT INTO collab_checkpoints (document, through_batch, payload) VALUES (\(documentId), \(next), \(checkpointPayload))",
                    logger: logger)
            }
            try await PostgresEvent.batch(documentId, next).notify(connection, logger)
            return next
        }
    }

    public func append(_ record: StoredRecord, to documentId: String, expectingRecords: Int?) throws {
        try runBlocking { try await self.appendRecord(record, to: documentId, expectingRecords: expectingRecords, mayWait: false) }
    }

    func appendRecord(_ record: StoredRecord, to documentId: String, expectingRecords: Int?, mayWait: Bool = true) async throws {
        let logger = connections.logger
        let place = place(of: documentId)
        try await connections.transaction("an append to \(documentId)", mayWait: mayWait) { connection in
            guard let next = try await Self.lockRow(documentId, connection, logger) else { throw LogError.missingInput(path: place) }
            if let expectingRecords, try await Self.recordCount(documentId, connection, logger) != expectingRecords {
                throw LogError.changed(path: place)
            }
            let payload = ByteBuffer(bytes: record.payload)
            switch record.type {
            case .namedVersion:
                let name = (try? VersionTag.decode(record.payload))??.name ?? ""
                for try await _ in try await connection.query(
                    "SELECT 1 FROM collab_tags WHERE document = \(documentId) AND name = \(name)", logger: logger
                ).decode(Int.self) {
                    throw LogError.badData(path: place, reason: "it has a version named \(name.debugDescription) already; a name is unique")
                }
                try await connection.query(
                    "INSERT INTO collab_tags (document, name, payload, through_batch) VALUES (\(documentId), \(name), \(payload), \(next - 1))",
                    logger: logger)
            case .checkpoint:
                try await connection.query(
                    """
                    INSERT INTO collab_checkpoints (document, through_batch, payload) VALUES (\(documentId), \(next - 1), \(payload))
                    ON CONFLICT (document, through_batch) DO UPDATE SET payload = excluded.payload, written_at = now()
                    """, logger: logger)
            case .replicaVersion:
                let replica = ReplicaAcknowledgement.decode(record.payload)?.replica ?? ""
                try await connection.query(
                    """
                    INSERT INTO collab_replica_versions (document, replica, payload) VALUES (\(documentId), \(replica), \(payload))
                    ON CONFLICT (document, replica) DO UPDATE SET payload = excluded.payload, recorded_at = now()
                    """, logger: logger)
            case .opBatch, .base, .accessControl:
                throw LogError.badData(path: place, reason: "a \(record.type) record is not appended this way")
            }
        }
    }

    public func replace(_ document: StoredDocument) throws {
        let logger = connections.logger
        try connections.blockingTransaction("rewriting \(document.id)") { connection in
            try await connection.query("INSERT INTO collab_documents (id) VALUES (\(document.id)) ON CONFLICT (id) DO NOTHING", logger: logger)
            let next = try await Self.lockRow(document.id, connection, logger)!
            try await Self.replaceRecords(with: document, next: next, connection, logger)
        }
    }

    /// Replaces a locked document's records, numbering its batches on from `next`: a
    /// batch number never means two batches.
    static func replaceRecords(with document: StoredDocument, next: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws {
        for table in ["collab_batches", "collab_tags", "collab_checkpoints", "collab_replica_versions"] {
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE document = $1", binds: binds(document.id)), logger: logger)
        }
        try await connection.query("UPDATE collab_documents SET base = NULL, base_through = 0, generation = generation + 1 WHERE id = \(document.id)", logger: logger)
        try await PostgresStore.insert(document, into: connection, firstBatch: next, logger: logger)
        try await PostgresEvent.replaced(document.id).notify(connection, logger)
    }

    /// In one transaction holding the document's row lock: appends wait for it.
    public func rewrite(_ documentId: String, _ body: @escaping @Sendable (StoredDocument) throws -> StoredDocument) throws {
        let logger = connections.logger
        let place = place(of: documentId)
        try connections.blockingTransaction("rewriting \(documentId)") { connection in
            guard let next = try await Self.lockRow(documentId, connection, logger),
                let now = try await PostgresStore.storedDocument(documentId, from: connection, logger: logger)
            else { throw LogError.missingInput(path: place) }
            let replacement = try body(now)
            try await Self.replaceRecords(with: replacement, next: next, connection, logger)
        }
    }

    public func accessEvents() throws -> [[UInt8]] {
        let logger = connections.logger
        return try connections.blocking("reading access events") { connection in
            try await Self.accessEvents(connection, logger)
        }
    }

    public func recordAccessEvent(_ build: ([[UInt8]]) throws -> [UInt8]) throws {
        let logger = connections.logger
        let events = try connections.blocking("reading access events") { connection in try await Self.accessEvents(connection, logger) }
        let event = String(decoding: try build(events), as: UTF8.self)
        let seen = events.count
        try connections.blockingTransaction("recording an access event") { connection in
            // Readers go on; another writer waits, and this one must see what it built on.
            try await connection.query("LOCK TABLE collab_access_events IN EXCLUSIVE MODE", logger: logger)
            for try await count in try await connection.query("SELECT count(*) FROM collab_access_events", logger: logger).decode(Int.self)
            where count != seen {
                throw LogError.changed(path: "\(self.name): access events")
            }
            try await connection.query("INSERT INTO collab_access_events (event) VALUES (\(event))", logger: logger)
            try await PostgresEvent.access.notify(connection, logger)
        }
    }

    public func replaceAccessEvents(_ events: [[UInt8]]) throws {
        let logger = connections.logger
        let texts = events.map { String(decoding: $0, as: UTF8.self) }
        try connections.blockingTransaction("replacing access events") { connection in
            try await connection.query("LOCK TABLE collab_access_events IN EXCLUSIVE MODE", logger: logger)
            try await connection.query("DELETE FROM collab_access_events", logger: logger)
            for text in texts { try await connection.query("INSERT INTO collab_access_events (event) VALUES (\(text))", logger: logger) }
            try await PostgresEvent.access.notify(connection, logger)
        }
    }

    /// In `collab_settings`, under `store-id`.
    public func storeId(creating: Bool) throws -> String? {
        let logger = connections.logger
        let made = UUID().uuidString.lowercased()
        return try connections.blocking("reading the store id") { connection in
            if creating {
                try await connection.query(
                    "INSERT INTO collab_settings (name, value) VALUES ('store-id', \(made)) ON CONFLICT (name) DO NOTHING", logger: logger)
            }
            var id: String?
            for try await value in try await connection.query("SELECT value FROM collab_settings WHERE name = 'store-id'", logger: logger).decode(String.self) {
                id = value
            }
            return id
        }
    }

    public func observeRoundTrips(_ body: @escaping @Sendable (Duration) -> Void) {
        connections.observeRoundTrips(body)
    }

    /// Whether a statement goes through now.
    public func problem() -> String? {
        let logger = connections.logger
        do {
            try connections.blocking("a health check") { connection in try await connection.query("SELECT 1", logger: logger) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: Statements

    /// Takes the document's row lock for the transaction; its next batch number, or nil
    /// when there is no such document.
    static func lockRow(_ documentId: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int64? {
        var next: Int64?
        for try await value in try await connection.query(
            "SELECT next_batch FROM collab_documents WHERE id = \(documentId) FOR UPDATE", logger: logger
        ).decode(Int64.self) {
            next = value
        }
        return next
    }

    /// How many records `read` gives for the document: what a write made from a reading
    /// expects to find.
    static func recordCount(_ documentId: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int {
        var count = 0
        for try await value in try await connection.query(
            """
            SELECT (SELECT count(*) FROM collab_batches WHERE document = \(documentId))
                + (SELECT count(*) FROM collab_tags WHERE document = \(documentId))
                + (SELECT count(*) FROM collab_checkpoints WHERE document = \(documentId))
                + (SELECT count(*) FROM collab_replica_versions WHERE document = \(documentId))
                + (SELECT count(*) FROM collab_documents WHERE id = \(documentId) AND base IS NOT NULL)
            """, logger: logger
        ).decode(Int.self) {
            count = value
        }
        return count
    }

    /// The ops none of whose ids the document has stored. Stored id ranges do not
    /// overlap, so those a run meets are the ones starting inside it and the last one
    /// starting before it: two index lookups per run.
    static func unstored(_ ops: [Op], of documentId: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> [Op] {
        let runs = ClogLog.opIdRuns(of: ops)
        var stored: [(client: String, first: Int64, last: Int64)] = []
        let rows = try await connection.query(
            """
            SELECT run.client, found.first_seq, found.last_seq
            FROM unnest(\(runs.map(\.client))::text[], \(runs.map(\.first))::bigint[], \(runs.map(\.last))::bigint[]) AS run (client, first_seq, last_seq)
            CROSS JOIN LATERAL (
                (SELECT first_seq, last_seq FROM collab_op_ranges
                 WHERE document = \(documentId) AND client = run.client AND first_seq BETWEEN run.first_seq AND run.last_seq)
                UNION ALL
                (SELECT first_seq, last_seq FROM collab_op_ranges
                 WHERE document = \(documentId) AND client = run.client AND first_seq < run.first_seq
                 ORDER BY first_seq DESC LIMIT 1)
            ) AS found
            WHERE found.last_seq >= run.first_seq
            """, logger: logger)
        for try await (client, first, last) in rows.decode((String, Int64, Int64).self) { stored.append((client, first, last)) }
        guard !stored.isEmpty else { return ops }
        return ops.filter { op in
            let first = Int64(op.id.seq)
            let last = Int64(op.endSeq) - 1
            return !stored.contains { $0.client == op.id.client && $0.first <= last && $0.last >= first }
        }
    }

    static func accessEvents(_ connection: PostgresConnection, _ logger: Logger) async throws -> [[UInt8]] {
        var events: [[UInt8]] = []
        for try await event in try await connection.query("SELECT event FROM collab_access_events ORDER BY seq", logger: logger).decode(String.self) {
            events.append(Array(event.utf8))
        }
        return events
    }

    static func binds(_ text: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(text)
        return binds
    }
}
