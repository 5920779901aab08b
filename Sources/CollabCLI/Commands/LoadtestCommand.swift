import ArgumentParser
import CollabAccess
import CollabLog
import CollabServer
import CollabStorage
import Foundation

struct LoadtestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Measure a server under simulated typists: ack and broadcast latency, throughput.",
        discussion: """
            Opens --clients connections spread over --docs documents (PREFIX0, PREFIX1, …); \
            the first --typists of them insert one character per op at --rate ops/s each \
            for --duration seconds, timing each acknowledgement (durable on the server); \
            every client times each op it is passed from when its typist sent it. Prints \
            p50/p95/p99 latencies, throughput and errors (any refusal, or an op never \
            acknowledged).

            With --key-file and --store (the server's), it grants its simulated users \
            (lt0, lt1, … as editors of the folder PREFIX's) and mints their tokens itself; \
            otherwise every client uses --token.

            Examples:
              collab loadtest ws://127.0.0.1:8080/ws --clients 1000 --typists 500 --docs 100 \\
                --rate 2 --duration 60 --key-file collab-data/signing.key --store collab-data --json
              collab loadtest ws://127.0.0.1:8080/ws --clients 50 --docs 1 --rate 100 --duration 20 \\
                --key-file collab-data/signing.key --store collab-data
              collab loadtest ws://127.0.0.1:8081/ws ws://127.0.0.1:8082/ws --clients 1000 --typists 500 \\
                --docs 100 --key-file signing.key --store postgres://collab@db/collab --json

            With several servers, the broadcasts whose typist was on another server than \
            the follower are also timed on their own ("cross-server").
            """
    )

    @Argument(help: "The server's WebSocket URL; several servers of one store: their URLs, clients spread over them in turn.")
    var urls: [String] = []

    @Option(help: "Connections to open.")
    var clients = 10

    @Option(help: "How many of them type (default: all).")
    var typists: Int?

    @Option(help: "Documents to spread them over.")
    var docs = 1

    @Option(help: "Ops per second per typist.")
    var rate = 2.0

    @Option(help: "Seconds of typing.")
    var duration = 10.0

    @Option(help: "The documents' id prefix (a folder, so that one grant covers them).")
    var prefix = "loadtest/doc-"

    @Option(help: "The server's signing key: grant simulated users and mint their tokens.")
    var keyFile: String?

    @Option(help: "The server's store (with --key-file).")
    var store: String?

    @Option(help: "One token for every client (without --key-file).")
    var token: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard !urls.isEmpty else { throw ValidationError("name the server's WebSocket URL") }
        guard clients >= 1, docs >= 1, rate > 0, duration > 0 else { throw ValidationError("--clients, --docs, --rate and --duration are positive") }
        if let typists, typists < 0 || typists > clients { throw ValidationError("--typists is between 0 and --clients") }
        if (keyFile == nil) != (store == nil) { throw ValidationError("--key-file and --store go together") }
        if keyFile == nil && token == nil { throw ValidationError("give --key-file and --store, or --token") }
        if let problem = DocumentPath.problem(with: prefix + "0") { throw ValidationError("--prefix \(prefix): \(problem)") }
        if keyFile != nil && !prefix.contains("/") {
            throw ValidationError("with --key-file, --prefix is a folder and a name start (like loadtest/doc-): the folder is what the simulated users are granted")
        }
    }

    func run() async throws {
        let credentials: @Sendable (Int) async throws -> String
        if let keyFile, let store {
            let key = try loadKey(keyFile)
            let store = try StoreLocation.open(store)
            let audience = try StoreIdentity.audience(of: store, creating: false)
            let folder = String(prefix[...prefix.lastIndex(of: "/")!])
            try grantSimulatedUsers(count: clients, folder: folder, store: store)
            let expiresAt = Int64(Date().timeIntervalSince1970 * 1000) + Int64((duration + 600) * 1000)
            credentials = { k in
                try await AccessToken(user: "lt\(k)", expiresAt: expiresAt, audience: audience).signed(with: key)
            }
        } else {
            let token = token!
            credentials = { _ in token }
        }
        let plan = LoadTest.Plan(
            urls: urls, clients: clients, typists: typists ?? clients, documents: docs, rate: rate,
            duration: .milliseconds(Int64(duration * 1000)), documentPrefix: prefix, credentials: credentials)
        if !json { standardError("collab: \(clients) clients, \(plan.typists) typing at \(rate) ops/s on \(docs) documents for \(duration) s…\n") }
        let report = await LoadTest.run(plan)
        if json {
            print(report.json)
        } else {
            let p = LoadTest.Report.percentile
            print("clients connected  \(report.connected) of \(clients)")
            print("ops acknowledged   \(report.acknowledged) of \(report.sent) sent, \(String(format: "%.1f", report.opsPerSecond)) ops/s")
            print("ack latency        p50 \(ms(p(report.ackMilliseconds, 50)))  p95 \(ms(p(report.ackMilliseconds, 95)))  p99 \(ms(p(report.ackMilliseconds, 99)))")
            print("broadcast latency  p50 \(ms(p(report.broadcastMilliseconds, 50)))  p95 \(ms(p(report.broadcastMilliseconds, 95)))  p99 \(ms(p(report.broadcastMilliseconds, 99)))")
            if urls.count > 1 {
                print("  across servers   p50 \(ms(p(report.crossServerMilliseconds, 50)))  p95 \(ms(p(report.crossServerMilliseconds, 95)))  p99 \(ms(p(report.crossServerMilliseconds, 99)))")
            }
            print("errors             \(report.errors)")
            for error in report.firstErrors { print("  \(error)") }
        }
        if report.errors > 0 || report.connected < clients { throw CommandFailure(.unavailable, "\(report.errors) errors, \(report.connected) of \(clients) connected") }
    }

    private func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }

    /// lt0…ltN-1 become editors of `folder` (its owner, `loadtest`, is made first if it
    /// has none); grants already in force are not repeated.
    private func grantSimulatedUsers(count: Int, folder: String, store: any Store) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let policy = try AccessLog.policy(in: store)
        if !policy.decide("loadtest", .grant, on: folder + "doc", at: now).allowed {
            try AccessLog.record(AccessEvent(kind: .grant, target: folder, subject: "loadtest", level: .owner, by: "loadtest", at: now), in: store, at: now)
        }
        for k in 0..<count where !policy.decide("lt\(k)", .op("text_insert"), on: folder + "doc", at: now).allowed {
            try AccessLog.record(AccessEvent(kind: .grant, target: folder, subject: "lt\(k)", level: .editor, by: "loadtest", at: now), in: store, at: now)
        }
    }
}
