import CollabAccess
import CollabCore
import CollabLog
import CollabStorage
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Testing

@testable import CollabServer

/// Link shares on the server, catch-up in pages, and presence from polling clients.
@Suite("Server: link shares, pages, polling presence")
struct ShareAndPagingTests {
    static func isError(_ code: String) -> (String) -> Bool { ServerTests.isError(code) }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Records link share `id` on `notes` at `level` (made by alice, its owner), with a
    /// password if given; its token.
    static func share(_ id: String, _ level: AccessLevel, password: String? = nil, on server: ServerHarness) async throws -> String {
        let event = AccessEvent(
            kind: .share, target: "notes", subject: "anyone", level: level, by: "alice", at: now(), share: id,
            passwordHash: try password.map(PasswordHash.make))
        try AccessLog.record(event, in: DocumentStore(server.store), at: now())
        return try await AccessToken(user: "anyone", expiresAt: now() + 600_000, audience: server.audience, share: id).signed(with: server.key)
    }

    @Test func aLinkShareWorksOnTheServerAndItsRevocationCutsItsSessions() async throws {
        try await ServerHarness.run { server in
            let token = try await Self.share("s1", .editor, on: server)
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            _ = try await bob.next { $0.contains("sync_response") }
            let guest = TestClient(ProtocolClient(url: server.url, token: token))
            #expect(try await guest.next().contains(#""user":"anyone""#))
            guest.send(Wire.join())
            _ = try await guest.next { $0.contains("sync_response") }
            // Presence shows the holder as a link, with the name it gives.
            #expect(try await bob.next { $0.contains(#""type":"presence""#) }.contains(#""user":"anyone (link)""#))
            guest.send(Wire.ops([Wire.insert("anyone/guest", 0, after: nil, "hi")]))
            _ = try await guest.next(ServerTests.isAck)
            #expect(try await bob.next { $0.contains(#""type":"ops""#) }.contains("anyone/guest"))
            guest.send(#"{"type":"presence","docId":"notes","name":"Guest"}"#)
            let shown = try await bob.next { $0.contains(#""state":"update""#) }
            #expect(shown.contains(#""user":"anyone (link)""#) && shown.contains(#""name":"Guest""#), "\(shown)")
            // The share reaches its document only, and its holder writes only as anyone/….
            guest.send(Wire.join("other"))
            _ = try await guest.next(Self.isError("forbidden"))
            guest.send(Wire.ops([Wire.insert("bob", 0, after: nil, "x")]))
            #expect(try await guest.next(Self.isError("forbidden")).contains("not one of anyone's"))
            // Revoked: within a second its sessions are told and closed.
            try AccessLog.record(AccessEvent(kind: .unshare, target: "notes", subject: "anyone", by: "alice", at: Self.now(), share: "s1"), in: DocumentStore(server.store), at: Self.now())
            let revokedAt = ContinuousClock.now
            // Within a second (four looks a second); two allowed beside the whole suite.
            _ = try await guest.next(timeout: .seconds(3), Self.isError("revoked"))
            #expect(try await guest.closeCode(timeout: .seconds(3)) == .policyViolation)
            #expect(ContinuousClock.now - revokedAt < .seconds(2))
            #expect(try server.logged().text == "hi")
        }
    }

    @Test func aPasswordProtectedShareNeedsItsPassword() async throws {
        try await ServerHarness.run { server in
            let token = try await Self.share("s2", .commenter, password: "open sesame", on: server)
            // Without the password: authenticated, but the share gives nothing.
            let without = TestClient(ProtocolClient(url: server.url, token: token))
            _ = try await without.next { $0.contains("auth_ok") }
            without.send(Wire.join())
            #expect(try await without.next(Self.isError("forbidden")).contains("needs its password"))
            // With it, in the first message: it reads; a commenter's content op is refused.
            let with = TestClient(ProtocolClient(url: server.url, token: nil))
            with.send(#"{"type":"auth","token":""# + token + #"","password":"open sesame"}"#)
            _ = try await with.next { $0.contains("auth_ok") }
            with.send(Wire.join())
            _ = try await with.next { $0.contains("sync_response") }
            with.send(Wire.ops([Wire.insert("anyone/c", 0, after: nil, "x")]))
            _ = try await with.next(Self.isError("forbidden"))
            // A token given on the upgrade takes the password in a later auth.
            without.send(#"{"type":"auth","token":""# + token + #"","password":"open sesame"}"#)
            _ = try await without.next { $0.contains("auth_ok") }
            without.send(Wire.join())
            _ = try await without.next { $0.contains("sync_response") }
            // Polling: the password in connect's body.
            let (status, body) = try await Self.post(server, "/connect", #"{"document_id":"notes","session_token":""# + token + #"","password":"open sesame"}"#)
            #expect(status == 200 && body.contains(#""user":"anyone""#), "\(body)")
            let (refused, _) = try await Self.post(server, "/connect", #"{"document_id":"notes","session_token":""# + token + #""}"#)
            #expect(refused == 403)
        }
    }

    /// A document larger than a message reaches a joining client in pages that each fit,
    /// the last carrying the version; together they are the document. A run of text too
    /// large for a page is cut into pieces.
    @Test func aLargeCatchUpComesInPagesThatEachFitTheMessageLimit() async throws {
        var limits = Server.Limits()
        limits.maxMessageBytes = 4096
        try await ServerHarness.run(limits: limits) { server in
            // Written before the server opens the document: one op of 20,000 characters,
            // and 40 more of 300 each, by other clients.
            var ops = [Wire.insert("alice", 0, after: nil, String(repeating: "long run ", count: 2_000) + "!")]
            for k in 0..<40 { ops.append(Wire.insert("alice/\(k)", 0, after: OpId("alice", 0), String(repeating: "\(k % 10)", count: 300))) }
            let path = try DocumentStore(server.store).prepare(for: "notes")
            try OpLogFile.write(ops, to: path, documentId: "notes")
            let expected = try Document(ops: ops)
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            var pages: [String] = []
            while pages.last.map({ !$0.contains(#""last":true"#) }) ?? true {
                pages.append(try await bob.next { $0.contains(#""type":"sync_response""#) })
            }
            #expect(pages.count > 5)
            #expect(pages.allSatisfy { $0.utf8.count <= 4096 }, "\(pages.map(\.utf8.count).max() ?? 0) bytes")
            #expect(pages.dropLast().allSatisfy { $0.hasSuffix(#"],"last":false}"#) })
            #expect(pages.last!.contains(#""version":{"#))
            let replica = Document()
            for page in pages {
                guard case .object(let fields) = try JSONParser.parse(page), case .array(let items)? = fields["ops"] else { Issue.record("\(page)"); return }
                for item in items { try replica.apply(try OpJSON.decode(item)) }
            }
            #expect(replica.text == expected.text && replica.version == expected.version)
            // Polling pages by position: connect, then polls while more are waiting.
            let token = try await server.token("bob")
            let (_, connected) = try await Self.post(server, "/connect", #"{"document_id":"notes","session_token":""# + token + #""}"#)
            var answer = connected
            let polled = Document()
            while true {
                guard case .object(let fields) = try JSONParser.parse(answer), case .array(let items)? = fields["operations"],
                    case .int(let next)? = fields["last_operation"], case .bool(let more)? = fields["more"]
                else { Issue.record("\(answer)"); return }
                #expect(items.count == 1 || answer.utf8.count <= 4096, "\(answer.utf8.count) bytes")
                for item in items { try polled.apply(try OpJSON.decode(item)) }
                guard more else { break }
                answer = try await Self.get(server, "/poll?document_id=notes&last_operation=\(next)", token: token)
            }
            #expect(polled.text == expected.text)
        }
    }

    /// A polling client's presence reaches WebSocket followers and other pollers.
    @Test func pollingClientsSendPresence() async throws {
        try await ServerHarness.run { server in
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            _ = try await bob.next { $0.contains("sync_response") }
            let token = try await server.token("alice")
            let (_, connected) = try await Self.post(server, "/connect", #"{"document_id":"notes","session_token":""# + token + #""}"#)
            guard case .object(let fields) = try JSONParser.parse(connected), case .string(let session)? = fields["session_id"] else {
                Issue.record("\(connected)"); return
            }
            let (status, _) = try await Self.post(
                server, "/presence?document_id=notes", #"{"session_id":""# + session + #"","name":"Alice","typing":true}"#, token: token)
            #expect(status == 200)
            let seen = try await bob.next { $0.contains(#""type":"presence""#) && $0.contains(session) }
            #expect(seen.contains(#""user":"alice""#) && seen.contains(#""name":"Alice""#) && seen.contains(#""typing":true"#), "\(seen)")
            // A poll answers at once when there are ops beyond its position, with presence.
            bob.send(Wire.ops([Wire.insert("bob", 0, after: nil, "x")]))
            _ = try await bob.next(ServerTests.isAck)
            let carol = try await server.token("carol")
            let polled = try await Self.get(server, "/poll?document_id=notes&last_operation=0", token: carol)
            #expect(polled.contains(session) && polled.contains(#""name":"Alice""#), "\(polled)")
            // Another user cannot speak for that session.
            let (spoofed, _) = try await Self.post(server, "/presence?document_id=notes", #"{"session_id":""# + session + #"","name":"Mallory"}"#, token: carol)
            #expect(spoofed == 403)
            let (bad, _) = try await Self.post(server, "/presence?document_id=notes", #"{"session_id":""# + session + #"","color":"red"}"#, token: token)
            #expect(bad == 400)
        }
    }

    static func post(_ server: ServerHarness, _ path: String, _ body: String, token: String? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/api/v2/realtime" + path)!)
        request.httpMethod = "POST"
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    static func get(_ server: ServerHarness, _ path: String, token: String) async throws -> String {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/api/v2/realtime" + path)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        return String(decoding: data, as: UTF8.self)
    }
}
