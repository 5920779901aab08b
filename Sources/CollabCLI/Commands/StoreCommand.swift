import ArgumentParser
import CollabPostgres
import Foundation

/// `collab store`: operations on a whole store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Operations on a whole store (PostgreSQL: docs/postgres.md).",
        subcommands: [StoreInitCommand.self]
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
        let migrated: PostgresStore.Migrated
        do {
            migrated = try await PostgresStore.initialize(location)
        } catch {
            switch error {
            case .badURL: throw CommandFailure(.usage, error.description)
            case .unreachable, .refused, .newerSchema: throw CommandFailure(.unavailable, error.description)
            }
        }
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
