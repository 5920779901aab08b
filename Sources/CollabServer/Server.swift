import CollabAccess
import CollabCore
import CollabLog
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// `collab serve`: HTTP and WebSocket on one port (docs/protocol.md). Every connection
/// proves who it is with a token (`Authorization: Bearer …` or `?token=…`) before the
/// upgrade; every join and batch is checked with the store's access rules.
public enum Server {
    public struct Options: Sendable {
        public var store: String
        public var host: String
        public var port: Int
        public var key: SigningKey

        public init(store: String, host: String, port: Int, key: SigningKey) {
            self.store = store
            self.host = host
            self.port = port
            self.key = key
        }
    }

    /// The application, ready to run; `onRunning` is told the port it listens on.
    public static func application(_ options: Options, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let hub = Hub(store: options.store)
        let audience = try StoreIdentity.audience(of: options.store, creating: true)
        let key = options.key
        @Sendable func user(of request: Request) async -> String? {
            var token = request.uri.queryParameters["token"].map(String.init)
            if token == nil, let header = request.headers[.authorization], header.hasPrefix("Bearer ") { token = String(header.dropFirst(7)) }
            guard let token, let claims = try? await AccessToken.verify(token, key: key, audience: audience), claims.share == nil else { return nil }
            return claims.user
        }

        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }

        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("/ws") { request, _ in
            await user(of: request) == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let user = await user(of: context.request) else { return }
            let session = Session(user: user, hub: hub, outbound: outbound)
            defer { Task { await session.close() } }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else {
                    try await session.send(Session.error("bad_message", "messages are JSON text"))
                    continue
                }
                await session.handle(text)
            }
        }
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: sockets),
            configuration: .init(address: .hostname(options.host, port: options.port)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: logger)
    }
}

/// One client connection: the documents it joined, what it sends, what it is sent.
actor Session {
    let user: String
    let hub: Hub
    let outbound: WebSocketOutboundWriter
    private var joined: [String: (host: DocumentHost, listener: UUID)] = [:]

    init(user: String, hub: Hub, outbound: WebSocketOutboundWriter) {
        self.user = user
        self.hub = hub
        self.outbound = outbound
    }

    func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    static func error(_ code: String, _ message: String, docId: String? = nil) -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"error\",\"code\":")
        writer.string(code)
        if let docId {
            writer.raw(",\"docId\":")
            writer.string(docId)
        }
        writer.raw(",\"message\":")
        writer.string(message)
        writer.raw("}")
        return writer.text
    }

    static func ops(_ type: String, _ docId: String, _ ops: [Op], extra: String = "") -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":")
        writer.string(type)
        writer.raw(",\"docId\":")
        writer.string(docId)
        writer.raw(",\"ops\":[")
        writer.bytes += Array(ops.map(OpJSON.line).joined(separator: ",").utf8)
        writer.raw("]")
        writer.bytes += Array(extra.utf8)
        writer.raw("}")
        return writer.text
    }

    /// Answers one message; a bad one gets an `error` and the connection stays up.
    func handle(_ text: String) async {
        do {
            guard case .object(let fields)? = try? JSONParser.parse(text), case .string(let type)? = fields["type"] else {
                return try await send(Self.error("bad_message", "a message is a JSON object with a type"))
            }
            guard case .string(let docId)? = fields["docId"], DocumentPath.problem(with: docId) == nil else {
                return try await send(Self.error("bad_message", "a message names a valid docId"))
            }
            switch type {
            case "join": try await join(docId, since: fields["since"])
            case "ops": try await receive(docId, fields["ops"])
            default: try await send(Self.error("bad_message", "unknown message type \(type)", docId: docId))
            }
        } catch {
            try? await send(Self.error("internal", "\(error)"))
        }
    }

    private func join(_ docId: String, since: JSONValue?) async throws {
        let decision = try hub.policy().decide(user, .read, on: docId, at: Int64(Date().timeIntervalSince1970 * 1000))
        guard decision.allowed else { return try await send(Self.error("forbidden", decision.reason, docId: docId)) }
        var version = VersionVector()
        if case .object(let counts)? = since {
            for (client, value) in counts { if case .int(let count) = value { version[client] = Int(count) } }
        }
        let host = try await hub.host(docId)
        if joined[docId] == nil {
            let outbound = outbound
            let listener = await host.listen { ops in
                let text = Session.ops("ops", docId, ops)
                Task { try? await outbound.write(.text(text)) }
            }
            joined[docId] = (host, listener)
        }
        let missing = await host.ops(since: version)
        var writer = JSONWriter()
        writer.raw(",\"version\":{")
        for (k, entry) in await host.version.counts.sorted(by: { $0.key < $1.key }).enumerated() {
            if k > 0 { writer.raw(",") }
            writer.string(entry.key)
            writer.raw(":")
            writer.int(entry.value)
        }
        writer.raw("}")
        try await send(Self.ops("sync_response", docId, missing, extra: writer.text))
    }

    private func receive(_ docId: String, _ value: JSONValue?) async throws {
        guard let (host, listener) = joined[docId] else { return try await send(Self.error("not_joined", "join \(docId) first", docId: docId)) }
        guard case .array(let items)? = value else { return try await send(Self.error("bad_message", "ops is an array of ops", docId: docId)) }
        var ops: [Op] = []
        for item in items {
            do {
                ops.append(try OpJSON.decode(item))
            } catch {
                return try await send(Self.error("invalid_op", "\(error)", docId: docId))
            }
        }
        do {
            let ids = try await host.submit(ops, as: user, from: listener)
            var writer = JSONWriter()
            writer.raw("{\"type\":\"ack\",\"docId\":")
            writer.string(docId)
            writer.raw(",\"opIds\":")
            writer.list(ids) { $0.string($1.description) }
            writer.raw("}")
            try await send(writer.text)
        } catch let refusal as DocumentHost.Refusal {
            let code = switch refusal {
            case .forbidden: "forbidden"
            case .invalid: "invalid_op"
            case .unavailable: "unavailable"
            }
            try await send(Self.error(code, refusal.description, docId: docId))
        }
    }

    func close() async {
        for (host, listener) in joined.values { await host.stopListening(listener) }
        joined = [:]
    }
}

extension Server {
    /// Serves until SIGTERM or SIGINT, then stops accepting and closes (for the command
    /// line, which is synchronous).
    public static func runUntilSignalled(_ options: Options, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) throws {
        let app = try application(options, logger: logger, onRunning: onRunning)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        Task {
            do {
                try await app.runService()
            } catch {
                failure = error
            }
            done.signal()
        }
        done.wait()
        if let failure { throw failure }
    }
}
