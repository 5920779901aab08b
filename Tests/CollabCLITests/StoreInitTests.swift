import CollabTestSupport
import Foundation
import Testing

/// `collab store init` against a real PostgreSQL (PostgresTestServer).
@Suite("collab store init", .timeLimit(.minutes(3)))
struct StoreInitTests {
    static let tables = "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'collab\\_%'"

    @Test func createsTheSchemaOnceAndThenFindsItUpToDate() async throws {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        let first = try await CLI.runOffThePool(["store", "init", url, "--json"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains(#""schemaVersion":3,"previousVersion":0,"applied":[1,2,3]"#), "\(first.stdout)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, Self.tables) == "9")
        let again = try await CLI.runOffThePool(["store", "init", url], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasSuffix("schema at version 3, up to date\n"), "\(again.stdout)")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT string_agg(version::text, ',' ORDER BY version) FROM collab_schema") == "1,2,3")
    }

    @Test func severalAtOnceApplyEachMigrationOnce() async throws {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        let lock = NSLock()
        nonisolated(unsafe) var all: [CollabRun] = []
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            guard let result = try? CLI.run(["store", "init", url, "--json"], in: dir) else { return }
            lock.withLock { all.append(result) }
        }
        #expect(all.count == 4 && all.allSatisfy { $0.status == 0 }, "\(all.map(\.stderr))")
        #expect(all.filter { $0.stdout.contains(#""applied":[1,2,3]"#) }.count == 1, "\(all.map(\.stdout))")
        #expect(try await PostgresTestServer.psqlOffThePool(url, "SELECT count(*) FROM collab_schema") == "3")
    }

    @Test func aSchemaNewerThanThisCollabIsRefused() async throws {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        #expect(try await CLI.runOffThePool(["store", "init", url], in: dir).status == 0)
        try await PostgresTestServer.psqlOffThePool(url, "INSERT INTO collab_schema (version, name) VALUES (99, 'from the future')")
        let refused = try await CLI.runOffThePool(["store", "init", url], in: dir)
        #expect(refused.status == 69)
        #expect(refused.stderr.hasPrefix("collab: the store's schema is version 99, newer than this collab knows (3)"), "\(refused.stderr)")
    }

    @Test func badURLsAndUnreachableServersSaySo() async throws {
        let dir = try CLI.scratch()
        for bad in ["postgres://127.0.0.1/db", "postgres://user@/db", "postgres://user@host", "postgres://user@host:99999/db"] {
            let refused = try await CLI.runOffThePool(["store", "init", bad], in: dir)
            #expect(refused.status == 64, "\(bad): \(refused.stderr)")
            #expect(refused.stderr.hasPrefix("collab: not a store URL: \(bad): "), "\(refused.stderr)")
        }
        #expect(try await CLI.runOffThePool(["store", "init", "/srv/collab"], in: dir).stderr.contains("a directory store needs no init"))
        // A port nothing listens on.
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(socket)
        let unreachable = try await CLI.runOffThePool(["store", "init", "postgres://collab@127.0.0.1:\(port)/collab"], in: dir)
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.hasPrefix("collab: cannot reach PostgreSQL at postgres://collab@127.0.0.1:\(port)/collab: "), "\(unreachable.stderr)")
    }

    /// A store made by an older collab is refused by the commands, with the way out, until
    /// `store init` migrates it; what it held is still there afterwards.
    @Test func anOlderSchemaIsMigratedAndKeepsItsDocuments() async throws {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        #expect(try await CLI.runOffThePool(["store", "init", url], in: dir).status == 0)
        #expect(try await CLI.runOffThePool(["edit", "--store", url, "notes", "--client", "alice", "insert", "0", "kept"], in: dir).status == 0)
        // Back to version 1, as a collab of that version left it.
        try await PostgresTestServer.psqlOffThePool(url, "DROP FUNCTION collab_append; ALTER TABLE collab_documents DROP COLUMN generation; DROP TABLE collab_settings; DELETE FROM collab_schema WHERE version > 1")
        let refused = try await CLI.runOffThePool(["materialize", "--store", url, "notes"], in: dir)
        #expect(refused.status == 69)
        #expect(refused.stderr.contains("has schema version 1, older than this collab's (3): `collab store init "), "\(refused.stderr)")
        let migrated = try await CLI.runOffThePool(["store", "init", url, "--json"], in: dir)
        #expect(migrated.stdout.contains(#""schemaVersion":3,"previousVersion":1,"applied":[2,3]"#), "\(migrated.stdout)")
        #expect(try await CLI.runOffThePool(["materialize", "--store", url, "notes"], in: dir).stdout == "kept")
    }

    /// A database without the schema is no store yet: commands say how to make one, and
    /// make nothing themselves.
    @Test func aDatabaseWithoutTheSchemaIsRefusedWithTheWayOut() async throws {
        let url = try await PostgresTestServer.freshDatabaseOffThePool()
        let dir = try CLI.scratch()
        for arguments in [["ls", "--store", url], ["edit", "--store", url, "notes", "--client", "a", "insert", "0", "x"]] {
            let refused = try await CLI.runOffThePool(arguments, in: dir)
            #expect(refused.status == 69, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains("holds no collab store: `collab store init "), "\(refused.stderr)")
        }
        #expect(try await PostgresTestServer.psqlOffThePool(url, Self.tables) == "0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// A PostgreSQL store has no folder for a signing key: `serve` asks for one rather
    /// than take the URL for a directory and make one.
    @Test func serveOnPostgreSQLNeedsAKeyFileAndMakesNothing() async throws {
        let dir = try CLI.scratch()
        let url = "postgres://collab@127.0.0.1:5432/collab"
        let refused = try await CLI.runOffThePool(["serve", "--store", url, "--port", "0"], in: dir)
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("collab: a PostgreSQL store has no folder for a signing key: pass --key-file"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
