/// The store's tables, as numbered migrations applied in order, each in one transaction
/// with its number recorded in `collab_schema` (docs/postgres.md lists them). A migration,
/// once released, is never edited: a change is a new one.
public enum PostgresSchema {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let statements: [String]
    }

    public static let migrations: [Migration] = [
        Migration(
            version: 1, name: "documents, op batches, checkpoints, tags, access events, replica versions",
            statements: [
                """
                CREATE TABLE collab_documents (
                    id text PRIMARY KEY,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    next_batch bigint NOT NULL DEFAULT 1,
                    base bytea,
                    base_through bigint NOT NULL DEFAULT 0
                )
                """,
                """
                CREATE TABLE collab_batches (
                    document text NOT NULL REFERENCES collab_documents (id) ON DELETE CASCADE,
                    seq bigint NOT NULL,
                    payload bytea NOT NULL,
                    written_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (document, seq)
                )
                """,
                """
                CREATE TABLE collab_op_ranges (
                    document text NOT NULL,
                    client text NOT NULL,
                    first_seq bigint NOT NULL,
                    last_seq bigint NOT NULL CHECK (last_seq >= first_seq),
                    batch bigint NOT NULL,
                    PRIMARY KEY (document, client, first_seq),
                    FOREIGN KEY (document, batch) REFERENCES collab_batches (document, seq) ON DELETE CASCADE
                )
                """,
                """
                CREATE TABLE collab_checkpoints (
                    document text NOT NULL REFERENCES collab_documents (id) ON DELETE CASCADE,
                    through_batch bigint NOT NULL,
                    payload bytea NOT NULL,
                    written_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (document, through_batch)
                )
                """,
                """
                CREATE TABLE collab_tags (
                    document text NOT NULL REFERENCES collab_documents (id) ON DELETE CASCADE,
                    seq bigserial,
                    name text NOT NULL,
                    payload bytea NOT NULL,
                    through_batch bigint NOT NULL,
                    PRIMARY KEY (document, seq)
                )
                """,
                """
                CREATE TABLE collab_access_events (
                    seq bigserial PRIMARY KEY,
                    event text NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE collab_replica_versions (
                    document text NOT NULL REFERENCES collab_documents (id) ON DELETE CASCADE,
                    replica text NOT NULL,
                    payload bytea NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (document, replica)
                )
                """,
            ]),
        Migration(
            version: 2, name: "store settings (its id, which tokens name)",
            statements: [
                """
                CREATE TABLE collab_settings (
                    name text PRIMARY KEY,
                    value text NOT NULL
                )
                """
            ]),
    ]

    /// The newest version this `collab` knows.
    public static var latest: Int { migrations.last?.version ?? 0 }
}
