import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabProtocol
import CollabServer
import Foundation

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Stream a document's ops from a server as JSON lines.",
        discussion: """
            Joins DOC and prints every op — first the document's history (or only what \
            follows --since), then each op as others send it — one JSON object per line, \
            the form `collab apply` reads. With --presence, presence messages (cursors, \
            names, joins and leaves) are printed too, as the server sends them. Ends when \
            the server closes the connection, after --count ops, or on Ctrl-C.

            Examples:
              collab watch ws://localhost:8080/ws --doc notes --token "$TOKEN"
              collab watch ws://localhost:8080/ws --doc notes --from-now --presence | jq .
              collab watch ws://host/ws --doc notes --count 100 | collab apply copy.clog -
            """
    )

    @OptionGroup var server: ServerConnection

    @Option(help: "Only ops after this version vector (e.g. alice:41,bob:7).")
    var since: String?

    @Flag(help: "Skip the history: only ops sent from now on.")
    var fromNow = false

    @Flag(help: "Print presence messages too.")
    var presence = false

    @Option(help: "Stop after this many ops.")
    var count: Int?

    func validate() throws {
        if fromNow && since != nil { throw ValidationError("--from-now and --since: choose one") }
        if let count, count < 1 { throw ValidationError("--count is at least 1") }
    }

    func run() async throws {
        let token = try server.resolvedToken()
        let since = try since.map { text -> VersionVector in
            guard let version = VersionVector(parsing: text) else { throw CommandFailure(.usage, "--since \(text): not a version vector (alice:41,bob:7)") }
            return version
        }
        let (url, doc, fromNow, presence, count) = (server.url, server.doc, fromNow, presence, count)
        do {
            // One connection's conversation; `return` ends it when --count is reached.
            try await { () async throws -> Void in
                let client = ProtocolClient(url: url, token: token)
                defer { client.close() }
                let watchdog = AnswerWatchdog(client, timeout: .seconds(15))
                defer { watchdog.stop() }
                var printed = 0
                var joined = false
                for await text in client.messages {
                    guard let message = try SyncClient.read(text) else { continue }
                    watchdog.answered()
                    switch message {
                    case .authenticated where !joined:
                        joined = true
                        client.send(ClientMessage.join(docId: doc, since: since, replica: nil).json)
                    case .syncResponse where fromNow: continue
                    case .ops(_, let ops), .syncResponse(_, let ops, _, _):
                        for op in ops {
                            print(OpJSON.line(op))
                            printed += 1
                            if let count, printed >= count {
                                fflush(nil)
                                return
                            }
                        }
                        fflush(nil)
                    case .presence where presence:
                        print(text)
                        fflush(nil)
                    case .error(let code, _, _):
                        throw SyncClient.Failure(code: code, description: "the server refused: \(text)")
                    default: continue
                    }
                }
                if watchdog.gaveUp { throw watchdog.failure }
                do {
                    _ = try await client.closed()
                } catch {
                    if "\(error)".localizedCaseInsensitiveContains("upgrade") {
                        throw SyncClient.Failure(code: "unauthenticated", description: "the server refused the connection: a bad or expired token?")
                    }
                    throw error
                }
            }()
        } catch let failure as SyncClient.Failure {
            throw CommandFailure(exitStatus(forServerCode: failure.code), "\(doc): \(failure.description)")
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(.unavailable, ProtocolClient.unreachable(server.url, error))
        }
    }
}
