import CollabLog
import CollabStorage
import Logging
import NIOCore
import PostgresNIO

/// A whole store's contents as records, written into and read out of the schema's tables
/// (`collab store copy`, docs/postgres.md).
extension PostgresStore {
    /// What a store holds: its documents and its access events (each the JSON of one).
    public struct Contents: Sendable, Equatable {
        public var documents: [StoredDocument]
        public var accessEvents: [[UInt8]]

        public init(documents: [StoredDocument], accessEvents: [[UInt8]]) {
            self.documents = documents
            self.accessEvents = accessEvents
        }
    }

    /// Writes `contents` into a store that holds nothing yet (its schema made or migrated
    /// first), in one transaction: all of it or, on any error, none.
    public static func write(_ contents: Contents, to url: PostgresURL, logger: Logger = Logger(label: "collab.postgres")) async throws(PostgresStoreError) {
        _ = try await initialize(url, logger: logger)
        try await withConnection(url, "the copy", logger: logger) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("LOCK TABLE collab_documents, collab_access_events IN EXCLUSIVE MODE", logger: logger)
                for try await held in try await connection.query(
                    "SELECT (SELECT count(*) FROM collab_documents) + (SELECT count(*) FROM collab_access_events)", logger: logger
                ).decode(Int.self) where held > 0 {
                    throw PostgresStoreError.notEmpty(url.description)
                }
                for document in contents.documents {
                    try await connection.query("INSERT INTO collab_documents (id) VALUES (\(document.id))", logger: logger)
                    try await insert(document, into: connection, firstBatch: 1, logger: logger)
                }
                for event in contents.accessEvents {
                    try await connection.query("INSERT INTO collab_access_events (event) VALUES (\(String(decoding: event, as: UTF8.self)))", logger: logger)
                }
            }
        }
    }

    /// One document's records into the tables of a document row that holds none: op
    /// batches numbered from `firstBatch`, each tag and checkpoint with the number of the
    /// batch before it, the base (covering the batches before `firstBatch`) and replica
    /// versions.
    static func insert(_ document: StoredDocument, into connection: PostgresConnection, firstBatch: Int64, logger: Logger) async throws {
        var batches: Int64 = firstBatch - 1
        for record in document.records {
            let payload = ByteBuffer(bytes: record.payload)
            switch record.type {
            case .opBatch:
                batches += 1
                try await connection.query(
                    "INSERT INTO collab_batches (document, seq, payload) VALUES (\(document.id), \(batches), \(payload))", logger: logger)
                for run in try ClogLog.opIdRuns(inBatch: record.payload) {
                    try await connection.query(
                        """
                        INSERT INTO collab_op_ranges (document, client, first_seq, last_seq, batch)
                        VALUES (\(document.id), \(run.client), \(run.first), \(run.last), \(batches))
                        """, logger: logger)
                }
            case .namedVersion:
                let name = (try? VersionTag.decode(record.payload))??.name ?? ""
                try await connection.query(
                    "INSERT INTO collab_tags (document, name, payload, through_batch) VALUES (\(document.id), \(name), \(payload), \(batches))",
                    logger: logger)
            case .checkpoint:
                try await connection.query(
                    """
                    INSERT INTO collab_checkpoints (document, through_batch, payload) VALUES (\(document.id), \(batches), \(payload))
                    ON CONFLICT (document, through_batch) DO UPDATE SET payload = excluded.payload
                    """, logger: logger)
            case .base:
                try await connection.query(
                    "UPDATE collab_documents SET base = \(payload), base_through = \(batches) WHERE id = \(document.id)", logger: logger)
            case .replicaVersion:
                let replica = ReplicaAcknowledgement.decode(record.payload)?.replica ?? ""
                try await connection.query(
                    """
                    INSERT INTO collab_replica_versions (document, replica, payload) VALUES (\(document.id), \(replica), \(payload))
                    ON CONFLICT (document, replica) DO UPDATE SET payload = excluded.payload
                    """, logger: logger)
            case .accessControl:
                throw PostgresStoreError.refused("the copy", "document \(document.id) holds an access-control record")
            }
        }
        try await connection.query("UPDATE collab_documents SET next_batch = \(batches + 1) WHERE id = \(document.id)", logger: logger)
    }

    /// Everything a store holds, documents in id order, each document's records in the
    /// order a log keeps them: the base, then batches with the tags and checkpoints made
    /// after them, then the replica versions.
    public static func read(_ url: PostgresURL, logger: Logger = Logger(label: "collab.postgres")) async throws(PostgresStoreError) -> Contents {
        try await withConnection(url, "reading the store", logger: logger) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                var ids: [String] = []
                for try await id in try await connection.query("SELECT id FROM collab_documents ORDER BY id", logger: logger).decode(String.self) {
                    ids.append(id)
                }
                var documents: [StoredDocument] = []
                for id in ids {
                    if let document = try await storedDocument(id, from: connection, logger: logger) { documents.append(document) }
                }
                var events: [[UInt8]] = []
                for try await event in try await connection.query("SELECT event FROM collab_access_events ORDER BY seq", logger: logger).decode(String.self) {
                    events.append(Array(event.utf8))
                }
                return Contents(documents: documents, accessEvents: events)
            }
        }
    }

    /// One document's records as a log keeps them (its base first), read on
    /// `connection`; nil when there is no such document.
    static func storedDocument(_ id: String, from connection: PostgresConnection, logger: Logger) async throws -> StoredDocument? {
        var found: StoredDocument?
        for try await base in try await connection.query("SELECT base FROM collab_documents WHERE id = \(id)", logger: logger).decode(ByteBuffer?.self) {
            found = StoredDocument(id: id, records: base.map { [StoredRecord(.base, Array(buffer: $0))] } ?? [])
        }
        guard var document = found else { return nil }
        document.records += try await records(of: id, from: connection, logger: logger)
        return document
    }

    static func records(of document: String, from connection: PostgresConnection, logger: Logger) async throws -> [StoredRecord] {
        // Batches, tags and checkpoints by the batch count they follow; at one count, the
        // batch first, then tags and checkpoints in the order they were made.
        let rows = try await connection.query(
            """
            SELECT kind, payload FROM (
                SELECT 0 AS kind, seq AS position, 0 AS within, payload FROM collab_batches WHERE document = \(document)
                UNION ALL SELECT 1, through_batch, seq, payload FROM collab_tags WHERE document = \(document)
                UNION ALL SELECT 2, through_batch, 0, payload FROM collab_checkpoints WHERE document = \(document)
                UNION ALL SELECT 3, 9223372036854775807, 0, payload FROM collab_replica_versions WHERE document = \(document)
            ) AS records ORDER BY position, kind, within
            """, logger: logger)
        var records: [StoredRecord] = []
        for try await (kind, payload) in rows.decode((Int32, ByteBuffer).self) {
            let type: ClogRecordType = switch kind {
            case 0: .opBatch
            case 1: .namedVersion
            case 2: .checkpoint
            default: .replicaVersion
            }
            records.append(StoredRecord(type, Array(buffer: payload)))
        }
        return records
    }
}
