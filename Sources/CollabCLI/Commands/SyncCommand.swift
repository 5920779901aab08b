import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabServer

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Bring a local log and a server's document level: pull, then push.",
        discussion: """
            Joins DOC on the server with the log's version, appends the ops the log lacks \
            (in a causal order), then sends the ops the server lacks, each batch \
            acknowledged — durable on the server — before the next. The way to bring edits \
            made offline with `collab edit` online. A missing LOG is created from the \
            server's copy.

            Exit status: 0 done; 77 the server refused (token, access); 65 an op was \
            refused; 69 the server could not be reached or closed the connection.

            Examples:
              collab sync notes.clog ws://localhost:8080/ws --doc notes --token "$TOKEN" --replica alice/laptop
              COLLAB_TOKEN=$(cat token) collab sync notes.clog ws://host:8080/ws --doc team/notes --json
            """
    )

    @OptionGroup var location: LogLocation

    @OptionGroup var server: ServerConnection

    @Option(help: "The client id this log writes as (yours: USER or USER/DEVICE): the server records the version it holds, for compact --stable.")
    var replica: String?

    @Flag(help: "Print the outcome as JSON.")
    var json = false

    func run() async throws {
        let token = try server.resolvedToken()
        let file = try location.load(allowMissing: true)
        let document = try file.document()
        let doc = server.doc
        let outcome: SyncClient.Outcome
        do {
            outcome = try await SyncClient.sync(document, url: server.url, docId: doc, token: token, replica: replica) { pulled in
                if !pulled.isEmpty { try file.append(pulled) }
            }
        } catch let failure as SyncClient.Failure {
            throw CommandFailure(exitStatus(forServerCode: failure.code), "\(doc): \(failure.description)")
        }
        if json {
            print("{\"pulled\":\(outcome.pulled.count),\"pushed\":\(outcome.pushed),\"version\":\(document.version.jsonText)}")
        } else {
            print("pulled \(outcome.pulled.count) ops, pushed \(outcome.pushed); \(location.name) is now at \(document.version)")
        }
    }
}
