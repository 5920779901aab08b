import ArgumentParser
import CollabAccess
import CollabLog
import CollabServer
import Foundation
import Logging

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a store's documents for real-time editing over WebSocket.",
        discussion: """
            Clients connect to ws://HOST:PORT/ws with a token (Authorization: Bearer TOKEN, \
            or ?token=TOKEN), join documents and send ops; each batch is checked with the \
            store's access rules, written to the document's log with one fdatasync shared \
            by every batch waiting at that moment, and only then acknowledged and sent to \
            the other clients (docs/protocol.md). GET /healthz answers ok.

            With no key file, DIR/signing.key is made on first start; issue tokens with it.
            What is not built yet: presence, the polling fallback, metrics and limits \
            (the serve issue).

            Examples:
              collab serve
              collab serve --store /srv/collab --port 9000 --key-file /etc/collab/signing.key
            """
    )

    @Option(help: "The store directory.")
    var store = DocumentStore.defaultDirectory

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free one).")
    var port = 8080

    @Option(help: "The signing key file (default: STORE/signing.key, made when missing).")
    var keyFile: String?

    func run() throws {
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
        let store = store
        let host = host
        try Server.runUntilSignalled(.init(store: store, host: host, port: port, key: key), logger: logger) { port in
            standardError("collab: serving \(store) on ws://\(host):\(port)/ws\n")
        }
    }
}
