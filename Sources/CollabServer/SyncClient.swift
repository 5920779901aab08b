import CollabCore
import CollabLog
import CollabProtocol
import Foundation

/// Brings a local replica and a server's copy of a document level (`collab sync`): pulls
/// the ops the replica lacks, pushes the ones the server lacks, each push acknowledged
/// (durable on the server) before the next.
package enum SyncClient {
    package struct Outcome: Sendable {
        /// Ops new to the replica, in a causal order (already applied to it).
        package var pulled: [Op]
        /// Ops the server acknowledged.
        package var pushed: Int
        /// The server's version after the push.
        package var serverVersion: VersionVector
    }

    /// Why a sync stopped: the server's error code (`forbidden`, `invalid_op`, …) or
    /// `unreachable` / `closed` for the connection.
    package struct Failure: Error, CustomStringConvertible {
        package var code: String
        package var description: String

        package init(code: String, description: String) {
            self.code = code
            self.description = description
        }
    }

    /// A message the server sent, read; nil for a kind this client does not know (passed
    /// over), `bad_message` for one the protocol does not allow.
    package static func read(_ text: String) throws(Failure) -> ServerMessage? {
        guard ServerMessage.kind(of: text) != nil else { return nil }
        do {
            return try ServerMessage.decode(text)
        } catch {
            throw Failure(code: "bad_message", description: "the server sent what the protocol does not say: \(error)")
        }
    }

    /// Syncs `document` with `docId` on the server at `url`. `pulled` is told the new
    /// ops before anything is pushed (so a refused push keeps what was pulled). A server
    /// that says nothing for `answerTimeout` after the connection is given up on.
    package static func sync(
        _ document: Document, url: String, docId: String, token: String, replica: String? = nil, opsPerBatch: Int = 1_000,
        answerTimeout: Duration = .seconds(15), pulled save: ([Op]) throws -> Void
    ) async throws -> Outcome {
        let client = ProtocolClient(url: url, token: token)
        defer { client.close() }
        var inbox = Inbox(client: client)
        let watchdog = AnswerWatchdog(client, timeout: answerTimeout)
        defer { watchdog.stop() }
        do {
            _ = try await inbox.next(.authenticated, docId: nil)
            watchdog.answered()
        } catch {
            throw watchdog.gaveUp ? watchdog.failure : error
        }
        let before = document.historyCount
        client.send(ClientMessage.join(docId: docId, since: document.version, replica: replica).json)
        // The catch-up comes in pages; the last says so and carries the server's version.
        var received: [Op] = []
        let serverVersion: VersionVector
        while true {
            guard case .syncResponse(_, let page, let last, let version) = try await inbox.next(.syncResponse, docId: docId) else { continue }
            received += page
            if !last { continue }
            guard let version else {
                throw Failure(code: "bad_message", description: "the server's last sync_response page has no version")
            }
            serverVersion = version
            break
        }
        // What the server lacks, decided before the pulled ops join the history.
        let missing = document.history(since: serverVersion)
        for op in received {
            do {
                try document.apply(op)
            } catch {
                throw Failure(code: "invalid_op", description: "the server sent an op this replica refuses: \(error)")
            }
        }
        if let (op, needs) = document.firstMissingDependency() {
            throw Failure(code: "invalid_op", description: "the server's op \(op) needs \(needs), which it did not send")
        }
        let pulled = document.history(from: before)
        document.coalescingFloor = document.historyCount
        try save(pulled)
        var pushed = 0
        var version = serverVersion
        for start in stride(from: 0, to: missing.count, by: max(1, opsPerBatch)) {
            let batch = Array(missing[start..<min(missing.count, start + opsPerBatch)])
            client.send(ClientMessage.ops(docId: docId, ops: batch).json)
            _ = try await inbox.next(.ack, docId: docId)
            pushed += batch.count
            for op in batch { version[op.id.client] = max(version[op.id.client], op.endSeq) }
        }
        return Outcome(pulled: pulled, pushed: pushed, serverVersion: version)
    }
}

/// Reads a client's messages in order, waiting for the one a step of a conversation
/// needs; an `error` about the same document, or the connection ending, stops it.
struct Inbox {
    let client: ProtocolClient
    private var iterator: AsyncStream<String>.Iterator

    init(client: ProtocolClient) {
        self.client = client
        iterator = client.messages.makeAsyncIterator()
    }

    /// The next message of `kind` about `docId` (any, when nil); others are passed over.
    mutating func next(_ kind: ServerMessage.Kind, docId: String?) async throws -> ServerMessage {
        while let text = await iterator.next() {
            guard let message = try SyncClient.read(text) else { continue }
            if message.kind == kind && (docId == nil || message.docId == docId) { return message }
            if case .error(let code, _, let text) = message {
                throw SyncClient.Failure(code: code, description: "the server refused: \(code): \(text)")
            }
        }
        do {
            let close = try await client.closed()
            throw SyncClient.Failure(code: "closed", description: "the server closed the connection\(close.map { " (\($0.closeCode)\($0.reason.map { ": \($0)" } ?? ""))" } ?? "")")
        } catch let failure as SyncClient.Failure {
            throw failure
        } catch {
            // A refused upgrade is the server turning the token (or Origin) away.
            if "\(error)".localizedCaseInsensitiveContains("upgrade") {
                throw SyncClient.Failure(code: "unauthenticated", description: "the server refused the connection: a bad or expired token?")
            }
            throw SyncClient.Failure(code: "unreachable", description: ProtocolClient.unreachable(client.url, error))
        }
    }
}
