import CollabProtocol
import Foundation
import HummingbirdWebSocket
import NIOWebSocket

/// What a connection has yet to send, in the order it was queued: acknowledgements,
/// other clients' ops and presence. One task drains it into the socket, so messages
/// never overtake each other; anything may queue without waiting (a document's writer
/// passes ops on from inside its actor). When the socket is slower than the document,
/// the `ops` messages waiting for the same document are sent as one (fewer frames and
/// wake-ups under load, the same ops in the same order). A client that reads too slowly
/// is cut off rather than buffered without end: it reconnects and catches up with
/// `join` `since`.
final class Outbox: Sendable {
    enum Item: Sendable {
        case text(String)
        /// Messages queued as one: a catch-up in pages, which may together be larger than
        /// the limit, as one message of it could be before pages.
        case texts([String])
        /// An `ops` message: the document and its ops as JSON objects separated by commas.
        case ops(docId: String, json: String)
        case close(WebSocketErrorCode, String)

        var size: Int {
            switch self {
            case .text(let text): text.utf8.count
            case .texts(let texts): texts.reduce(0) { $0 + $1.utf8.count }
            case .ops(let docId, let json): docId.utf8.count + json.utf8.count + 32
            case .close: 0
            }
        }
    }

    private struct State {
        var queue: [Item] = []
        var queuedBytes = 0
        /// No more may queue (a close is queued, or the client fell too far behind).
        var closed = false
        /// The drain must stop at once.
        var finished = false
    }

    private let state = Locked(State())
    private let wake: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation
    private let limit: Int
    /// The largest message: `ops` for one document are merged only up to it.
    private let maxMessageBytes: Int
    /// Told once when the client has fallen too far behind: the socket is closed at once,
    /// since a close frame would wait behind everything the client is not reading.
    private let onAbort: @Sendable () -> Void

    init(limit: Int, maxMessageBytes: Int = .max, onAbort: @escaping @Sendable () -> Void) {
        (wake, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.limit = limit
        self.maxMessageBytes = maxMessageBytes
        self.onAbort = onAbort
    }

    /// Queues a message; false if the connection is closing.
    @discardableResult
    func send(_ text: String) -> Bool { enqueue(.text(text)) }

    /// Queues messages that go together (a catch-up's pages), in order.
    @discardableResult
    func send(_ texts: [String]) -> Bool { enqueue(.texts(texts)) }

    /// Queues others' ops for a document.
    @discardableResult
    func sendOps(docId: String, json: String) -> Bool { enqueue(.ops(docId: docId, json: json)) }

    private func enqueue(_ item: Item) -> Bool {
        let outcome: Bool? = state.withValue { state in
            guard !state.closed else { return nil }
            state.queuedBytes += item.size
            // The first message waiting may be larger than the limit (a big document's
            // catch-up); a client that lets the messages behind it pile up past the
            // limit is cut off.
            if let head = state.queue.first, state.queuedBytes - head.size > limit {
                state.closed = true
                state.finished = true
                return false
            }
            state.queue.append(item)
            return true
        }
        switch outcome {
        case nil: return false
        case false?:
            wakeUp.finish()
            onAbort()
            return false
        case true?:
            wakeUp.yield()
            return true
        }
    }

    /// Queues a close after what is already queued; later messages are dropped.
    func close(_ code: WebSocketErrorCode, reason: String) {
        let first = state.withValue { state in
            defer { state.closed = true }
            guard !state.closed else { return false }
            state.queue.append(.close(code, reason))
            return true
        }
        if first { wakeUp.yield() }
    }

    var isClosed: Bool { state.withValue { $0.closed } }

    /// At most one write burst per this interval: under load, what queues meanwhile goes
    /// out together (ops for one document merged into one message) instead of a frame,
    /// a flush and a task switch per group write per listener. An idle connection's first
    /// message is not delayed.
    static let pacing: Duration = .milliseconds(4)

    /// Writes queued messages to the socket until a close is sent or the outbox ends.
    func drain(into outbound: WebSocketOutboundWriter) async {
        var lastBurst = ContinuousClock.now - Self.pacing
        for await _ in wake {
            if ContinuousClock.now - lastBurst < Self.pacing { try? await Task.sleep(until: lastBurst + Self.pacing) }
            lastBurst = .now
            let (items, finished) = state.withValue { state in
                defer {
                    state.queue = []
                    state.queuedBytes = 0
                }
                return (state.queue, state.finished)
            }
            if finished { return }
            for item in Self.merged(items, upTo: maxMessageBytes) {
                switch item {
                case .text(let text):
                    do {
                        // Split into frames no larger than the peer's frame limit allows.
                        try await outbound.writeTextMessage(text)
                    } catch {
                        return
                    }
                case .texts(let texts):
                    do {
                        for text in texts { try await outbound.writeTextMessage(text) }
                    } catch {
                        return
                    }
                case .ops(let docId, let json):
                    do {
                        try await outbound.writeTextMessage(ServerMessage.opsMessage(docId: docId, json: json))
                    } catch {
                        return
                    }
                case .close(let code, let reason):
                    try? await outbound.close(code, reason: reason)
                    return
                }
            }
        }
    }

    /// Consecutive `ops` items for the same document as one, while that stays within
    /// `maxMessageBytes`.
    static func merged(_ items: [Item], upTo maxMessageBytes: Int = .max) -> [Item] {
        var result: [Item] = []
        result.reserveCapacity(items.count)
        // The run of ops items being merged: joined once when it ends, not item by item.
        var run: (docId: String, parts: [String], size: Int)?
        func endRun() {
            guard let ended = run else { return }
            result.append(.ops(docId: ended.docId, json: ended.parts.count == 1 ? ended.parts[0] : ended.parts.joined(separator: ",")))
            run = nil
        }
        for item in items {
            if case .ops(let docId, let json) = item {
                if let current = run, current.docId == docId, current.size + item.size <= maxMessageBytes {
                    run!.parts.append(json)
                    run!.size += item.size
                } else {
                    endRun()
                    run = (docId, [json], item.size)
                }
            } else {
                endRun()
                result.append(item)
            }
        }
        endRun()
        return result
    }
}
