import CollabTestSupport
import Foundation
import Testing

/// `collab store copy` between a directory store and a real PostgreSQL (PostgresTestServer).
@Suite("collab store copy", .timeLimit(.minutes(3)))
struct StoreCopyTests {
    /// A directory store with what a store holds: documents with edits, a tag, a
    /// checkpoint, a compacted one with its base, grants and a link share.
    static func makeStore(_ dir: URL, _ store: String) async throws {
        func run(_ arguments: [String]) async throws {
            let result = try await CLI.runOffThePool(arguments, in: dir)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        try await run(["edit", "--store", store, "notes", "--client", "alice", "insert", "0", "Hello world"])
        try await run(["edit", "--store", store, "notes", "--client", "bob", "insert", "5", ","])
        try await run(["tag", "notes", "--store", store, "v1"])
        try await run(["edit", "--store", store, "notes", "--client", "alice", "format", "0", "5", "bold=true"])
        try await run(["checkpoint", "notes", "--store", store])
        try await run(["edit", "--store", store, "notes", "--client", "carol", "insert", "0", "> "])
        try await run(["edit", "--store", store, "team/plan", "--client", "dave", "insert", "0", "Ship it"])
        try await run(["edit", "--store", store, "team/plan", "--client", "dave", "delete", "0", "5"])
        try await run(["compact", "team/plan", "--store", store, "--before", "head"])
        try await run(["edit", "--store", store, "team/plan", "--client", "erin", "insert", "0", "Now "])
        try await run(["grant", "notes", "alice", "owner", "--as", "alice", "--store", store])
        try await run(["grant", "notes", "bob", "editor", "--as", "alice", "--store", store])
        try await run(["grant", "team/", "dave", "owner", "--as", "dave", "--store", store])
    }

    /// What a user sees of a store: the ops of the document that is not compacted (a
    /// compacted one has no ops to export), each document's text and versions, the audit.
    static func view(_ dir: URL, _ store: String) async throws -> [String] {
        let exported = try await CLI.runOffThePool(["export", "--store", store, "notes"], in: dir)
        #expect(exported.status == 0, "\(exported.stderr)")
        var seen = [exported.stdout]
        for document in ["notes", "team/plan"] {
            seen.append(try await CLI.runOffThePool(["materialize", "--store", store, document, "--format", "json"], in: dir).stdout)
            seen.append(try await CLI.runOffThePool(["versions", "--store", store, document, "--json"], in: dir).stdout)
            seen.append(try await CLI.runOffThePool(["audit", document, "--json", "--store", store], in: dir).stdout)
        }
        return seen
    }

    @Test func aDirectoryStoreGoesToPostgreSQLAndBackUnchanged() async throws {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        try await Self.makeStore(dir, "first")
        let there = try await CLI.runOffThePool(["store", "copy", "first", url, "--json"], in: dir)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains(#""documents":2,"#) && there.stdout.contains(#""accessEvents":3}"#), "\(there.stdout)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT string_agg(id, ',' ORDER BY id) FROM collab_documents") == "notes,team/plan")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_tags") == "1")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) > 0 FROM collab_op_ranges WHERE document = 'notes' AND client = 'bob'") == "t")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT base IS NOT NULL FROM collab_documents WHERE id = 'team/plan'") == "t")
        let back = try await CLI.runOffThePool(["store", "copy", url, "second"], in: dir)
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.hasPrefix("copied 2 documents ("), "\(back.stdout)")
        let before = try await Self.view(dir, "first")
        let after = try await Self.view(dir, "second")
        #expect(before == after)
        #expect(before[0].contains("Hello") && before[1].contains("Hello") && before[3].contains("bob") && before[4].contains("Now it"), "\(before)")
        // Every log verifies (ls reports any that does not and exits 1).
        #expect(try await CLI.runOffThePool(["ls", "--store", "second"], in: dir).status == 0)
    }

    @Test func aStoreIsCopiedOnlyIntoAnEmptyOne() async throws {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        try await Self.makeStore(dir, "first")
        #expect(try await CLI.runOffThePool(["store", "copy", "first", url], in: dir).status == 0)
        let again = try await CLI.runOffThePool(["store", "copy", "first", url], in: dir)
        #expect(again.status == 73)
        #expect(again.stderr.hasPrefix("collab: postgres://postgres@"), "\(again.stderr)")
        #expect(again.stderr.contains("is not empty"), "\(again.stderr)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_documents") == "2")
        try await CLI.runOffThePool(["edit", "--store", "other", "x", "--client", "a", "insert", "0", "x"], in: dir)
        let into = try await CLI.runOffThePool(["store", "copy", url, "other"], in: dir)
        #expect(into.status == 73)
        #expect(into.stderr == "collab: other is not empty: a store is copied into an empty one\n")
        #expect(try await CLI.runOffThePool(["materialize", "--store", "other", "x"], in: dir).stdout == "x")
        // A file where the store would go is left alone.
        try Data("keep me".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let file = try await CLI.runOffThePool(["store", "copy", url, "notes.txt"], in: dir)
        #expect(file.status == 73, "\(file.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep me")
    }
}
