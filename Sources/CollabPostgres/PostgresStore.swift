import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// A store on PostgreSQL (docs/postgres.md). Today: making and migrating its schema.
public enum PostgresStore {
    /// What `initialize` did: the schema version before and after, and the migrations applied.
    public struct Migrated: Sendable, Equatable {
        public let from: Int
        public let to: Int
        public let applied: [Int]
    }

    /// Creates the schema, or brings an older one up to date; a store already at the
    /// newest version is left as it is. Concurrent calls are safe: each takes the same
    /// transaction-scoped advisory lock before reading the version.
    public static func initialize(_ url: PostgresURL, logger: Logger = Logger(label: "collab.postgres")) async throws(PostgresStoreError) -> Migrated {
        try await withConnection(url, "the schema migration", logger: logger) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                // Any number: the one every collab uses for its schema lock.
                try await connection.query("SELECT pg_advisory_xact_lock(7106121097098)", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS collab_schema (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                var found = 0
                for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM collab_schema", logger: logger).decode(Int.self) {
                    found = version
                }
                guard found <= PostgresSchema.latest else { throw PostgresStoreError.newerSchema(found: found, known: PostgresSchema.latest) }
                var applied: [Int] = []
                for migration in PostgresSchema.migrations where migration.version > found {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO collab_schema (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                    applied.append(migration.version)
                }
                return Migrated(from: found, to: max(found, PostgresSchema.latest), applied: applied)
            }
        }
    }

    /// Runs `body` on a connection of its own, closed afterwards; its errors as
    /// `PostgresStoreError`, `step` naming what was being done.
    static func withConnection<T: Sendable>(
        _ url: PostgresURL, _ step: String, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws(PostgresStoreError) -> T {
        let connection = try await connect(url, logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw unwrapped(error, step)
        }
    }

    static func connect(_ url: PostgresURL, id: Int = 1, logger: Logger) async throws(PostgresStoreError) -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: .disable)
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        } catch let error as PSQLError {
            if let message = error.serverInfo?[.message] { throw .unreachable(url.description, message) }
            throw .unreachable(url.description, error.underlying.map(Self.networkReason) ?? "\(error.code)")
        } catch {
            throw .unreachable(url.description, Self.networkReason(error))
        }
    }

    /// Refuses a database whose schema is missing, older than this `collab`'s (`store
    /// init` migrates it), or newer.
    static func requireSchema(_ connection: PostgresConnection, url: PostgresURL, logger: Logger) async throws {
        var found = 0
        var made = false
        for try await exists in try await connection.query("SELECT to_regclass('collab_schema') IS NOT NULL", logger: logger).decode(Bool.self) {
            made = exists
        }
        if made {
            for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM collab_schema", logger: logger).decode(Int.self) {
                found = version
            }
        }
        guard found <= PostgresSchema.latest else { throw PostgresStoreError.newerSchema(found: found, known: PostgresSchema.latest) }
        guard found == PostgresSchema.latest else { throw PostgresStoreError.oldSchema(url.description, found: found, known: PostgresSchema.latest) }
    }

    /// What the network said, in a few words ("Connection refused"), where NIO's error
    /// wraps it.
    static func networkReason(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return networkReason(first.error)
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }

    static func refusal(_ step: String, _ error: any Error) -> PostgresStoreError {
        if let error = error as? PostgresStoreError { return error }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return .refused(step, message) }
            if let underlying = error.underlying { return .unreachable(step, networkReason(underlying)) }
            return .refused(step, "\(error.code)")
        }
        return .refused(step, "\(error)")
    }

    /// An error inside a transaction as what went wrong in it.
    static func unwrapped(_ error: any Error, _ step: String) -> PostgresStoreError {
        if let error = error as? PostgresTransactionError {
            return refusal(step, error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        }
        return refusal(step, error)
    }
}
