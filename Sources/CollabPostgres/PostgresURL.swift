import Foundation

/// Where a PostgreSQL store is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or
/// `postgresql://`), as every `--store` and `COLLAB_STORE` accept it (docs/postgres.md).
/// A fragment is ignored (the test cluster keeps its folder there).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    /// Whether `text` names a PostgreSQL store rather than a directory.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(_ text: String) throws(PostgresStoreError) {
        guard Self.isPostgres(text) else { throw .badURL(text, "it starts with neither postgres:// nor postgresql://") }
        guard let parts = URLComponents(string: text) else { throw .badURL(text, "it is not a URL") }
        guard let host = parts.host, !host.isEmpty else { throw .badURL(text, "it names no host") }
        guard let user = parts.user, !user.isEmpty else { throw .badURL(text, "it names no user (postgres://USER@HOST/DATABASE)") }
        let database = String(parts.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw .badURL(text, "it names no database (postgres://USER@HOST/DATABASE)") }
        if let port = parts.port, !(1...65535).contains(port) { throw .badURL(text, "port \(port) is not from 1 to 65535") }
        self.user = user
        password = parts.password
        self.host = host
        port = parts.port ?? 5432
        self.database = database
    }

    /// The URL without its password, for messages.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}
