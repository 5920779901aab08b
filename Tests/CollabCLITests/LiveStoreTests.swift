import CollabCore
import CollabLog
import CollabProtocol
import CollabServer
import CollabStorage
import CollabTestSupport
import Foundation
import Testing

/// An operator's commands on a store that a running `collab serve` has open, while a
/// connected client keeps writing: the client sees each change within a second, its
/// writes go on being acknowledged, and the log verifies.
@Suite("collab serve among other writers", .serialized, .timeLimit(.minutes(3)))
struct LiveStoreTests {
    /// How long a client may take to see an operator's change. The server looks four
    /// times a second, and a writing client's next write catches up at once (0.005 to
    /// 0.23 s measured after each command ended); the promise is a second. These tests run beside the whole suite on two cores,
    /// where a starved test process was once seen to take longer to notice, so they
    /// allow two; what each step took is printed.
    static let seenWithin: Duration = .seconds(2)

    /// A connected client that writes one character after another, each sent once the
    /// one before is acknowledged (unless it only follows), and keeps every message it
    /// receives.
    final class Writer: @unchecked Sendable {
        let client: ProtocolClient
        private let lock = NSLock()
        private var messages: [String] = []
        private var acknowledged = 0
        private var seq = -1
        private var pump: Task<Void, Never>?
        /// Where the first character goes: after this one (nil: at the start).
        let start: OpId?

        init(url: String, token: String, keepsWriting: Bool = true, after start: OpId? = nil) {
            client = ProtocolClient(url: url, token: token)
            self.start = start
            pump = Task { [self] in
                for await text in client.messages {
                    record(text)
                    guard case .object(let fields)? = try? JSONParser.parse(text), case .string(let type)? = fields["type"] else { continue }
                    switch type {
                    case "auth_ok": client.send(ClientMessage.join(docId: "notes", since: nil, replica: nil).json)
                    case "sync_response" where lock.withLock({ seq < 0 }):
                        lock.withLock { seq = fields["version"].flatMap { VersionVector(message: $0) }?["alice/w"] ?? 0 }
                        if keepsWriting { write() }
                    case "ack":
                        lock.withLock { acknowledged += 1 }
                        guard keepsWriting else { break }
                        try? await Task.sleep(for: .milliseconds(20))
                        write()
                    default: break
                    }
                }
            }
        }

        /// Sends the next character.
        func write() {
            let next = lock.withLock { defer { seq += 1 }; return seq }
            send(next)
        }

        private func record(_ text: String) {
            lock.withLock { messages.append(text) }
        }

        private func send(_ seq: Int) {
            let op = Op(
                id: OpId("alice/w", seq), timestamp: Timestamp(wall: Int64(Date().timeIntervalSince1970 * 1000)),
                payload: .textInsert(TextInsert(after: seq == 0 ? start : OpId("alice/w", seq - 1), before: nil, text: "w")))
            client.send(ClientMessage.ops(docId: "notes", ops: [op]).json)
        }

        var acks: Int { lock.withLock { acknowledged } }
        var received: [String] { lock.withLock { messages } }
        var errors: [String] { received.filter { $0.contains(#""type":"error""#) } }

        /// Waits until a message from index `from` on matches; false after `timeout`.
        func sees(from: Int, within timeout: Duration, _ matches: (String) -> Bool) async -> Bool {
            let start = ContinuousClock.now
            let deadline = start + timeout
            while ContinuousClock.now < deadline {
                if received.dropFirst(from).contains(where: matches) {
                    print("seen after \(ContinuousClock.now - start)")
                    return true
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return false
        }

        /// Waits until more than `count` writes have been acknowledged; false after `timeout`.
        func acknowledges(beyond count: Int, within timeout: Duration) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if acks > count { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return false
        }

        func stop() {
            client.close()
            pump?.cancel()
        }
    }

    @Test func operatorCommandsOnALiveDocumentReachItsClientAndLeaveItWritable() async throws {
        let dir = try CLI.scratch()
        let server = try ServeCommandTests.ServeProcess(in: dir)
        defer { server.kill(SIGTERM) }
        try CLI.run(["grant", "notes", "alice", "owner", "--as", "alice", "--store", "collab-data"], in: dir)
        let token = try CLI.run(["token", "issue", "--user", "alice", "--key-file", "collab-data/signing.key", "--store", "collab-data"], in: dir)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let writer = Writer(url: server.url, token: token)
        defer { writer.stop() }
        #expect(await writer.acknowledges(beyond: 3, within: .seconds(10)), "the client writes: \(writer.received.suffix(3))")
        let path = try DocumentStore(dir.file("collab-data").path).path(for: "notes")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let applied = #"{"id":{"clientId":"alice/ap","seq":0},"type":"text_insert","timestamp":{"wall":"# + "\(now)"
            + #","logical":0},"payload":{"after":null,"before":null,"text":"AP"}}"#

        /// Runs an operator's command; `seen` is what the client must receive within a second.
        func step(_ arguments: [String], stdin: String? = nil, seen: ((String) -> Bool)?) async throws {
            let mark = writer.received.count
            let run = try await CLI.runOffThePool(arguments, in: dir, stdin: stdin)
            #expect(run.status == 0, "\(arguments[0]): \(run)")
            if let seen {
                #expect(await writer.sees(from: mark, within: Self.seenWithin, seen), "\(arguments[0]): the client did not see it in time")
            }
            #expect(await writer.acknowledges(beyond: writer.acks, within: .seconds(5)), "\(arguments[0]): the next write was not acknowledged")
            #expect(writer.errors.isEmpty, "\(arguments[0]): \(writer.errors)")
            let verified = try await CLI.runOffThePool(["verify", path], in: dir)
            #expect(verified.status == 0, "\(arguments[0]): \(verified)")
        }

        let store = ["--store", "collab-data"]
        try await step(["edit", "notes"] + store + ["--client", "alice/off", "--as", "alice", "insert", "0", "OFF"]) {
            $0.contains(#""type":"ops""#) && $0.contains(#""clientId":"alice/off""#)
        }
        try await step(["apply", "notes"] + store + ["-"], stdin: applied + "\n") {
            $0.contains(#""type":"ops""#) && $0.contains(#""clientId":"alice/ap""#)
        }
        try await step(["tag", "notes"] + store + ["v1"], seen: nil)
        try await step(["checkpoint", "notes"] + store, seen: nil)
        try await step(["revert", "notes"] + store + ["--ops", "alice/off:0"]) {
            $0.contains(#""type":"ops""#) && $0.contains(#""clientId":"collab-revert""#)
        }
        try await step(["restore", "notes"] + store + ["--to", "v1"]) {
            $0.contains(#""type":"ops""#) && $0.contains(#""clientId":"restore""#)
        }
        try await step(["compact", "notes"] + store + ["--before", "head", "--drop-tags"]) {
            $0.contains(#""type":"sync_response""#)
        }
        // After all of it, the log holds every acknowledged write and the operator's ops.
        let acknowledged = writer.acks
        writer.stop()
        let logged = try OpLogFile.loadDocument(path).document
        #expect(logged.version["alice/w"] >= acknowledged)
        for client in ["alice/off", "alice/ap", "collab-revert", "restore"] { #expect(logged.version[client] > 0, "\(client)") }
    }

    /// A client that only reads is told of others' appends and of a compaction by the
    /// server itself, within a second, and can write after them.
    @Test func aClientThatOnlyFollowsSeesOperatorChangesWithinASecond() async throws {
        let dir = try CLI.scratch()
        let server = try ServeCommandTests.ServeProcess(in: dir)
        defer { server.kill(SIGTERM) }
        try CLI.run(["grant", "notes", "alice", "owner", "--as", "alice", "--store", "collab-data"], in: dir)
        try CLI.run(["edit", "notes", "--store", "collab-data", "--client", "alice/off", "insert", "0", "Hello"], in: dir)
        let token = try CLI.run(["token", "issue", "--user", "alice", "--key-file", "collab-data/signing.key", "--store", "collab-data"], in: dir)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Its write goes at the end, as an editor's would: after the last character it has.
        let follower = Writer(url: server.url, token: token, keepsWriting: false, after: OpId("alice/off", 5))
        defer { follower.stop() }
        #expect(await follower.sees(from: 0, within: .seconds(10)) { $0.contains(#""type":"sync_response""#) })
        var mark = follower.received.count
        let edited = try await CLI.runOffThePool(["edit", "notes", "--store", "collab-data", "--client", "alice/off", "insert", "5", "!"], in: dir)
        #expect(edited.status == 0, "\(edited)")
        #expect(await follower.sees(from: mark, within: Self.seenWithin) { $0.contains(#""type":"ops""#) && $0.contains(#""text":"!""#) })
        mark = follower.received.count
        let compacted = try await CLI.runOffThePool(["compact", "notes", "--store", "collab-data", "--before", "head"], in: dir)
        #expect(compacted.status == 0, "\(compacted)")
        #expect(await follower.sees(from: mark, within: Self.seenWithin) {
            $0.contains(#""type":"sync_response""#) && $0.contains(#""version":{"alice/off":6}"#)
        })
        follower.write()
        #expect(await follower.acknowledges(beyond: 0, within: .seconds(5)), "\(follower.received.suffix(3))")
        #expect(follower.errors.isEmpty, "\(follower.errors)")
        #expect(try CLI.run(["materialize", "notes", "--store", "collab-data"], in: dir).stdout == "Hello!w")
        // A replica behind the cutoff cannot be caught up with ops, and is told so.
        let late = Writer(url: server.url, token: token, keepsWriting: false)
        defer { late.stop() }
        #expect(await late.sees(from: 0, within: .seconds(10)) { $0.contains(#""code":"behind_cutoff""#) && $0.contains("resync from a snapshot") })
    }
}

extension CLI {
    /// `run`, on a thread of its own: waiting for the child process never holds one of
    /// the concurrency pool's few threads, which the server's clients need meanwhile.
    static func runOffThePool(
        _ arguments: [String], in directory: URL, stdin: String? = nil, environment: [String: String] = [:]
    ) async throws -> CollabRun {
        try await RawWebSocket.offThePool { try CLI.run(arguments, in: directory, stdin: stdin, environment: environment) }
    }
}
