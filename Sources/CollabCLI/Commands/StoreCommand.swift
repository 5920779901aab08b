import ArgumentParser
import CollabAccess
import CollabLog
import CollabPostgres
import CollabStorage
import Foundation

/// `collab store`: operations on a whole store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Operations on a whole store (PostgreSQL: docs/postgres.md).",
        subcommands: [StoreInitCommand.self, StoreCopyCommand.self]
    )
}

/// `collab store init URL`: creates or migrates a PostgreSQL store's schema.
struct StoreInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a PostgreSQL store's schema, or migrate it to this collab's version.",
        discussion: """
            The schema is versioned: each migration is applied once, in one transaction, and \
            recorded in the table collab_schema (docs/postgres.md lists them). Running it \
            again on a store that is up to date changes nothing. Several at once are safe.

            A store that cannot be reached exits 69; a URL that is not one exits 64.

            Examples:
              collab store init postgres://collab@db.internal:5432/collab
              collab store init "$COLLAB_STORE" --json
            """
    )

    @Argument(help: "The store: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.")
    var url: String

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        let location: PostgresURL
        do {
            location = try PostgresURL(url)
        } catch {
            throw CommandFailure(.usage, error.description + (PostgresURL.isPostgres(url) ? "" : " (a directory store needs no init)"))
        }
        let migrated = try await postgresStep { try await PostgresStore.initialize(location) }
        if json {
            let applied = migrated.applied.map(String.init).joined(separator: ",")
            print("{\"store\":\(quoted(location.description, limit: .max)),\"schemaVersion\":\(migrated.to),\"previousVersion\":\(migrated.from),\"applied\":[\(applied)]}")
        } else if migrated.applied.isEmpty {
            print("\(location): schema at version \(migrated.to), up to date")
        } else {
            print("\(location): schema version \(migrated.from) -> \(migrated.to) (applied \(migrated.applied.map(String.init).joined(separator: ", ")))")
        }
    }
}

/// `collab store copy SRC DST`: a whole store into an empty one, either way between a
/// directory and PostgreSQL.
struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole store into an empty one: a directory to PostgreSQL or back.",
        discussion: """
            Every document's log goes across record for record (op batches, tags, checkpoints, \
            a compaction's base, replicas' acknowledged versions), with the store's access \
            events (grants, shares, the audit trail): exports of the two stores are the same. \
            The destination must hold no documents: a PostgreSQL one is written in one \
            transaction, a directory one is made beside it and moved into place, so a failed \
            copy leaves nothing. The signing key (collab-data/signing.key) is not copied.

            Examples:
              collab store copy collab-data postgres://collab@db.internal/collab
              collab store copy postgres://collab@db.internal/collab backup-store --json
            """
    )

    @Argument(help: "The store to copy: a directory or postgres://USER@HOST[:PORT]/DATABASE.")
    var source: String

    @Argument(help: "The store to copy into (empty): a directory or a PostgreSQL URL.")
    var destination: String

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        let contents = try await read(source)
        try await write(contents, to: destination)
        let records = contents.documents.reduce(0) { $0 + $1.records.count }
        if json {
            print("{\"source\":\(quoted(StoreLocation.shown(source), limit: .max)),\"destination\":\(quoted(StoreLocation.shown(destination), limit: .max)),\"documents\":\(contents.documents.count),\"records\":\(records),\"accessEvents\":\(contents.accessEvents.count)}")
        } else {
            print("copied \(contents.documents.count) documents (\(records) records) and \(contents.accessEvents.count) access events from \(StoreLocation.shown(source)) to \(StoreLocation.shown(destination))")
        }
    }

    private func read(_ store: String) async throws -> PostgresStore.Contents {
        if PostgresURL.isPostgres(store) { return try await postgresStep { try await PostgresStore.read(try PostgresURL(store)) } }
        var documents: [StoredDocument] = []
        for (path, id) in try DocumentStore(store).logs() {
            guard id != nil else { throw CommandFailure(.badData, "\(path): not a readable log (collab verify says why)") }
            documents.append(try ClogLog.storedRecords(in: path))
        }
        return PostgresStore.Contents(documents: documents, accessEvents: try DocumentStore(store).accessEvents())
    }

    private func write(_ contents: PostgresStore.Contents, to store: String) async throws {
        if PostgresURL.isPostgres(store) { return try await postgresStep { try await PostgresStore.write(contents, to: try PostgresURL(store)) } }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: store, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CommandFailure(.cannotCreate, "\(store) is a file: a store is a directory (or a PostgreSQL URL)")
        }
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []
        guard existing.isEmpty else { throw CommandFailure(.cannotCreate, "\(store) is not empty: a store is copied into an empty one") }
        // Made beside the destination and moved into place: all or nothing.
        let parent = URL(fileURLWithPath: store).deletingLastPathComponent().path
        let staging = FileIO.unusedName("\(parent)/.\(URL(fileURLWithPath: store).lastPathComponent).copying")
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            let target = DocumentStore(staging)
            for document in contents.documents { try ClogLog.write(document, to: try target.prepare(for: document.id)) }
            if !contents.accessEvents.isEmpty { try target.replaceAccessEvents(contents.accessEvents) }
            if FileIO.exists(store) { try FileManager.default.removeItem(atPath: store) }
            try FileManager.default.moveItem(atPath: staging, toPath: store)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

}

/// A step on a PostgreSQL store, its errors as exit statuses (`CommandFailure(_:)`).
func postgresStep<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as PostgresStoreError {
        throw CommandFailure(error)
    }
}

extension CommandFailure {
    /// A bad URL is a usage error, a non-empty destination cannot be created, the rest is
    /// the server's: out of reach, refusing, or of another schema version.
    init(_ error: PostgresStoreError) {
        switch error {
        case .badURL: status = .usage
        case .notEmpty: status = .cannotCreate
        case .unreachable, .refused, .newerSchema, .oldSchema: status = .unavailable
        }
        message = error.description
    }
}
