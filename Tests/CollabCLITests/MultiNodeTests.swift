import CollabCore
import CollabLog
import CollabProtocol
import CollabServer
import CollabTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A value shared with a task started before it is known.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Several `collab serve` processes on one PostgreSQL store (docs/postgres.md), with
/// clients on each, as a load balancer would spread them.
@Suite("Several servers on one PostgreSQL store", .serialized, .timeLimit(.minutes(4)))
struct MultiNodeTests {
    typealias ServeProcess = ServeCommandTests.ServeProcess

    /// A store with its schema, a key, alice as owner of `notes`, and her token.
    struct Setup: Sendable {
        let url: String
        let dir: URL
        let token: String

        static func make(url: String? = nil) async throws -> Setup {
            try await RawWebSocket.offThePool { try Setup(url: url) }
        }

        private init(url given: String?) throws {
            url = try given ?? PostgresTestServer.freshDatabase()
            dir = try CLI.scratch()
            for arguments in [
                ["store", "init", url], ["keygen", "-o", "signing.key"], ["grant", "notes", "alice", "owner", "--as", "alice", "--store", url],
            ] {
                let result = try CLI.run(arguments, in: dir)
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
            }
            token = try CLI.run(["token", "issue", "--user", "alice", "--key-file", "signing.key", "--store", url], in: dir).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func node(environment: [String: String] = [:]) async throws -> ServeProcess {
            let (dir, url) = (dir, url)
            return try await RawWebSocket.offThePool { try ServeProcess(in: dir, ["--store", url, "--key-file", "signing.key"], environment: environment) }
        }

        func text() async throws -> String {
            try await run(["materialize", "--store", url, "notes"]).stdout
        }

        func run(_ arguments: [String]) async throws -> CollabRun {
            try await CLI.runOffThePool(arguments, in: dir)
        }
    }

    /// What one client did: the characters it had acknowledged, and the ops of other
    /// clients it was sent (as `client:seq`).
    struct Typed {
        var acknowledged: [Int] = []
        /// The ops acknowledged, in order: what the client holds for sure.
        var acknowledgedOps: [Op] = []
        var heard: Set<String> = []
        /// The errors the server sent.
        var errors: [String] = []
    }

    /// One client on one server, as an editor is: it keeps the document (from its join's
    /// catch-up and the ops it is sent), and types `count` characters at the start, one
    /// after another (each sent when the last is acknowledged). It listens until it has
    /// heard `expecting` of others' ops, or `timeout` passed, or the server went away, or
    /// refused an op (the refusal is kept).
    /// With `resuming`, the client goes on from those ops, joining with their version as
    /// `since`, as a client that moves to another server does.
    static func type(
        _ count: Int, as client: String, on url: String, token: String, resuming: [Op]? = nil, expecting: Int = 0,
        timeout: Duration = .seconds(20)
    ) async throws -> Typed {
        let connection = ProtocolClient(url: url, token: token)
        let deadline = Task {
            try await Task.sleep(for: timeout)
            connection.cancel()
        }
        defer { deadline.cancel() }
        var typed = Typed()
        let document = Document()
        for op in resuming ?? [] { try document.apply(op) }
        let since = resuming.map { _ in document.version }
        var sent: [Op] = []
        var inbox = connection.messages.makeAsyncIterator()
        func send() throws {
            let start = document.historyCount
            _ = try document.insert("x", at: 0, by: client, timestamp: document.tick(now: Int64(Date().timeIntervalSince1970 * 1000)))
            sent = document.history(from: start)
            connection.send(ClientMessage.ops(docId: "notes", ops: sent).json)
        }
        while let text = await inbox.next() {
            guard case .object(let fields) = try JSONParser.parse(text), case .string(let type)? = fields["type"] else { continue }
            switch type {
            case "auth_ok": connection.send(ClientMessage.join(docId: "notes", since: since, replica: nil).json)
            case "sync_response", "ops":
                if case .array(let ops)? = fields["ops"] {
                    for value in ops {
                        let op = try OpJSON.decode(value)
                        try document.apply(op)
                        if op.id.client != client { typed.heard.insert("\(op.id.client):\(op.id.seq)") }
                    }
                }
                if type == "sync_response", case .bool(true)? = fields["last"], sent.isEmpty, count > 0 { try send() }
            case "ack":
                typed.acknowledged.append(sent[0].id.seq)
                typed.acknowledgedOps += sent
                if typed.acknowledged.count < count { try send() }
            case "error":
                typed.errors.append(text)
                if text.contains(#""code":"unavailable""#) || text.contains(#""code":"invalid_op""#) { break }
            default: break
            }
            if !typed.errors.isEmpty || (typed.acknowledged.count >= count && typed.heard.count >= expecting) { break }
        }
        return typed
    }

    /// Each server with a pool of two connections: they wait for each other's
    /// connections, never for more, and never stop.
    @Test func clientsOnTwoServersConverge() async throws {
        let setup = try await Setup.make()
        let small = ["COLLAB_POSTGRES_CONNECTIONS": "2"]
        let (a, b) = (try await setup.node(environment: small), try await setup.node(environment: small))
        defer {
            a.kill(SIGTERM)
            b.kill(SIGTERM)
        }
        async let first = Self.type(40, as: "alice/a", on: a.url, token: setup.token, expecting: 40)
        async let second = Self.type(40, as: "alice/b", on: b.url, token: setup.token, expecting: 40)
        let (typedOnA, typedOnB) = try await (first, second)
        #expect(typedOnA.acknowledged.count == 40 && typedOnB.acknowledged.count == 40)
        // Each heard every op of the other, though they were written through another server.
        #expect(typedOnA.heard == Set((0..<40).map { "alice/b:\($0)" }))
        #expect(typedOnB.heard == Set((0..<40).map { "alice/a:\($0)" }))
        // Two servers, each with two pooled connections and a listener's, and this query's.
        let url = setup.url
        let connections = try await RawWebSocket.offThePool { try PostgresTestServer.psql(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") }
        #expect(Int(connections).map { $0 <= 7 } == true, "\(connections) connections")
        #expect(try await setup.text().count == 80)
        let verified = try await setup.run(["verify", "--store", setup.url])
        #expect(verified.status == 0, "\(verified.stdout)")
        // Metrics say how long the database took; health says it answers.
        let health = try await RawWebSocket.exchange(port: a.port, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(health.head.hasPrefix("HTTP/1.1 200") && health.body == "ok\n", "\(health)")
        let metrics = try await RawWebSocket.exchange(port: b.port, Array("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(metrics.body.contains("collab_database_latency_seconds_count"), "\(metrics.body.prefix(300))")
    }

    /// An operator's `collab edit` on the store reaches the clients of both servers.
    @Test func anOfflineEditReachesEveryServersClients() async throws {
        let setup = try await Setup.make()
        let (a, b) = (try await setup.node(), try await setup.node())
        defer {
            a.kill(SIGTERM)
            b.kill(SIGTERM)
        }
        async let onA = Self.type(1, as: "alice/a", on: a.url, token: setup.token, expecting: 2, timeout: .seconds(10))
        async let onB = Self.type(1, as: "alice/b", on: b.url, token: setup.token, expecting: 2, timeout: .seconds(10))
        // Both have joined (and typed) before the edit is made.
        try await Task.sleep(for: .seconds(1))
        let edited = try await setup.run(["edit", "--store", setup.url, "notes", "--client", "alice/op", "insert", "0", "!"])
        #expect(edited.status == 0, "\(edited.stderr)")
        let madeAt = ContinuousClock.now
        let (typedOnA, typedOnB) = try await (onA, onB)
        #expect(ContinuousClock.now - madeAt < .seconds(1))
        #expect(typedOnA.heard.contains("alice/op:0") && typedOnB.heard.contains("alice/op:0"), "\(typedOnA.heard) \(typedOnB.heard)")
    }

    /// The pages' history API on a PostgreSQL store: a tag made through one server is a
    /// name the other refuses again and lists, and a restore through the other changes
    /// what the store holds.
    @Test func tagsAndRestoresThroughEitherServer() async throws {
        let setup = try await Setup.make()
        for text in ["Hello", " world"] {
            let edited = try await setup.run(["edit", "--store", setup.url, "notes", "--client", "alice", "insert", "0", text])
            #expect(edited.status == 0, "\(edited.stderr)")
        }
        let (a, b) = (try await setup.node(), try await setup.node())
        defer {
            a.kill(SIGTERM)
            b.kill(SIGTERM)
        }
        func request(_ node: ServeProcess, _ path: String, posting body: String? = nil) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(node.port)\(path)")!)
            request.setValue("Bearer \(setup.token)", forHTTPHeaderField: "Authorization")
            if let body {
                request.httpMethod = "POST"
                request.httpBody = Data(body.utf8)
            }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
        }
        let tagged = try await request(a, "/api/v2/tags/notes", posting: #"{"name":"one","at":"@1"}"#)
        #expect(tagged.0 == 201, "\(tagged.1)")
        let again = try await request(b, "/api/v2/tags/notes", posting: #"{"name":"one"}"#)
        #expect(again.0 == 409, "\(again.1)")
        let versions = try await request(b, "/api/v2/history/notes")
        #expect(versions.1.contains(#""name":"one","at":"@1""#), "\(versions.1)")
        let restored = try await request(b, "/api/v2/restore/notes", posting: #"{"at":"one"}"#)
        #expect(restored.0 == 200, "\(restored.1)")
        let text = try await setup.text()
        #expect(text == "Hello", "\(text.debugDescription)")
    }

    /// `kill -9` of a server while its client types: every acknowledged op is in the
    /// store, and the client, moving to the other server with `since`, goes on from there.
    @Test func killingAServerLosesNoAcknowledgedOp() async throws {
        let setup = try await Setup.make()
        let (a, b) = (try await setup.node(), try await setup.node())
        defer { b.kill(SIGTERM) }
        let killer = Task {
            try await Task.sleep(for: .milliseconds(700))
            a.kill()
        }
        let typed = try await Self.type(100_000, as: "alice/a", on: a.url, token: setup.token, timeout: .seconds(5))
        try await killer.value
        #expect(typed.acknowledged.count > 10, "only \(typed.acknowledged.count) acknowledged")
        // Every character is one of alice/a's ops, typed in order.
        let version = VersionVector(["alice/a": try await setup.text().count])
        #expect(version["alice/a"] >= (typed.acknowledged.last ?? 0) + 1, "the store has \(version), the client had \(typed.acknowledged.count) acknowledged")
        let afterwards = try await Self.type(5, as: "alice/a", on: b.url, token: setup.token, resuming: typed.acknowledgedOps)
        #expect(afterwards.acknowledged.first == version["alice/a"])
        #expect(try await setup.text().count == version["alice/a"] + 5)
        #expect(try await setup.run(["verify", "--store", setup.url]).status == 0)
    }

    /// A compaction while both servers serve: both read the document again and their
    /// clients go on typing. An op made concurrently with ops the compaction squashed
    /// may be refused (invalid_op: behind the cutoff); every acknowledged op is kept.
    @Test func aCompactionWhileServingLosesNothing() async throws {
        let setup = try await Setup.make()
        let (a, b) = (try await setup.node(), try await setup.node())
        defer {
            a.kill(SIGTERM)
            b.kill(SIGTERM)
        }
        let compacted = Task {
            try await Task.sleep(for: .milliseconds(500))
            return try await setup.run(["compact", "--store", setup.url, "notes", "--before", "head"])
        }
        async let onA = Self.type(60, as: "alice/a", on: a.url, token: setup.token)
        async let onB = Self.type(60, as: "alice/b", on: b.url, token: setup.token)
        let (typedOnA, typedOnB) = try await (onA, onB)
        let compaction = try await compacted.value
        #expect(compaction.status == 0, "\(compaction.stderr)")
        for typed in [typedOnA, typedOnB] {
            #expect(typed.acknowledged.count == 60 || typed.errors.allSatisfy { $0.contains("compaction") }, "\(typed.errors)")
        }
        #expect(typedOnA.acknowledged.count + typedOnB.acknowledged.count > 60)
        #expect(try await setup.text().count == typedOnA.acknowledged.count + typedOnB.acknowledged.count)
        #expect(try await setup.run(["verify", "--store", setup.url]).status == 0)
        let url = setup.url
        #expect(try await RawWebSocket.offThePool { try PostgresTestServer.psql(url, "SELECT base IS NOT NULL FROM collab_documents WHERE id = 'notes'") } == "t")
    }

    /// An import that replaces a document while a server serves it (`--force`): the
    /// server reads the new log again (its generation moved), and writes back the ops it
    /// had acknowledged that the new log lacks (an acknowledged op is never lost), as it
    /// does after a salvage on a directory store.
    @Test func anImportReplacingADocumentWhileServingIsReadAgain() async throws {
        let setup = try await Setup.make()
        let a = try await setup.node()
        defer { a.kill(SIGTERM) }
        let before = try await Self.type(3, as: "alice/a", on: a.url, token: setup.token)
        #expect(before.acknowledged.count == 3)
        let op = #"{"id":{"clientId":"alice/x","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"block":null,"after":null,"before":null,"text":"NEW"}}"#
        try setup.dir.write("new.jsonl", op + "\n")
        let imported = try await setup.run(["import", "--format", "jsonl", "new.jsonl", "--store", setup.url, "--document", "notes", "--force"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let after = try await Self.type(2, as: "alice/b", on: a.url, token: setup.token, timeout: .seconds(10))
        #expect(after.acknowledged.count == 2, "\(after.errors)")
        #expect(after.heard == ["alice/x:0", "alice/a:0", "alice/a:1", "alice/a:2"], "\(after.heard)")
        let text = try await setup.text()
        #expect(text.count == 8 && text.contains("NEW"), "\(text)")
        #expect(try await setup.run(["verify", "--store", setup.url]).status == 0)
    }

    /// A grant revoked with `collab revoke` on one machine closes the sessions it allowed
    /// on every server within a second.
    @Test func aRevocationAppliesOnEveryServerWithinASecond() async throws {
        let setup = try await Setup.make()
        let (a, b) = (try await setup.node(), try await setup.node())
        defer {
            a.kill(SIGTERM)
            b.kill(SIGTERM)
        }
        #expect(try await setup.run(["grant", "notes", "bob", "editor", "--as", "alice", "--store", setup.url]).status == 0)
        let bob = try await setup.run(["token", "issue", "--user", "bob", "--key-file", "signing.key", "--store", setup.url]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        /// Bob follows `notes` on a server; how long after `revokedAt` (set once both
        /// have joined) his session was ended.
        let joined = AsyncStream<Void>.makeStream()
        let revokedAt = Locked<ContinuousClock.Instant?>(nil)
        @Sendable func follow(_ node: ServeProcess) async -> Duration? {
            let connection = ProtocolClient(url: node.url, token: bob)
            let watchdog = AnswerWatchdog(connection, timeout: .seconds(10))
            defer { watchdog.stop() }
            var inbox = connection.messages.makeAsyncIterator()
            while let text = await inbox.next() {
                if text.contains(#""type":"auth_ok""#) { connection.send(ClientMessage.join(docId: "notes", since: nil, replica: nil).json) }
                if text.contains(#""type":"sync_response""#) { joined.continuation.yield() }
                if text.contains(#""code":"revoked""#), let at = revokedAt.value { return ContinuousClock.now - at }
            }
            return nil
        }
        async let onA = follow(a)
        async let onB = follow(b)
        var joins = joined.stream.makeAsyncIterator()
        _ = await joins.next()
        _ = await joins.next()
        revokedAt.value = .now
        let revoke = try await setup.run(["revoke", "notes", "bob", "--as", "alice", "--store", setup.url])
        #expect(revoke.status == 0, "\(revoke.stderr)")
        let (afterOnA, afterOnB) = await (onA, onB)
        // Within a second of the revocation landing (the command itself takes some of it).
        #expect(afterOnA != nil && afterOnA! < .seconds(1.5), "\(String(describing: afterOnA))")
        #expect(afterOnB != nil && afterOnB! < .seconds(1.5), "\(String(describing: afterOnB))")
    }

    /// Presence crosses servers: a client on one sees the other's join and cursor.
    @Test func presenceCrossesServers() async throws {
        let setup = try await Setup.make()
        let (a, b) = (try await setup.node(), try await setup.node())
        defer {
            a.kill(SIGTERM)
            b.kill(SIGTERM)
        }
        let watcher = ProtocolClient(url: b.url, token: setup.token)
        var inbox = watcher.messages.makeAsyncIterator()
        var sawJoin = false
        var sawName = false
        let typist = Task { try await Self.type(1, as: "alice/a", on: a.url, token: setup.token, timeout: .seconds(5)) }
        var named = false
        while let text = await inbox.next() {
            if text.contains(#""type":"auth_ok""#) { watcher.send(ClientMessage.join(docId: "notes", since: nil, replica: nil).json) }
            if text.contains(#""type":"sync_response""#) && !named {
                named = true
                // A second client on server A, with a name: b's watcher must hear it.
                let other = ProtocolClient(url: a.url, token: setup.token)
                var otherInbox = other.messages.makeAsyncIterator()
                Task {
                    while let message = await otherInbox.next() {
                        if message.contains(#""type":"auth_ok""#) { other.send(ClientMessage.join(docId: "notes", since: nil, replica: nil).json) }
                        if message.contains(#""type":"sync_response""#) {
                            other.send(#"{"type":"presence","docId":"notes","name":"Alice on A"}"#)
                        }
                    }
                }
            }
            if text.contains(#""type":"presence""#) && text.contains(#""state":"joined""#) { sawJoin = true }
            if text.contains(#""name":"Alice on A""#) { sawName = true }
            if sawJoin && sawName { break }
        }
        #expect(sawJoin && sawName)
        _ = try? await typist.value
    }

    /// The database stops under a server and starts again: meanwhile writes are refused
    /// as unavailable, and afterwards the server takes writes again by itself.
    @Test func aDatabaseRestartIsRefusedThenRecoveredFrom() async throws {
        let cluster = try await RawWebSocket.offThePool { try PostgresTestServer.privateCluster() }
        defer { PostgresTestServer.stop(cluster) }
        let url = String(cluster.prefix { $0 != "#" })
        let setup = try await Setup.make(url: url)
        let a = try await setup.node()
        defer { a.kill(SIGTERM) }
        let before = try await Self.type(5, as: "alice/a", on: a.url, token: setup.token)
        #expect(before.acknowledged.count == 5)
        try await RawWebSocket.offThePool { try PostgresTestServer.down(cluster) }
        let health = try await RawWebSocket.exchange(port: a.port, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(health.head.hasPrefix("HTTP/1.1 503"), "\(health.head)")
        // A write while the database is away is refused, not acknowledged.
        let connection = ProtocolClient(url: a.url, token: setup.token)
        var inbox = connection.messages.makeAsyncIterator()
        var refusal: String?
        while let text = await inbox.next() {
            if text.contains(#""type":"auth_ok""#) { connection.send(ClientMessage.join(docId: "notes", since: nil, replica: nil).json) }
            if text.contains(#""type":"sync_response""#) {
                let op = Op(id: OpId("alice/a", 5), timestamp: Timestamp(wall: 1), payload: .textInsert(TextInsert(after: OpId("alice/a", 4), before: nil, text: "x")))
                connection.send(ClientMessage.ops(docId: "notes", ops: [op]).json)
            }
            if text.contains(#""type":"ack""#) || text.contains(#""type":"error""#) {
                refusal = text
                break
            }
        }
        #expect(refusal?.contains(#""code":"unavailable""#) == true, "\(refusal ?? "nothing")")
        try await RawWebSocket.offThePool { try PostgresTestServer.up(cluster) }
        // Back by itself: the same client id goes on from what the store holds.
        var after = Typed()
        for _ in 0..<20 where after.acknowledged.count < 5 {
            try await Task.sleep(for: .milliseconds(250))
            after = (try? await Self.type(5, as: "alice/a", on: a.url, token: setup.token, resuming: before.acknowledgedOps, timeout: .seconds(3))) ?? Typed()
        }
        #expect(after.acknowledged == [5, 6, 7, 8, 9])
        #expect(try await setup.text().count == 10)
    }
}
