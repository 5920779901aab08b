import CollabAccess
import CollabCore
import CollabLog
import CollabServer
import Foundation
import HummingbirdWSClient
import Logging
import Testing

/// `collab serve` end to end, on an ephemeral loopback port.
@Suite("Server")
struct ServerTests {
    /// A store where `alice` and `bob` edit `notes` and `vic` views it, a server on it,
    /// and a token per user.
    static func withServer(_ body: @Sendable (Int, [String: String], String) async throws -> Void) async throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("collab-serve-\(UUID().uuidString)").path
        let keyPath = store + ".key"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let key = try SigningKey.generate(at: keyPath)
        for event in [
            AccessEvent(kind: .grant, target: "notes", subject: "alice", level: .owner, by: "alice", at: 1),
            AccessEvent(kind: .grant, target: "notes", subject: "bob", level: .editor, by: "alice", at: 2),
            AccessEvent(kind: .grant, target: "notes", subject: "vic", level: .viewer, by: "alice", at: 3),
        ] {
            try AccessLog.record(event, in: store, at: 4)
        }
        let audience = try StoreIdentity.audience(of: store, creating: true)
        var tokens: [String: String] = [:]
        for user in ["alice", "bob", "vic"] {
            tokens[user] = try await AccessToken(user: user, expiresAt: Int64(Date().timeIntervalSince1970 * 1000) + 60_000, audience: audience).signed(with: key)
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = try Server.application(.init(store: store, host: "127.0.0.1", port: 0, key: key), logger: Logger(label: "test")) { port in
            portSink.yield(port)
        }
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()!
        defer { server.cancel() }
        try await body(port, tokens, store)
    }

    static func insert(_ client: String, _ seq: Int, after: OpId?, _ text: String) -> String {
        OpJSON.line(Op(id: OpId(client, seq), timestamp: Timestamp(wall: 1), payload: .textInsert(TextInsert(after: after, before: nil, text: text))))
    }

    /// Connects as a user, sends each message, and returns the messages received until
    /// `until` says enough.
    static func converse(_ port: Int, token: String, send messages: [String], until: @escaping @Sendable ([String]) -> Bool) async throws -> [String] {
        let received = Messages()
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws?token=\(token)", logger: Logger(label: "client")) { inbound, outbound, _ in
            for message in messages { try await outbound.write(.text(message)) }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message { received.append(text) }
                if until(received.all) { break }
            }
        }
        return received.all
    }

    @Test(.timeLimit(.minutes(1))) func aJoinGetsTheDocument() async throws {
        try await Self.withServer { port, tokens, _ in
            let joined = try await Self.converse(port, token: tokens["vic"]!, send: [#"{"type":"join","docId":"notes"}"#]) { !$0.isEmpty }
            #expect(joined == [#"{"type":"sync_response","docId":"notes","ops":[],"version":{}}"#])
        }
    }

    @Test(.timeLimit(.minutes(1))) func editsAreAcknowledgedPassedOnAndCaughtUpByALateJoiner() async throws {
        try await Self.withServer { port, tokens, store in
            // Bob joins and waits for what others send.
            let bob = Task {
                try await Self.converse(port, token: tokens["bob"]!, send: [#"{"type":"join","docId":"notes"}"#]) { messages in
                    messages.contains { $0.contains(#""type":"ops""#) }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let alice = try await Self.converse(
                port, token: tokens["alice"]!,
                send: [#"{"type":"join","docId":"notes"}"#, #"{"type":"ops","docId":"notes","ops":["# + Self.insert("alice", 0, after: nil, "hello") + "]}"]
            ) { $0.contains { $0.contains(#""type":"ack""#) } }
            #expect(alice.last == #"{"type":"ack","docId":"notes","opIds":["alice:0"]}"#)
            let passedOn = try await bob.value
            #expect(passedOn.last?.contains(#""text":"hello""#) == true, "\(passedOn)")
            // Acknowledged means in the log.
            #expect(try OpLogFile.loadDocument(DocumentStore(store).path(for: "notes")).document.text == "hello")
            // A late joiner with nothing gets everything; one that has alice:0-4 gets nothing.
            let late = try await Self.converse(port, token: tokens["vic"]!, send: [#"{"type":"join","docId":"notes"}"#]) { !$0.isEmpty }
            #expect(late.first?.contains(#""text":"hello""#) == true)
            let current = try await Self.converse(port, token: tokens["vic"]!, send: [#"{"type":"join","docId":"notes","since":{"alice":5}}"#]) { !$0.isEmpty }
            #expect(current.first == #"{"type":"sync_response","docId":"notes","ops":[],"version":{"alice":5}}"#)
        }
    }

    @Test(.timeLimit(.minutes(1))) func refusedBatchesGetAnErrorAndLeaveNothingBehind() async throws {
        try await Self.withServer { port, tokens, store in
            let join = #"{"type":"join","docId":"notes"}"#
            let viewer = try await Self.converse(
                port, token: tokens["vic"]!, send: [join, #"{"type":"ops","docId":"notes","ops":["# + Self.insert("vic", 0, after: nil, "x") + "]}"]
            ) { $0.count == 2 }
            #expect(viewer.last?.contains(#""code":"forbidden""#) == true, "\(viewer)")
            let forged = try await Self.converse(
                port, token: tokens["bob"]!, send: [join, #"{"type":"ops","docId":"notes","ops":["# + Self.insert("alice", 0, after: nil, "x") + "]}"]
            ) { $0.count == 2 }
            #expect(forged.last?.contains("not one of bob's") == true, "\(forged)")
            let malformed = try await Self.converse(port, token: tokens["bob"]!, send: [join, "{nope", #"{"type":"ops","docId":"notes","ops":[{"id":1}]}"#]) { $0.count == 3 }
            #expect(malformed[1].contains(#""code":"bad_message""#) && malformed[2].contains(#""code":"invalid_op""#), "\(malformed)")
            #expect(!FileManager.default.fileExists(atPath: try DocumentStore(store).path(for: "notes")))
        }
    }
}

/// Messages a client received, from its handler's task.
final class Messages: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func append(_ message: String) {
        lock.lock()
        messages.append(message)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return messages
    }
}
