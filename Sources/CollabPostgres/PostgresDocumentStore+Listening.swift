import CollabLog
import CollabStorage
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// What this process has heard on `collab_events`: enough for a server to skip asking
/// the database about documents nobody wrote to.
struct Heard: Sendable {
    /// Whether the listener is connected: only then does no announcement mean no change.
    var listening = false
    /// Per document: the last batch number announced, and how many rewrites were.
    var batches: [String: Int64] = [:]
    /// The announced payloads of the documents a server holds open (`follow`), by batch
    /// number, until its log takes them.
    var payloads: [String: [Int64: [UInt8]]] = [:]
    var rewrites: [String: Int] = [:]
    /// Announcements of access changes heard.
    var access = 0
    /// Moves each time the listener connects again: what was counted before may have
    /// missed announcements made while it was away.
    var epoch = 0
    var listener: Task<Void, Never>?
    var outbox: AsyncStream<PostgresEvent>.Continuation?
}

extension PostgresDocumentStore {
    /// Listens on `collab_events` on a connection of its own for as long as the process
    /// runs (or until `stopListening`), connecting again whenever it is cut off, and
    /// then says `.resumed`: announcements made meanwhile were missed.
    public func listen(_ heard: @escaping @Sendable (StoreChange) -> Void) {
        let (messages, outbox) = AsyncStream<PostgresEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let started = self.heard.withLock { state -> Bool in
            guard state.listener == nil else { return false }
            state.listener = Task.detached { [self] in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.listenUntilStopped(heard) }
                    group.addTask { await self.send(messages) }
                }
            }
            state.outbox = outbox
            return true
        }
        if !started { outbox.finish() }
    }

    public func stopListening() {
        let (listener, outbox) = heard.withLock { state in
            defer {
                state.listener = nil
                state.outbox = nil
                state.listening = false
            }
            return (state.listener, state.outbox)
        }
        outbox?.finish()
        listener?.cancel()
    }

    /// A message for the document's followers on the other servers: sent in order, on
    /// a pool connection, never stored. Dropped when no listener runs or it is too long.
    public func broadcast(_ documentId: String, _ message: String) {
        let event = PostgresEvent.message(documentId, message)
        guard event.payload.utf8.count <= PostgresEvent.maxPayloadBytes else { return }
        _ = heard.withLock { $0.outbox }?.yield(event)
    }

    /// What the access signature is made of: while listening, the count of access
    /// announcements heard (no query); otherwise nothing, so the rules are read each time.
    public func accessSignature() -> [Int] {
        heard.withLock { $0.listening ? [$0.epoch, $0.access] : [] }
    }

    /// What was heard of a document, in which epoch of the listener.
    struct Announced: Equatable, Sendable {
        var epoch: Int
        var lastBatch: Int64
        var rewrites: Int
    }

    /// Keeps the payloads announced for the document from now on, for its open log.
    func follow(_ documentId: String) {
        heard.withLock { state in if state.payloads[documentId] == nil { state.payloads[documentId] = [:] } }
    }

    func unfollow(_ documentId: String) {
        heard.withLock { $0.payloads[documentId] = nil }
    }

    /// The announced payloads of batches `after + 1` through `through`, if every one of
    /// them was heard (and forgets those up to `through`); nil when any is missing.
    func announcedBatches(of documentId: String, after floor: Int64, through last: Int64) -> [(Int64, [UInt8])]? {
        heard.withLock { state in
            guard var kept = state.payloads[documentId] else { return nil }
            defer { state.payloads[documentId] = kept }
            var batches: [(Int64, [UInt8])] = []
            for seq in stride(from: floor + 1, through: last, by: 1) {
                guard let payload = kept[seq] else {
                    kept = kept.filter { $0.key > floor }
                    return nil
                }
                batches.append((seq, payload))
            }
            kept = kept.filter { $0.key > last }
            return batches
        }
    }

    /// What was heard of the document; nil when not listening.
    func announcements(of documentId: String) -> Announced? {
        heard.withLock { state in
            state.listening
                ? Announced(epoch: state.epoch, lastBatch: state.batches[documentId, default: 0], rewrites: state.rewrites[documentId, default: 0])
                : nil
        }
    }

    private func listenUntilStopped(_ heard: @escaping @Sendable (StoreChange) -> Void) async {
        let logger = connections.logger
        var pause = Duration.milliseconds(100)
        while !Task.isCancelled {
            if let connection = try? await PostgresStore.connect(url, id: 0, logger: logger) {
                _ = try? await connection.listen(on: PostgresEvent.channel) { events in
                    self.heard.withLock { state in
                        state.listening = true
                        state.epoch += 1
                    }
                    heard(.resumed)
                    pause = .milliseconds(100)
                    for try await notification in events {
                        guard let event = PostgresEvent(payload: notification.payload) else { continue }
                        switch event {
                        case .batch(let document, let seq, let payload):
                            // Heard by the server that wrote it too: its log knows the batch
                            // is its own and asks nothing.
                            self.heard.withLock { state in
                                state.batches[document] = max(state.batches[document, default: 0], seq)
                                if let payload, state.payloads[document] != nil, state.payloads[document]!.count < 4096 {
                                    state.payloads[document]![seq] = payload
                                }
                            }
                            heard(.document(document))
                        case .replaced(let document):
                            self.heard.withLock { $0.rewrites[document, default: 0] += 1 }
                            heard(.document(document))
                        case .access:
                            self.heard.withLock { $0.access += 1 }
                            heard(.access)
                        case .message(let document, let message):
                            heard(.message(documentId: document, message))
                        }
                    }
                }
                try? await connection.close()
            }
            self.heard.withLock { $0.listening = false }
            if !Task.isCancelled { logger.warning("not listening to the store; connecting again", metadata: ["store": "\(name)"]) }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(2))
        }
    }

    private func send(_ events: AsyncStream<PostgresEvent>) async {
        let logger = connections.logger
        for await event in events {
            _ = try? await connections.with("a broadcast") { connection in try await event.notify(connection, logger) }
        }
    }
}
