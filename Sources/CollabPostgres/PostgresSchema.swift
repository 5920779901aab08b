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
        Migration(
            version: 3, name: "a document's generation; collab_append: a server's append in one statement",
            statements: [
                // Moved by every rewrite of a document's log (a compaction, an import with
                // --force): a server's append made against an older generation is refused.
                "ALTER TABLE collab_documents ADD COLUMN generation bigint NOT NULL DEFAULT 0",
                // What `PostgresDocumentStore.appendBatch` does in eight statements, in one
                // round trip: a server appends many small batches. Returns the batch's
                // number; -1 when the document was rewritten since its writer read it
                // (its generation is not `expected_generation`); -2, having written
                // nothing, when some of the ids are stored already (the caller then
                // stores only the new ops).
                """
                CREATE OR REPLACE FUNCTION collab_append(
                    doc text, batch bytea, clients text[], firsts bigint[], lasts bigint[], expected_generation bigint,
                    checkpoint bytea, checkpoint_if bigint
                ) RETURNS bigint LANGUAGE plpgsql AS $$
                DECLARE
                    number bigint;
                    current bigint;
                BEGIN
                    INSERT INTO collab_documents (id) VALUES (doc) ON CONFLICT (id) DO NOTHING;
                    SELECT next_batch, generation INTO number, current FROM collab_documents WHERE id = doc FOR UPDATE;
                    IF expected_generation IS NOT NULL AND current <> expected_generation THEN
                        RETURN -1;
                    END IF;
                    IF EXISTS (
                        SELECT 1 FROM unnest(clients, firsts, lasts) AS run (client, first_seq, last_seq)
                        WHERE EXISTS (
                            SELECT 1 FROM collab_op_ranges r
                            WHERE r.document = doc AND r.client = run.client AND r.first_seq BETWEEN run.first_seq AND run.last_seq)
                        OR EXISTS (
                            SELECT 1 FROM (
                                SELECT r.last_seq FROM collab_op_ranges r
                                WHERE r.document = doc AND r.client = run.client AND r.first_seq < run.first_seq
                                ORDER BY r.first_seq DESC LIMIT 1) AS before
                            WHERE before.last_seq >= run.first_seq)
                    ) THEN
                        RETURN -2;
                    END IF;
                    INSERT INTO collab_batches (document, seq, payload) VALUES (doc, number, batch);
                    INSERT INTO collab_op_ranges (document, client, first_seq, last_seq, batch)
                        SELECT doc, run.client, run.first_seq, run.last_seq, number
                        FROM unnest(clients, firsts, lasts) AS run (client, first_seq, last_seq);
                    UPDATE collab_documents SET next_batch = number + 1 WHERE id = doc;
                    IF checkpoint IS NOT NULL AND number = checkpoint_if THEN
                        INSERT INTO collab_checkpoints (document, through_batch, payload) VALUES (doc, number, checkpoint);
                    END IF;
                    -- A small batch travels in its announcement: the other servers take it
                    -- from there instead of reading it back.
                    IF length(batch) <= 4096 THEN
                        PERFORM pg_notify('collab_events', 'b ' || number || ' ' || doc || E'\n' || encode(batch, 'base64'));
                    ELSE
                        PERFORM pg_notify('collab_events', 'b ' || number || ' ' || doc);
                    END IF;
                    RETURN number;
                END
                $$
                """
            ]),
    ]

    /// The newest version this `collab` knows.
    public static var latest: Int { migrations.last?.version ?? 0 }
}
