import CollabAccess
import CollabCore
import CollabLog
import CollabServer
import CollabStorage
import CollabTestSupport
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import NIOWebSocket
import Testing

/// `collab serve` end to end, on an ephemeral loopback port, with real WebSocket clients.
@Suite("Server", .timeLimit(.minutes(2)))
struct ServerTests {
    static func isAck(_ message: String) -> Bool { message.contains(#""type":"ack""#) }
    static func isOps(_ message: String) -> Bool { message.hasPrefix(#"{"type":"ops""#) }
    static func isError(_ code: String) -> (String) -> Bool { { $0.contains(#""type":"error""#) && $0.contains(#""code":""# + code + "\"") } }

    @Test func aConnectionIsToldWhoItIsAndAJoinGetsTheDocument() async throws {
        try await ServerHarness.run { server in
            let vic = TestClient(ProtocolClient(url: server.url, token: try await server.token("vic")))
            #expect(try await vic.next().hasPrefix(#"{"type":"auth_ok","user":"vic","expiresAt":"#))
            vic.send(Wire.join())
            #expect(try await vic.next() == #"{"type":"sync_response","docId":"notes","ops":[],"version":{},"last":true}"#)
        }
    }

    @Test func editsAreAcknowledgedPassedOnAndCaughtUpByALateJoiner() async throws {
        try await ServerHarness.run { server in
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            _ = try await bob.next()
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "hello")]))
            #expect(try await alice.next(Self.isAck) == #"{"type":"ack","docId":"notes","opIds":["alice:0"]}"#)
            // Acknowledged means in the log.
            #expect(try server.logged().text == "hello")
            #expect(try await bob.next(Self.isOps).contains(#""text":"hello""#))
            // A late joiner with nothing gets everything; one that has alice:0-4 nothing.
            let vic = try await server.connect("vic")
            vic.send(Wire.join())
            #expect(try await vic.next().contains(#""text":"hello""#))
            vic.send(#"{"type":"sync_request","docId":"notes","since":{"alice":5}}"#)
            #expect(try await vic.next { $0.contains("sync_response") } == #"{"type":"sync_response","docId":"notes","ops":[],"version":{"alice":5},"last":true}"#)
        }
    }

    @Test func refusedBatchesGetAnErrorAndLeaveNothingBehind() async throws {
        try await ServerHarness.run { server in
            let vic = try await server.connect("vic")
            vic.send(Wire.join())
            vic.send(Wire.ops([Wire.insert("vic", 0, after: nil, "x")]))
            #expect(try await vic.next(Self.isError("forbidden")).contains("viewer"))
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            bob.send(Wire.ops([Wire.insert("alice", 0, after: nil, "x")]))
            #expect(try await bob.next(Self.isError("forbidden")).contains("not one of bob's"))
            bob.send("{nope")
            #expect(try await bob.next().contains(#""code":"bad_message""#))
            bob.send(#"{"type":"ops","docId":"notes","ops":[{"id":1}]}"#)
            #expect(try await bob.next().contains(#""code":"invalid_op""#))
            // Names a character nobody has: the engine refuses it.
            bob.send(Wire.ops([Wire.insert("bob", 0, after: OpId("zed", 9), "x")]))
            #expect(try await bob.next().contains(#""code":"invalid_op""#))
            // A clock far in the future would win last-writer-wins against every later edit.
            let future = Op(
                id: OpId("bob", 0), timestamp: Timestamp(wall: Int64.max),
                payload: .textInsert(TextInsert(after: nil, before: nil, text: "x")))
            bob.send(Wire.ops([future]))
            let skewed = try await bob.next()
            #expect(skewed.contains(#""code":"invalid_op""#) && skewed.contains("op bob:0 is stamped") && skewed.contains("the limit is 5 min"), "\(skewed)")
            #expect(try server.logged().version == VersionVector())
            // The connection is still up and works.
            bob.send(Wire.ops([Wire.insert("bob", 0, after: nil, "ok")]))
            _ = try await bob.next(Self.isAck)
            #expect(try server.logged().text == "ok")
        }
    }

    @Test func aCommenterMayCommentButNotEdit() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "hello")]))
            _ = try await alice.next(Self.isAck)
            let carol = try await server.connect("carol")
            carol.send(Wire.join())
            carol.send(Wire.ops([Wire.insert("carol", 0, after: OpId("alice", 4), "!")]))
            _ = try await carol.next(Self.isError("forbidden"))
            let comment = Op(
                id: OpId("carol", 0), timestamp: Timestamp(wall: 2),
                payload: .comment(.add(start: MarkAnchor(OpId("alice", 0), .before), end: MarkAnchor(OpId("alice", 4), .after), replyTo: nil, text: "nice")))
            carol.send(Wire.ops([comment]))
            #expect(try await carol.next(Self.isAck).contains("carol:0"))
            let logged = try server.logged()
            #expect(logged.text == "hello" && logged.version == VersionVector(["alice": 5, "carol": 1]))
        }
    }

    /// Two, then ten, clients type and delete at random into one document, each from its
    /// own replica; one of them drops off, edits offline, and comes back with `since`.
    @Test(arguments: [2, 10])
    func clientsEditingAtOnceConverge(clients: Int) async throws {
        try await ServerHarness.run { server in
            for k in 0..<clients { try server.grant("typist\(k)", .editor) }
            let replicas = try await withThrowingTaskGroup(of: Replica.self) { group in
                for k in 0..<clients {
                    group.addTask {
                        let replica = try await Replica(server, user: "typist\(k)", seed: UInt64(k))
                        for round in 0..<15 {
                            try replica.absorb()
                            try await replica.editAndSend()
                            if k == 1 && round == 7 {
                                // Offline: disconnect, edit, reconnect with what it has.
                                try await replica.reconnect(afterOfflineEdits: 3)
                            }
                            try await Task.sleep(for: .milliseconds(Int.random(in: 0...15)))
                        }
                        try await replica.awaitAcks()
                        return replica
                    }
                }
                return try await group.reduce(into: [Replica]()) { $0.append($1) }
            }
            // Every edit is acknowledged, so in the log: each replica must come to it.
            var texts: [String] = []
            for replica in replicas { texts.append(try await replica.settle()) }
            let logged = try server.logged().text
            #expect(Set(texts) == [logged], "\(texts.count) replicas")
            #expect(logged.count > 10 * clients)
        }
    }

    @Test func aTornTailLeftByACrashIsCutOffWhenTheDocumentOpens() async throws {
        try await ServerHarness.run { server in
            let path = try DocumentStore(server.store).prepare(for: "notes")
            try OpLogFile.write([Wire.insert("alice", 0, after: nil, "hello")], to: path, format: .clog, documentId: "notes")
            try ClogLog.append([Wire.insert("alice", 5, after: OpId("alice", 4), " world")], to: path)
            // The crash: the last record only partly on disk (never acknowledged).
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            #expect(truncate(path, off_t(size - 3)) == 0)
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            let response = try await bob.next()
            #expect(response.contains(#""text":"hello""#) && !response.contains("world"), "\(response)")
            let kept = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            #expect(kept.contains { $0.contains(".torn-") }, "\(kept)")
            bob.send(Wire.ops([Wire.insert("bob", 0, after: OpId("alice", 4), "!")]))
            _ = try await bob.next(Self.isAck)
            #expect(try server.logged().text == "hello!")
        }
    }

    /// What a replica says it holds when it joins with `since` is recorded in the log,
    /// for `compact --stable`; a replica id that is not the user's is refused.
    @Test func aReplicasAcknowledgedVersionIsRecordedInTheLog() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "hello")]))
            _ = try await alice.next(Self.isAck)
            let bob = try await server.connect("bob")
            bob.send(#"{"type":"join","docId":"notes","replica":"alice"}"#)
            #expect(try await bob.next(Self.isError("forbidden")).contains("replica alice is not one of bob's"))
            bob.send(#"{"type":"join","docId":"notes","since":{"alice":3},"replica":"bob/phone"}"#)
            _ = try await bob.next { $0.contains("sync_response") }
            // The same version again is not recorded twice; a newer one is.
            bob.send(#"{"type":"join","docId":"notes","since":{"alice":3},"replica":"bob/phone"}"#)
            _ = try await bob.next { $0.contains("sync_response") }
            bob.send(#"{"type":"join","docId":"notes","since":{"alice":5,"zed":9},"replica":"bob/phone"}"#)
            _ = try await bob.next { $0.contains("sync_response") }
            let path = try DocumentStore(server.store).path(for: "notes")
            let recorded = try ClogLog.records(ofType: .replicaVersion, in: path).compactMap(ReplicaAcknowledgement.decode)
            #expect(recorded.map(\.replica) == ["bob/phone", "bob/phone"])
            // Only what the log has counts: zed is unknown to it.
            #expect(recorded.map(\.version) == [VersionVector(["alice": 3]), VersionVector(["alice": 5])])
            // The log still reads (the records are skippable) and shows the same.
            #expect(try server.logged().text == "hello")
        }
    }

    @Test func presenceIsPassedOnCoalescedAndNeverLogged() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "hello")]))
            _ = try await alice.next(Self.isAck)
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            _ = try await bob.next()
            let joined = try await alice.next { $0.contains(#""state":"joined""#) }
            #expect(joined.contains(#""user":"bob""#))
            // A burst of 60 cursor moves in well under a second: coalesced, the last one kept.
            for seq in 0..<60 {
                let at = seq % 5
                bob.send(##"{"type":"presence","docId":"notes","cursor":{"anchor":{"clientId":"alice","seq":\##(at)},"head":null},"name":"Bob","color":"#00aa88","typing":true}"##)
            }
            // Then one that differs: it is the last, so it is passed on, after whatever of the
            // burst was (one connection's messages keep their order).
            bob.send(##"{"type":"presence","docId":"notes","cursor":null,"name":"Bob (done)","color":"#00aa88","typing":false}"##)
            _ = try await alice.next { $0.contains("Bob (done)") }
            let updates = alice.all.filter { $0.contains(#""state":"update""#) && !$0.contains("Bob (done)") }
            #expect(updates.count < 30, "\(updates.count) updates passed on for 60 sent")
            bob.send(#"{"type":"presence","docId":"notes","color":"red"}"#)
            _ = try await bob.next(Self.isError("bad_message"))
            bob.close()
            _ = try await alice.next { $0.contains(#""state":"left""#) }
            #expect(try server.logged().version == VersionVector(["alice": 5]))
        }
    }

    @Test func revokingAGrantOrAnExpiringTokenTakesEffectWithinASecond() async throws {
        try await ServerHarness.run { server in
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            _ = try await bob.next()
            // As `collab revoke` on the same store would do, while the server runs.
            let revoked = ContinuousClock.now
            try server.grant("bob", nil)
            // The server looks four times a second (alone: seen within 0.3 s). A test
            // process starved by every other suite beside it (CI on two cores) once took
            // over 1 s, so 2 s are allowed and the time is printed.
            _ = try await bob.next(timeout: .seconds(2), Self.isError("revoked"))
            let took = ContinuousClock.now - revoked
            print("revocation seen after \(took)")
            #expect(took < .seconds(2))
            bob.send(Wire.ops([Wire.insert("bob", 0, after: nil, "late")]))
            _ = try await bob.next(Self.isError("not_joined"))
            bob.send(Wire.join())
            _ = try await bob.next(Self.isError("forbidden"))

            let brief = TestClient(ProtocolClient(url: server.url, token: try await server.token("alice", expiresIn: 1_500)))
            _ = try await brief.next()
            brief.send(Wire.join())
            _ = try await brief.next()
            _ = try await brief.next(timeout: .seconds(3), Self.isError("token_expired"))
            #expect(try await brief.closeCode() == .policyViolation)
            #expect(try server.logged().version == VersionVector())
        }
    }

    @Test func aTokenMayComeInTheFirstMessageInstead() async throws {
        var limits = Server.Limits()
        limits.authDeadline = .milliseconds(300)
        try await ServerHarness.run(limits: limits) { server in
            let late = TestClient(ProtocolClient(url: server.url, token: nil))
            late.send(#"{"type":"auth","token":"\#(try await server.token("bob"))"}"#)
            _ = try await late.next { $0.contains(#""type":"auth_ok","user":"bob""#) }
            late.send(Wire.join())
            _ = try await late.next { $0.contains("sync_response") }

            let silent = TestClient(ProtocolClient(url: server.url, token: nil))
            _ = try await silent.next(Self.isError("unauthenticated"))
            #expect(try await silent.closeCode() == .policyViolation)

            // A token that fails gets no socket at all.
            let forged = TestClient(ProtocolClient(url: server.url, token: try await server.token("bob") + "x"))
            await #expect(throws: (any Error).self) { _ = try await forged.closeCode() }
            // Nor does one limited to another document get this one.
            let scoped = TestClient(ProtocolClient(url: server.url, token: try await server.token("bob", document: "other")))
            _ = try await scoped.next()
            scoped.send(Wire.join())
            #expect(try await scoped.next(Self.isError("forbidden")).contains("limited to other"))
        }
    }

    @Test func oversizeMessagesAndFloodsAreCutOffAndOthersAreUnaffected() async throws {
        var limits = Server.Limits()
        limits.maxMessageBytes = 64 << 10
        // Low enough that a flood is one however slowly a loaded machine delivers it.
        limits.messagesPerSecond = 5
        try await ServerHarness.run(limits: limits) { server in
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            _ = try await alice.next()

            let big = try await server.connect("bob")
            big.send(Wire.join())
            _ = try await big.next()
            big.send(Wire.ops([Wire.insert("bob", 0, after: nil, String(repeating: "x", count: 100 << 10))]))
            #expect(try await big.closeCode() == .messageTooLarge)

            let flood = try await server.connect("bob")
            for _ in 0..<400 { flood.send(#"{"type":"sync_request","docId":"notes"}"#) }
            _ = try await flood.next(Self.isError("rate_limited"))
            #expect(try await flood.closeCode() == .policyViolation)

            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "still here")]))
            _ = try await alice.next(Self.isAck)
            #expect(try server.logged().text == "still here")
        }
    }

    /// A server that says nothing after the upgrade (here the test-only echo endpoint)
    /// is given up on, not waited on forever: the client library can lose an answer.
    @Test(.timeLimit(.minutes(1))) func aSyncThatHearsNothingGivesUp() async throws {
        try await ServerHarness.run(echo: true) { server in
            let started = ContinuousClock.now
            do {
                _ = try await SyncClient.sync(
                    Document(), url: "ws://127.0.0.1:\(server.port)/echo", docId: "notes", token: try await server.token("bob"),
                    answerTimeout: .milliseconds(300)
                ) { _ in }
                Issue.record("a silent server was synced with")
            } catch let failure as SyncClient.Failure {
                #expect(failure.code == "timeout", "\(failure)")
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func connectionCapsPerUserAndPerDocument() async throws {
        var limits = Server.Limits()
        limits.connectionsPerUser = 1
        limits.connectionsPerDocument = 1
        try await ServerHarness.run(limits: limits) { server in
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            _ = try await bob.next { $0.contains("sync_response") }
            // Read raw: the refusal follows the upgrade response at once, and the client
            // library then sometimes hangs without delivering it (docs/protocol.md).
            let refused = try await RawWebSocket.framesUntilClose(port: server.port, path: "/ws?token=\(try await server.token("bob"))")
            #expect(refused.count == 2, "\(refused)")
            #expect(refused.first.map { Self.isError("too_many_connections")(String(decoding: $0.payload, as: UTF8.self)) } == true)
            #expect(refused.last?.closeCode == 1008)
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            #expect(try await alice.next(Self.isError("too_many_connections")).contains(#""docId":"notes""#))
            // Bob leaves: there is room again.
            bob.send(#"{"type":"leave","docId":"notes"}"#)
            // Bob's next message is answered after his leave was handled.
            bob.send(#"{"type":"presence","docId":"notes","color":"red"}"#)
            _ = try await bob.next(Self.isError("not_joined"))
            alice.send(Wire.join())
            _ = try await alice.next { $0.contains("sync_response") }
        }
    }

    /// A client that stops answering pings is closed by the next ping.
    @Test func aClientThatNeverAnswersPingsIsClosed() async throws {
        var limits = Server.Limits()
        limits.pingInterval = .milliseconds(200)
        try await ServerHarness.run(limits: limits) { server in
            let token = try await server.token("bob")
            let closed = try await withCheckedThrowingContinuation { (done: CheckedContinuation<(UInt16?, Int), any Error>) in
                Thread.detachNewThread {
                    do {
                        // A raw socket does not answer pings by itself.
                        let socket = try RawWebSocket(port: server.port, path: "/ws?token=\(token)")
                        var pings = 0
                        while true {
                            let frame = try socket.receive()
                            if frame.opcode == 9 { pings += 1 }
                            if frame.opcode == 8 { return done.resume(returning: (frame.closeCode, pings)) }
                        }
                    } catch {
                        done.resume(throwing: error)
                    }
                }
            }
            #expect(closed.0 == 1001 && closed.1 >= 1, "closed with \(closed.0.map(String.init) ?? "nothing") after \(closed.1) pings")
        }
    }

    @Test func anOriginOutsideTheAllowlistGetsNoSocket() async throws {
        try await ServerHarness.run(origins: ["https://docs.example"]) { server in
            let token = try await server.token("bob")
            let allowed = TestClient(ProtocolClient(url: server.url, token: token, headers: [("Origin", "https://docs.example")]))
            allowed.send(Wire.join())
            _ = try await allowed.next(timeout: .seconds(10))  // an upper bound: the whole suite runs beside it
            let other = TestClient(ProtocolClient(url: server.url, token: token, headers: [("Origin", "https://evil.example")]))
            await #expect(throws: (any Error).self) { _ = try await other.closeCode() }
        }
    }

    /// A refused upgrade says why, so that a client can tell "get a new token" from a
    /// bad request: 401 for a bad, expired or foreign token, 403 for an Origin not allowed.
    @Test func refusedUpgradesAnswer401Or403InTheJSONErrorForm() async throws {
        try await ServerHarness.run(origins: ["https://docs.example"]) { server in
            let store = FileManager.default.temporaryDirectory.appendingPathComponent("collab-foreign-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: store) }
            let foreignKey = try SigningKey.generate(at: store + "/signing.key")
            let valid = try await server.token("bob")
            let foreign = try await AccessToken(user: "bob", expiresAt: Int64(Date().timeIntervalSince1970 * 1000) + 60_000, audience: server.audience)
                .signed(with: foreignKey)
            let tokens = [
                "garbage": "not.a.token", "expired": try await server.token("bob", expiresIn: -1_000), "foreign": foreign,
                "forged": String(valid.dropLast(2)) + (valid.hasSuffix("AA") ? "BB" : "AA"),
            ]
            for (kind, token) in tokens {
                let (head, body) = try await RawWebSocket.refusedUpgrade(port: server.port, headers: ["Authorization: Bearer \(token)"])
                #expect(head.hasPrefix("HTTP/1.1 401"), "\(kind): \(head)")
                #expect(body.hasPrefix(#"{"error":{"code":"unauthenticated","message":"#), "\(kind): \(body)")
            }
            let (head, body) = try await RawWebSocket.refusedUpgrade(
                port: server.port, headers: ["Authorization: Bearer \(valid)", "Origin: https://evil.example"])
            #expect(head.hasPrefix("HTTP/1.1 403") && body.contains(#""code":"forbidden""#), "\(head)\n\(body)")
            // Not an upgrade at all: the same form.
            let (plainHead, plainBody) = try await RawWebSocket.exchange(port: server.port, Array("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
            #expect(plainHead.hasPrefix("HTTP/1.1 401") && plainBody.contains(#""code":"unauthenticated""#), "\(plainHead)\n\(plainBody)")
        }
    }

    /// A text message that is not UTF-8 closes the connection with 1007, as RFC 6455 says.
    @Test func invalidUTF8InATextMessageIsClosedWith1007() async throws {
        try await ServerHarness.run { server in
            let code = try await RawWebSocket.offThePool {
                let socket = try RawWebSocket(port: server.port, path: "/ws")
                try socket.send(opcode: 1, [0x7b, 0xff, 0xfe, 0x7d])
                return try socket.closeCode()
            }
            #expect(code == 1007)
        }
    }

    /// Client ids follow one grammar: `bob/` would pass for one of Bob's replicas.
    @Test func clientIdsOutsideTheGrammarAreRefused() async throws {
        try await ServerHarness.run { server in
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            for client in ["bob/", "bob/..", "bob/a b", "bob/\u{7}"] {
                bob.send(Wire.ops([Wire.insert(client, 0, after: nil, "x")]))
                let refusal = try await bob.next(Self.isError("invalid_op"))
                #expect(refusal.contains("id.clientId"), "\(client.debugDescription): \(refusal)")
            }
            bob.send(#"{"type":"join","docId":"notes","since":{},"replica":"bob/"}"#)
            #expect(try await bob.next(Self.isError("bad_message")).contains("replica"))
            #expect(try server.logged().version == VersionVector())
        }
    }

    /// A polling body over the message limit gets 413 in the JSON error form, and the
    /// connection is closed rather than the rest of the body read.
    @Test func aPollingBodyOverTheLimitIs413AndClosesTheConnection() async throws {
        var limits = Server.Limits()
        limits.maxMessageBytes = 4096
        try await ServerHarness.run(limits: limits) { server in
            let token = try await server.token("bob")
            var request = "POST /api/v2/realtime/ops?document_id=notes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
            request += "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            let (head, body) = try await RawWebSocket.exchange(port: server.port, Array(request.utf8) + [UInt8](repeating: 0x20, count: 8192))
            #expect(head.hasPrefix("HTTP/1.1 413"), "\(head)")
            #expect(head.lowercased().contains("connection: close"), "\(head)")
            #expect(body.hasPrefix(#"{"error":{"code":"too_large","message":"#), "\(body)")
        }
    }

    /// The HTTP polling fallback end to end, beside a WebSocket client.
    @Test func pollingClientsReadAndWriteUnderTheSameRules() async throws {
        try await ServerHarness.run { server in
            let base = "http://127.0.0.1:\(server.port)/api/v2/realtime"
            func call(_ method: String, _ path: String, token: String?, body: String? = nil) async throws -> (Int, [String: JSONValue]) {
                var request = URLRequest(url: URL(string: base + path)!)
                request.httpMethod = method
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                request.httpBody = body.map { Data($0.utf8) }
                let (data, response) = try await URLSession.shared.data(for: request)
                guard case .object(let fields) = try JSONParser.parse(String(decoding: data, as: UTF8.self)) else { return (0, [:]) }
                return ((response as! HTTPURLResponse).statusCode, fields)
            }
            let bob = try await server.token("bob")
            let (status, connected) = try await call("POST", "/connect", token: nil, body: #"{"document_id":"notes","session_token":"\#(bob)"}"#)
            #expect(status == 200 && connected["last_operation"] == .int(0) && connected["operations"] == .array([]), "\(connected)")
            // A long poll waits for the next op, written by a WebSocket client.
            let poll = Task { try await call("GET", "/poll?document_id=notes&last_operation=0", token: bob) }
            try await server.waitForMetric("collab_long_polls_waiting", 1)
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "hi")]))
            _ = try await alice.next(Self.isAck)
            let (pollStatus, polled) = try await poll.value
            #expect(pollStatus == 200 && polled["last_operation"] == .int(1), "\(polled)")
            guard case .array(let ops)? = polled["operations"], ops.count == 1 else { Issue.record("\(polled)"); return }
            #expect(try OpJSON.decode(ops[0]).id == OpId("alice", 0))
            // A polling client's ops are acknowledged once durable, and passed on.
            let (sent, ack) = try await call("POST", "/ops?document_id=notes", token: bob, body: #"{"operations":["# + OpJSON.line(Wire.insert("bob", 0, after: OpId("alice", 1), "!")) + "]}")
            #expect(sent == 200 && ack["ack"] == .array([.string("bob:0")]), "\(ack)")
            #expect(try await alice.next(Self.isOps).contains(#""text":"!""#))
            #expect(try server.logged().text == "hi!")
            // The same refusals.
            let (viewer, refused) = try await call("POST", "/ops?document_id=notes", token: try await server.token("vic"), body: #"{"operations":["# + OpJSON.line(Wire.insert("vic", 0, after: nil, "x")) + "]}")
            #expect(viewer == 403 && "\(refused)".contains("forbidden"))
            let future = Op(
                id: OpId("bob", 1), timestamp: Timestamp(wall: Int64(Date().timeIntervalSince1970 * 1000) + 3_630_000),
                payload: .textInsert(TextInsert(after: OpId("bob", 0), before: nil, text: "?")))
            let (skewed, skew) = try await call("POST", "/ops?document_id=notes", token: bob, body: #"{"operations":["# + OpJSON.line(future) + "]}")
            #expect(skewed == 422 && "\(skew)".contains("op bob:1 is stamped 60 min ahead"), "\(skew)")
            let (anonymous, _) = try await call("GET", "/poll?document_id=notes&last_operation=0", token: nil)
            #expect(anonymous == 401)
            let (current, caughtUp) = try await call("GET", "/poll?document_id=notes&last_operation=0", token: bob)
            #expect(current == 200 && caughtUp["last_operation"] == .int(2))
            // A position that is not one is a bad request at once, not a 25 s wait from 0.
            for position in ["abc", "-1", "1.5", "99999999999999999999", ""] {
                let (bad, said) = try await call("GET", "/poll?document_id=notes&last_operation=\(position)", token: bob)
                #expect(bad == 400 && "\(said)".contains("last_operation"), "\(position.debugDescription): \(said)")
            }
            #expect(try server.logged().text == "hi!")
        }
    }

    @Test func metricsCountWhatHappened() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "abc")]))
            _ = try await alice.next(Self.isAck)
            alice.send("{")
            _ = try await alice.next(Self.isError("bad_message"))
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/metrics")!)
            let text = String(decoding: data, as: UTF8.self)
            for line in [
                "collab_connections 1.0", "collab_documents_open 1.0", "collab_ops_acknowledged_total 1",
                "collab_rejected_messages_total{reason=\"bad_message\"} 1", "collab_ack_latency_seconds_count 1",
                "collab_fsync_latency_seconds_count 1",
            ] {
                #expect(text.contains(line + "\n"), "\(line) in\n\(text)")
            }
        }
    }

    @Test func shuttingDownFinishesWritesThenClosesWithGoingAway() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            _ = try await alice.next()
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "last words")]))
            await server.group.triggerGracefulShutdown()
            #expect(try await alice.closeCode() == .goingAway)
            // Whatever was acknowledged is in the log.
            if alice.all.contains(where: Self.isAck) { #expect(try server.logged().text == "last words") }
        }
    }
}

/// A client with its own replica of `notes`, editing at random positions.
final class Replica: @unchecked Sendable {
    let server: ServerHarness
    let user: String
    var client: TestClient
    let document = Document()
    var random: SplitMix
    var clock: Int64 = 1
    var sent = 0
    var acknowledged = 0

    init(_ server: ServerHarness, user: String, seed: UInt64) async throws {
        self.server = server
        self.user = user
        random = SplitMix(seed: seed)
        client = try await server.connect(user)
        client.send(Wire.join())
        try await absorbUntilSynced()
    }

    /// Applies what arrived: others' ops, catch-ups; counts acknowledgements.
    func absorb() throws {
        for message in client.take() { try absorb(message) }
    }

    private func absorb(_ message: String) throws {
        guard case .object(let fields) = try JSONParser.parse(message), case .string(let type)? = fields["type"] else { return }
        switch type {
        case "ack": acknowledged += 1
        case "ops", "sync_response":
            guard case .array(let ops)? = fields["ops"] else { return }
            for op in ops { try document.apply(try OpJSON.decode(op)) }
            document.coalescingFloor = document.historyCount
        case "error": throw TestClient.Timeout(description: "server error: \(message)")
        default: break
        }
    }

    private func absorbUntilSynced() async throws {
        try absorb(try await client.next { $0.contains("sync_response") })
    }

    private func edit() throws {
        clock += 1
        let stamp = Timestamp(wall: clock)
        if document.length > 0 && random.next() % 3 == 0 {
            _ = try document.delete(at: Int(random.next() % UInt64(document.length)), count: 1, by: user, timestamp: stamp)
        } else {
            _ = try document.insert("abc".prefix(Int(random.next() % 3) + 1).description, at: Int(random.next() % UInt64(document.length + 1)), by: user, timestamp: stamp)
        }
    }

    /// One edit, sent as one batch.
    func editAndSend() async throws {
        let before = document.historyCount
        try edit()
        client.send(Wire.ops(document.history(from: before)))
        document.coalescingFloor = document.historyCount
        sent += 1
    }

    func awaitAcks() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while acknowledged < sent && ContinuousClock.now < deadline {
            try absorb()
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(acknowledged == sent, "\(user): \(acknowledged) of \(sent) acknowledged")
    }

    /// Goes offline, makes `count` edits, reconnects with `since` and sends them.
    func reconnect(afterOfflineEdits count: Int) async throws {
        try await awaitAcks()
        client.close()
        _ = try await client.closeCode()
        let before = document.historyCount
        for _ in 0..<count { try edit() }
        let offline = document.history(from: before)
        document.coalescingFloor = document.historyCount
        client = try await server.connect(user)
        var since = "{"
        since += document.version.counts.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        client.send(Wire.join(since: since))
        try await absorbUntilSynced()
        client.send(Wire.ops(offline))
        acknowledged = 0
        sent = 1
    }

    /// Waits until every edit of every client has arrived; the replica's text.
    func settle() async throws -> String {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            try absorb()
            if try server.logged().version == document.version { return document.text }
            try await Task.sleep(for: .milliseconds(10))
        }
        return "(did not settle: \(document.version) vs \(try server.logged().version))"
    }
}
