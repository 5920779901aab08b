import CollabTestSupport
import Foundation
import Testing

/// The commands on a PostgreSQL store (PostgresTestServer), each doing what it does on a
/// directory store: the same documents give the same answers.
@Suite("Commands on a PostgreSQL store", .timeLimit(.minutes(3)))
struct PostgresCommandTests {
    /// A fresh store with its schema, and a scratch folder to run in.
    static func store() async throws -> (url: String, dir: URL) {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        let made = try await CLI.runOffThePool(["store", "init", url], in: dir)
        #expect(made.status == 0, "\(made.stderr)")
        return (url, dir)
    }

    /// Runs a command that must succeed; its output.
    @discardableResult
    static func run(_ arguments: [String], in dir: URL, stdin: String? = nil, environment: [String: String] = [:]) async throws -> String {
        let result = try await CLI.runOffThePool(arguments, in: dir, stdin: stdin, environment: environment)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return result.stdout
    }

    /// The same edits on a directory store and a PostgreSQL one read back the same through
    /// every reading command.
    @Test func theReadingCommandsAnswerAsOnADirectoryStore() async throws {
        let (url, dir) = try await Self.store()
        let edits: [[String]] = [
            ["edit", "notes", "--client", "alice", "insert", "0", "Hello world"],
            ["edit", "notes", "--client", "bob", "insert", "5", ","],
            ["tag", "notes", "v1", "--message", "first"],
            ["edit", "notes", "--client", "alice", "format", "0", "5", "bold=true"],
            ["checkpoint", "notes"],
            ["edit", "notes", "--client", "carol", "delete", "0", "1"],
            ["edit", "team/plan", "--client", "dave", "insert", "0", "Ship it"],
        ]
        for store in ["collab-data", url] {
            for edit in edits { try await Self.run(edit + ["--store", store], in: dir) }
        }
        func view(_ store: String) async throws -> [String] {
            var seen: [String] = []
            for arguments in [
                ["materialize", "notes", "--format", "json"], ["materialize", "notes", "--format", "markdown"],
                ["materialize", "notes", "--at", "v1"], ["log", "notes", "--json"], ["versions", "notes", "--json"],
                ["blame", "notes"], ["export", "notes"], ["export", "notes", "--format", "rows"],
            ] {
                seen.append(try await Self.run(arguments + ["--store", store], in: dir))
            }
            seen.append(try await Self.run(["export", "--store", store], in: dir))
            // diff exits 1: there are differences.
            let diff = try await CLI.runOffThePool(["diff", "notes", "--from", "v1", "--to", "head", "--store", store], in: dir)
            #expect(diff.status == 1, "\(diff.stderr)")
            seen.append(diff.stdout)
            // ls: the same documents, ops and clients (sizes differ with the times' encodings).
            seen.append(try await Self.run(["ls", "--store", store], in: dir).replacingOccurrences(of: #"\t\d+ bytes"#, with: "", options: .regularExpression))
            return seen
        }
        // The two stores' edits were made at different times (blame shows them to the
        // minute, which a run can cross between the two stores).
        func timeless(_ text: String) -> String {
            text.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT[0-9:.]+Z"#, with: "TIME", options: .regularExpression)
                .replacingOccurrences(of: #"\d{4}-\d\d-\d\d \d\d:\d\d"#, with: "TIME", options: .regularExpression)
                .replacingOccurrences(of: #""wall":\d+"#, with: "WALL", options: .regularExpression)
        }
        let directory = try await view("collab-data").map(timeless)
        let postgres = try await view(url).map(timeless)
        for (a, b) in zip(directory, postgres) { #expect(a == b) }
        #expect(directory.count == postgres.count)
        #expect(postgres[0].contains(#"{"text":"ello","marks":{"bold":true}}"#), "\(postgres[0])")
    }

    @Test func verifyChecksEveryDocumentOfTheStore() async throws {
        let (url, dir) = try await Self.store()
        try await Self.run(["edit", "--store", url, "notes", "--client", "alice", "insert", "0", "Hello"], in: dir)
        try await Self.run(["edit", "--store", url, "plan", "--client", "bob", "insert", "0", "Plan"], in: dir)
        let clean = try await Self.run(["verify", "--store", url, "--json"], in: dir)
        #expect(clean.split(separator: "\n").count == 2 && !clean.contains("corrupt"), "\(clean)")
        // A batch whose bytes do not decode: the store is refused as corrupt, never half-read.
        try await PostgresTestServer.psqlOffThePool(url, "UPDATE collab_batches SET payload = '\\x00ff'::bytea WHERE document = 'plan'")
        let damaged = try await CLI.runOffThePool(["verify", "--store", url], in: dir)
        #expect(damaged.status == 65)
        #expect(damaged.stdout.contains(": plan: corrupt: "), "\(damaged.stdout)")
        let refused = try await CLI.runOffThePool(["materialize", "--store", url, "plan"], in: dir)
        #expect(refused.status == 65 && refused.stdout.isEmpty, "\(refused)")
    }

    /// `apply` and `edit` from several processes at once: every op lands once, and two
    /// edits by one client that raced get different ids (the loser reads again).
    @Test func concurrentWritersAllLand() async throws {
        let (url, dir) = try await Self.store()
        try await Self.run(["edit", "--store", url, "notes", "--client", "alice", "insert", "0", "start"], in: dir)
        let lock = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 6) { k in
            let result = try? CLI.run(["edit", "--store", url, "notes", "--client", "alice", "insert", "0", "\(k)"], in: dir)
            if result?.status != 0 { lock.withLock { failures.append(result?.stderr ?? "did not run") } }
        }
        #expect(failures.isEmpty, "\(failures)")
        let text = try await Self.run(["materialize", "--store", url, "notes"], in: dir)
        #expect(text.count == 11 && text.hasSuffix("start"), "\(text)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_batches WHERE document = 'notes'") == "7")
        // The same ops applied again are known already: nothing is written.
        let ops = try await Self.run(["export", "--store", url, "notes"], in: dir)
        let again = try await Self.run(["apply", "--store", url, "notes", "-", "--json"], in: dir, stdin: ops)
        #expect(again.hasPrefix(#"{"applied":0,"duplicates":7"#), "\(again)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_batches WHERE document = 'notes'") == "7")
    }

    /// Tags are unique by name; a compaction keeps what is shown and refuses ops from
    /// behind its cutoff, as on a directory store.
    @Test func tagsAndCompaction() async throws {
        let (url, dir) = try await Self.store()
        try await Self.run(["edit", "--store", url, "notes", "--client", "alice", "insert", "0", "Hello world"], in: dir)
        try await Self.run(["tag", "notes", "v1", "--store", url], in: dir)
        let twice = try await CLI.runOffThePool(["tag", "notes", "v1", "--store", url], in: dir)
        #expect(twice.status == 64 && twice.stderr.contains("a name is unique"), "\(twice.stderr)")
        try await Self.run(["edit", "--store", url, "notes", "--client", "alice", "delete", "0", "6"], in: dir)
        let before = try await Self.run(["materialize", "--store", url, "notes", "--format", "html"], in: dir)
        let refused = try await CLI.runOffThePool(["compact", "notes", "--store", url, "--before", "head"], in: dir)
        #expect(refused.status == 65 && refused.stderr.contains("--drop-tags"), "\(refused.stderr)")
        let compacted = try await Self.run(["compact", "notes", "--store", url, "--before", "head", "--drop-tags", "--json"], in: dir)
        #expect(compacted.contains(#""opsAfter":0"#) && compacted.contains(#""written":true"#), "\(compacted)")
        #expect(try await Self.run(["materialize", "--store", url, "notes", "--format", "html"], in: dir) == before)
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_batches") == "0")
        // An op made before the compaction, against what it squashed, is refused.
        let behind = #"{"id":{"clientId":"bob","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"block":null,"after":{"clientId":"alice","seq":1},"before":{"clientId":"alice","seq":2},"text":"!"}}"#
        let late = try await CLI.runOffThePool(["apply", "--store", url, "notes", "-"], in: dir, stdin: behind + "\n")
        #expect(late.status == 65, "\(late)")
        try await Self.run(["edit", "--store", url, "notes", "--client", "carol", "insert", "0", "> "], in: dir)
        #expect(try await Self.run(["materialize", "--store", url, "notes"], in: dir) == "> world")
        // Its batches are numbered on from where the log was: a number never means two batches.
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT seq FROM collab_batches") == "3")
        let export = try await CLI.runOffThePool(["export", "--store", url, "notes"], in: dir)
        #expect(export.status == 65 && export.stderr.contains("keeps no copy of the log from before compacting"), "\(export.stderr)")
    }

    /// Grants, access checks, link shares, tokens and the audit trail, kept in the
    /// database; COLLAB_STORE names the store for the commands that default to one.
    @Test func accessControlLivesInTheDatabase() async throws {
        let (url, dir) = try await Self.store()
        let environment = ["COLLAB_STORE": url]
        try await Self.run(["grant", "notes", "alice", "owner", "--as", "alice"], in: dir, environment: environment)
        try await Self.run(["grant", "notes", "bob", "viewer", "--as", "alice"], in: dir, environment: environment)
        let denied = try await CLI.runOffThePool(["edit", "--store", url, "notes", "--as", "bob", "--client", "bob", "insert", "0", "x"], in: dir)
        #expect(denied.status == 77, "\(denied.stderr)")
        try await Self.run(["grant", "notes", "bob", "editor", "--as", "alice"], in: dir, environment: environment)
        try await Self.run(["edit", "--store", url, "notes", "--as", "bob", "--client", "bob", "insert", "0", "x"], in: dir)
        try await Self.run(["revoke", "notes", "bob", "--as", "alice"], in: dir, environment: environment)
        let audit = try await Self.run(["audit", "notes", "--json"], in: dir, environment: environment)
        #expect(audit.split(separator: "\n").count == 4, "\(audit)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_access_events") == "4")
        try await Self.run(["keygen", "-o", "signing.key"], in: dir)
        let token = try await Self.run(["token", "issue", "--user", "alice", "--key-file", "signing.key"], in: dir, environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let check = try await Self.run(["token", "check", token, "notes", "grant", "--key-file", "signing.key"], in: dir, environment: environment)
        #expect(check.hasPrefix("allowed"), "\(check)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_settings WHERE name = 'store-id'") == "1")
        let share = try await Self.run(["share", "create", "notes", "--level", "viewer", "--expires", "1d", "--key-file", "signing.key", "--as", "alice", "--json"], in: dir, environment: environment)
        #expect(share.contains(#""token":"#), "\(share)")
        // Nothing was written into the working folder: no collab-data was made.
        #expect(!FileManager.default.fileExists(atPath: dir.file("collab-data").path))
    }

    /// A store export imported into PostgreSQL and exported again is the same, access
    /// events included.
    @Test func importAndExportRoundTrip() async throws {
        let (url, dir) = try await Self.store()
        for edit in [["notes", "--client", "alice", "insert", "0", "Hello"], ["plan", "--client", "bob", "insert", "0", "Plan"]] {
            try await Self.run(["edit", "--store", "first"] + edit, in: dir)
        }
        try await Self.run(["grant", "notes", "alice", "owner", "--as", "alice", "--store", "first"], in: dir)
        let exported = try await Self.run(["export", "--store", "first"], in: dir)
        try dir.write("store.jsonl", exported)
        try await Self.run(["import", "--format", "jsonl", "store.jsonl", "--store", url], in: dir)
        #expect(try await Self.run(["export", "--store", url], in: dir) == exported)
        let again = try await CLI.runOffThePool(["import", "--format", "jsonl", "store.jsonl", "--store", url], in: dir)
        #expect(again.status == 73, "\(again.stderr)")
        try await Self.run(["import", "--format", "jsonl", "store.jsonl", "--store", url, "--force"], in: dir)
        #expect(try await Self.run(["export", "--store", url], in: dir) == exported)
    }

    @Test func unreachableAndMalformedStoresExitAsDocumented() async throws {
        let dir = try CLI.scratch()
        let malformed = try await CLI.runOffThePool(["materialize", "--store", "postgres://nobody@/x", "notes"], in: dir)
        #expect(malformed.status == 64 && malformed.stderr.hasPrefix("collab: not a store URL: "), "\(malformed.stderr)")
        let unreachable = try await CLI.runOffThePool(["ls", "--store", "postgres://collab@127.0.0.1:1/collab"], in: dir)
        #expect(unreachable.status == 69 && unreachable.stderr.hasPrefix("collab: cannot reach PostgreSQL at postgres://collab@127.0.0.1:1/collab: "), "\(unreachable.stderr)")
        let repair = try await CLI.runOffThePool(["repair", "--store", "postgres://collab@127.0.0.1:1/collab", "notes"], in: dir)
        #expect(repair.status == 64 && repair.stderr.contains("repair works on .clog files"), "\(repair.stderr)")
    }
}
