/// What can go wrong with a PostgreSQL store, in words for the command line.
public enum PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// The `--store` value is not a usable URL: the text and why.
    case badURL(String, String)
    /// No connection: where, and what the network or server said.
    case unreachable(String, String)
    /// The server refused a statement: which step, and its message.
    case refused(String, String)
    /// The schema is newer than this `collab` knows.
    case newerSchema(found: Int, known: Int)
    /// The database has no schema, or an older one: `collab store init` makes or migrates it.
    case oldSchema(String, found: Int, known: Int)
    /// A copy's destination already holds documents or access events.
    case notEmpty(String)

    public var description: String {
        switch self {
        case .badURL(let text, let why): "not a store URL: \(text): \(why)"
        case .unreachable(let place, let why): "cannot reach PostgreSQL at \(place): \(why)"
        case .refused(let step, let message): "PostgreSQL refused \(step): \(message)"
        case .newerSchema(let found, let known):
            "the store's schema is version \(found), newer than this collab knows (\(known)): use a newer collab"
        case .oldSchema(let place, let found, let known):
            found == 0
                ? "\(place) holds no collab store: `collab store init \(place)` makes one"
                : "\(place) has schema version \(found), older than this collab's (\(known)): `collab store init \(place)` migrates it"
        case .notEmpty(let place): "\(place) is not empty: a store is copied into an empty one"
        }
    }
}
