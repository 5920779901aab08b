import CollabAccess
import CollabLog
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// `collab serve`: HTTP and WebSocket on one port (docs/protocol.md). A connection proves
/// who it is with a token before the upgrade (`Authorization: Bearer …` or `?token=…`)
/// or in an `auth` message first thing after it; every join and batch is checked with
/// the store's access rules; every batch is durable before it is acknowledged.
package enum Server {
    /// The server as services to run together: the HTTP/WebSocket application, the
    /// access watch, and the shutdown herald (last, so that on SIGTERM/SIGINT it closes
    /// the sockets before the application stops). `onRunning` is told the port.
    package static func services(
        _ options: Options, logger: Logger, metrics: ServerMetrics = ServerMetrics(),
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> [any Service] {
        let hub = Hub(store: options.store, limits: options.limits, metrics: metrics, logger: logger)
        hub.listenToStore()
        options.store.observeRoundTrips { metrics.database(seconds: $0.inSeconds) }
        return [try application(options, hub: hub, logger: logger, onRunning: onRunning), AccessWatch(hub: hub), ShutdownHerald(hub: hub)]
    }

    static func application(
        _ options: Options, hub: Hub, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) throws -> some ApplicationProtocol {
        let metrics = hub.metrics
        let gate = TokenGate(key: options.key, audience: try StoreIdentity.audience(of: options.store, creating: true))
        let origins = Set(options.origins)
        /// Browsers send their page's http(s) origin; other clients send none, or their
        /// own ws:// URL (as the WebSocket client library does), and are not checked.
        @Sendable func originAllowed(_ request: Request) -> Bool {
            guard !origins.isEmpty else { return true }
            return request.headers[values: .origin].allSatisfy { origin in
                !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) || origins.contains(origin)
            }
        }

        let router = Router(context: ConnectionContext.self)
        // Ok when the store can be used: a PostgreSQL store's database answers.
        let store = options.store
        router.get("/healthz") { _, _ -> Response in
            guard let problem = store.problem() else { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "unavailable: \(problem)\n")))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        Polling.routes(router, hub: hub, gate: gate)
        WebPages.routes(router, hub: hub, gate: gate)
        HistoryAPI.routes(router, hub: hub, gate: gate)
        AccessAPI.routes(router, hub: hub, gate: gate)
        // What a request for /ws that was not upgraded gets: why not.
        router.get("/ws") { request, _ -> Response in
            if !originAllowed(request) { throw Polling.failure(.forbidden, "forbidden", "this Origin may not connect") }
            throw Polling.failure(.unauthorized, "unauthenticated", "a WebSocket upgrade with a valid token is needed")
        }

        let sockets = Router(context: ConnectionContext.self)
        sockets.ws("/ws") { request, context in
            guard originAllowed(request) else {
                await UpgradeRefusal.install(on: context.channel, .forbidden, code: "forbidden", message: "this Origin may not connect")
                return .dontUpgrade
            }
            // No token: it must come in an `auth` message. A token that fails: no socket.
            guard let token = TokenGate.token(in: request) else { return .upgrade([:]) }
            do {
                _ = try await gate.verify(token)
                return .upgrade([:])
            } catch {
                metrics.rejected("unauthenticated")
                await UpgradeRefusal.install(on: context.channel, .unauthorized, code: "unauthenticated", message: "\(error)")
                return .dontUpgrade
            }
        } onUpgrade: { inbound, outbound, context in
            try await Connection(hub: hub, gate: gate, channel: context.requestContext.channel)
                .run(inbound, outbound, token: TokenGate.token(in: context.request))
        }
        if options.echoEndpoint {
            sockets.ws("/echo") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: options.limits.maxMessageBytes) {
                    switch message {
                    case .text(let text): try await outbound.writeTextMessage(text)
                    case .binary(let buffer): try await outbound.writeBinaryMessage(buffer)
                    }
                }
            }
        }
        let limits = options.limits
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: limits.maxMessageBytes,
            // Received frames pass through extensions last to first: the mask check first.
            extensions: [
                WebSocketExtensionFactory { BoundedDeflateBuilder(maxInflatedBytes: limits.maxMessageBytes) },
                .nonNegotiatedExtension { MaskRequired() },
            ],
            autoPing: .enabled(timePeriod: limits.pingInterval),
            closeTimeout: .seconds(5),
            validateUTF8: true)
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: sockets, configuration: webSocket),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "collab"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets batches in flight
    /// finish, and closes the sockets. A port another process holds is `PortInUse`.
    package static func runUntilSignalled(_ options: Options, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: try services(options, logger: logger, onRunning: onRunning),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            let inUse = (error as? IOError)?.errnoCode == EADDRINUSE || "\(error)".contains("Address already in use")
            throw inUse ? PortInUse(host: options.host, port: options.port) : error
        }
    }

    /// The server could not listen: another process has its port.
    package struct PortInUse: Error, CustomStringConvertible {
        package let host: String
        package let port: Int
        package var description: String { "port \(port) on \(host) is in use: pass --port (0 picks a free one)" }
    }
}

/// The request context of every route: the standard one, plus the connection's channel,
/// so that a client that stops reading, or sends a body over the limit, can be cut off.
struct ConnectionContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
