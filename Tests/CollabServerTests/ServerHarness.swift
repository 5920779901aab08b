import CollabAccess
import CollabCore
import CollabLog
import CollabServer
import CollabStorage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import NIOWebSocket
import ServiceLifecycle

/// A running server on an ephemeral loopback port over a fresh store where `alice` owns
/// `notes`, `bob` edits it, `carol` comments on it and `vic` views it.
struct ServerHarness: Sendable {
    let port: Int
    let store: String
    let key: SigningKey
    let audience: String
    let group: ServiceGroup

    static func run(
        limits: Server.Limits = Server.Limits(), origins: [String] = [], echo: Bool = false,
        _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("collab-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: store) }
        let key = try SigningKey.generate(at: store + "/signing.key")
        for (k, (user, level)) in [("alice", AccessLevel.owner), ("bob", .editor), ("carol", .commenter), ("vic", .viewer)].enumerated() {
            try AccessLog.record(AccessEvent(kind: .grant, target: "notes", subject: user, level: level, by: "alice", at: Int64(k + 1)), in: DocumentStore(store), at: 10)
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        // COLLAB_TEST_LOG=trace shows what the server did, frames included.
        logger.logLevel = ProcessInfo.processInfo.environment["COLLAB_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let services = try Server.services(
            .init(store: DocumentStore(store), host: "127.0.0.1", port: 0, key: key, origins: origins, limits: limits, echoEndpoint: echo),
            logger: logger
        ) { port in portSink.yield(port) }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()!
        let harness = ServerHarness(
            port: port, store: store, key: key, audience: try StoreIdentity.audience(of: DocumentStore(store), creating: false), group: group)
        do {
            try await body(harness)
        } catch {
            running.cancel()
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = await running.result
    }

    var url: String { "ws://127.0.0.1:\(port)/ws" }

    func token(_ user: String, expiresIn milliseconds: Int64 = 600_000, document: String? = nil) async throws -> String {
        try await AccessToken(
            user: user, expiresAt: Int64(Date().timeIntervalSince1970 * 1000) + milliseconds, audience: audience, document: document
        ).signed(with: key)
    }

    /// A client connected as `user` (with a token on the upgrade).
    func connect(_ user: String) async throws -> TestClient {
        let client = TestClient(ProtocolClient(url: url, token: try await token(user)))
        _ = try await client.next { $0.contains(#""type":"auth_ok""#) }
        return client
    }

    /// The document's log as the server wrote it.
    /// Returns once `/metrics` shows `metric` at `value` (a server-side state the test
    /// cannot see otherwise, such as a long poll waiting); fails after 10 s.
    func waitForMetric(_ metric: String, _ value: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            let shown = String(decoding: data, as: UTF8.self).split(separator: "\n").contains { line in
                let parts = line.split(separator: " ")
                return parts.count == 2 && parts[0] == metric && Double(parts[1]) == value
            }
            if shown { return }
            await Task.yield()
        }
        throw TestClient.Timeout(description: "\(metric) not \(value) in /metrics after 10 s")
    }

    func logged(_ documentId: String = "notes") throws -> Document {
        let path = try DocumentStore(store).path(for: documentId)
        guard FileManager.default.fileExists(atPath: path) else { return Document() }
        return try OpLogFile.loadDocument(path).document
    }

    func grant(_ user: String, _ level: AccessLevel?, on target: String = "notes") throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let event = AccessEvent(kind: level == nil ? .revoke : .grant, target: target, subject: user, level: level, by: "alice", at: now)
        try AccessLog.record(event, in: DocumentStore(store), at: now)
    }
}

/// A protocol client that keeps what it receives, to be waited on in order.
final class TestClient: Sendable {
    let client: ProtocolClient
    private let received = Locked<(messages: [String], cursor: Int)>(([], 0))
    private let pump: Task<Void, Never>

    init(_ client: ProtocolClient) {
        self.client = client
        let received = received
        pump = Task { for await message in client.messages { received.withValue { $0.messages.append(message) } } }
    }

    struct Timeout: Error, CustomStringConvertible {
        let description: String
    }

    func send(_ text: String) { client.send(text) }

    /// The next message (after the last one returned) that `matches`; earlier ones that
    /// do not match are passed over.
    func next(timeout: Duration = .seconds(10), _ matches: (String) -> Bool = { _ in true }) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found: String? = received.withValue { state in
                while state.cursor < state.messages.count {
                    let message = state.messages[state.cursor]
                    state.cursor += 1
                    if matches(message) { return message }
                }
                return nil
            }
            if let found { return found }
            guard ContinuousClock.now < deadline else {
                throw Timeout(description: "no matching message; received \(all.suffix(5))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    var all: [String] { received.withValue { $0.messages } }

    /// Every message not returned yet, without waiting.
    func take() -> [String] {
        received.withValue { state in
            defer { state.cursor = state.messages.count }
            return Array(state.messages[state.cursor...])
        }
    }

    /// Waits for the server to close the connection; its close code.
    func closeCode(timeout: Duration = .seconds(10)) async throws -> WebSocketErrorCode? {
        let client = client
        return try await withThrowingTaskGroup(of: WebSocketErrorCode?.self) { group in
            group.addTask { try await client.closed()?.closeCode }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Timeout(description: "the connection stayed open")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    func close() { client.close() }
}

final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

enum Wire {
    static func join(_ docId: String = "notes", since: String? = nil) -> String {
        #"{"type":"join","docId":""# + docId + "\"" + (since.map { #","since":"# + $0 } ?? "") + "}"
    }

    static func ops(_ ops: [Op], docId: String = "notes") -> String {
        #"{"type":"ops","docId":""# + docId + #"","ops":["# + ops.map(OpJSON.line).joined(separator: ",") + "]}"
    }

    static func insert(_ client: String, _ seq: Int, after: OpId?, _ text: String) -> Op {
        Op(id: OpId(client, seq), timestamp: Timestamp(wall: 1), payload: .textInsert(TextInsert(after: after, before: nil, text: text)))
    }
}
