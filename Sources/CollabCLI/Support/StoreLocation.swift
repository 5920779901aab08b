import CollabLog
import CollabPostgres
import CollabStorage
import Foundation

/// A `--store` value as the store it names: a PostgreSQL URL (docs/postgres.md) or a
/// directory of `.clog` files.
enum StoreLocation {
    /// Where commands that default to a store look when not told: the COLLAB_STORE
    /// environment variable, else `collab-data`.
    static var defaultStore: String {
        if let given = ProcessInfo.processInfo.environment["COLLAB_STORE"], !given.isEmpty { return given }
        return DocumentStore.defaultDirectory
    }

    /// The store `text` names. A malformed PostgreSQL URL is a usage error (64).
    static func open(_ text: String) throws -> any Store {
        guard PostgresURL.isPostgres(text) else { return DocumentStore(text) }
        do {
            return PostgresDocumentStore(try PostgresURL(text))
        } catch {
            throw CommandFailure(.usage, error.description)
        }
    }

    /// Whether `text` names a PostgreSQL store.
    static func isPostgres(_ text: String) -> Bool { PostgresURL.isPostgres(text) }

    /// A store as messages name it: a URL without its password.
    static func shown(_ text: String) -> String {
        (try? PostgresURL(text)).map(\.description) ?? text
    }
}
