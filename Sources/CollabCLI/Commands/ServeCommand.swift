import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabServer
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a store's documents for real-time editing over WebSocket.",
        discussion: """
            Clients connect to ws://HOST:PORT/ws with a token (Authorization: Bearer TOKEN, \
            ?token=TOKEN, or an auth message first thing), join documents, send ops and \
            presence; each batch is checked with the store's access rules, written to the \
            document's log with one fdatasync shared by every batch waiting at that moment, \
            and only then acknowledged and sent to the other clients (docs/protocol.md). \
            Revoking a grant (collab revoke, even from another process) or a token's expiry \
            takes effect on open connections within a second. GET /healthz answers ok; \
            GET /metrics gives Prometheus metrics. SIGTERM or SIGINT: stop accepting, finish \
            the writes in flight, close every socket with 1001.

            With no key file, DIR/signing.key is made on first start; issue tokens with it.

            On a PostgreSQL store (--store postgres://…, docs/postgres.md), run as many \
            servers as wanted with the same --key-file: they serve the same documents, pass \
            each other's ops and presence through the database, and refuse writes with \
            `unavailable` while it cannot be reached; /healthz then answers 503.

            Examples:
              collab serve
              collab serve --store /srv/collab --port 9000 --key-file /etc/collab/signing.key
              collab serve --host 0.0.0.0 --origin https://docs.example.com --rate 100
              collab serve --store postgres://collab@db.internal/collab --key-file /etc/collab/signing.key
            """
    )

    @Option(help: "The store: a directory or postgres://USER@HOST[:PORT]/DATABASE (default: $COLLAB_STORE, else collab-data).")
    var store: String?

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free one).")
    var port = 8080

    @Option(help: "The signing key file (default: STORE/signing.key, made when missing).")
    var keyFile: String?

    @Option(help: ArgumentHelp("A web page origin allowed to connect (repeatable; default: any).", valueName: "ORIGIN"))
    var origin: [String] = []

    @Option(help: "The largest message in bytes (larger: closed with 1009).")
    var maxMessage = Server.Limits().maxMessageBytes

    @Option(help: "Messages per second one connection may send (twice that in a burst).")
    var rate = Server.Limits().messagesPerSecond

    @Option(help: "WebSocket connections one user may hold.")
    var maxConnectionsPerUser = Server.Limits().connectionsPerUser

    @Option(help: "Connections that may follow one document.")
    var maxConnectionsPerDoc = Server.Limits().connectionsPerDocument

    @Option(help: "Seconds between pings; a client that has not answered by the next is closed.")
    var pingInterval = 30

    @Option(help: "Seconds an unfollowed document stays in memory.")
    var idleUnload = 300

    @Option(help: "Seconds an op's clock may be ahead of the server's; an op stamped later is refused (invalid_op).")
    var maxClockSkew = Int(ClockSkew.limit / 1000)

    func run() async throws {
        let store = self.store ?? StoreLocation.defaultStore
        if StoreLocation.isPostgres(store) && keyFile == nil {
            throw CommandFailure(.usage, "a PostgreSQL store has no folder for a signing key: pass --key-file (the same key on every server)")
        }
        let path = keyFile ?? "\(store)/signing.key"
        if keyFile == nil && !FileIO.exists(path) {
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            do {
                _ = try SigningKey.generate(at: path)
            } catch let problem as SigningKey.Problem {
                throw CommandFailure(.cannotCreate, problem.description)
            }
            standardError("collab: made \(path); give someone access with `collab grant DOC USER editor --as OWNER --store \(store)` and a token with `collab token issue --user USER --key-file \(path) --store \(store)`\n")
        }
        let key = try loadKey(path)
        var logger = Logger(label: "collab")
        logger.logLevel = .info
        let opened = try StoreLocation.open(store)
        let shown = StoreLocation.shown(store)
        let host = host
        guard maxMessage >= 1024, rate >= 1, maxConnectionsPerUser >= 1, maxConnectionsPerDoc >= 1, pingInterval >= 1, idleUnload >= 0, maxClockSkew >= 0 else {
            throw CommandFailure(.usage, "limits are positive (--max-message at least 1024)")
        }
        var limits = Server.Limits()
        limits.maxMessageBytes = maxMessage
        limits.messagesPerSecond = rate
        limits.connectionsPerUser = maxConnectionsPerUser
        limits.connectionsPerDocument = maxConnectionsPerDoc
        limits.pingInterval = .seconds(pingInterval)
        limits.idleDocument = .seconds(idleUnload)
        limits.maxClockSkew = .seconds(maxClockSkew)
        let options = Server.Options(store: opened, host: host, port: port, key: key, origins: origin, limits: limits)
        do {
            try await Server.runUntilSignalled(options, logger: logger) { port in
                standardError("collab: serving \(shown) on ws://\(host):\(port)/ws\n")
            }
        } catch let failure as Server.PortInUse {
            throw CommandFailure(.unavailable, failure.description)
        }
    }
}
