import Foundation
import HummingbirdWebSocket
import NIOWebSocket

/// What a connection has yet to send, in the order it was queued: acknowledgements,
/// other clients' ops and presence. One task drains it into the socket, so messages
/// never overtake each other; anything may queue without waiting (a document's writer
/// passes ops on from inside its actor). A client that reads too slowly is cut off
/// rather than buffered without end: it reconnects and catches up with `join` `since`.
final class Outbox: Sendable {
    enum Item: Sendable {
        case text(String)
        case close(WebSocketErrorCode, String)
    }

    private let items: AsyncStream<Item>
    private let input: AsyncStream<Item>.Continuation
    private let state = Locked((queuedBytes: 0, closed: false))
    private let limit: Int
    /// Told once when the client has fallen too far behind: the socket is closed at once,
    /// since a close frame would wait behind everything the client is not reading.
    private let onAbort: @Sendable () -> Void

    init(limit: Int, onAbort: @escaping @Sendable () -> Void) {
        (items, input) = AsyncStream.makeStream(of: Item.self)
        self.limit = limit
        self.onAbort = onAbort
    }

    /// Queues a message; false if the connection is closing.
    @discardableResult
    func send(_ text: String) -> Bool {
        let overflow: Bool? = state.withValue { state in
            guard !state.closed else { return nil }
            state.queuedBytes += text.utf8.count
            if state.queuedBytes > limit {
                state.closed = true
                return true
            }
            return false
        }
        switch overflow {
        case nil: return false
        case true?:
            input.finish()
            onAbort()
            return false
        case false?:
            input.yield(.text(text))
            return true
        }
    }

    /// Queues a close after what is already queued; later messages are dropped.
    func close(_ code: WebSocketErrorCode, reason: String) {
        let first = state.withValue { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return }
        input.yield(.close(code, reason))
        input.finish()
    }

    var isClosed: Bool { state.withValue { $0.closed } }

    /// Writes queued messages to the socket until a close is sent or the outbox ends.
    func drain(into outbound: WebSocketOutboundWriter) async {
        for await item in items {
            switch item {
            case .text(let text):
                state.withValue { $0.queuedBytes -= text.utf8.count }
                do {
                    // Split into frames no larger than the peer's frame limit allows.
                    try await outbound.writeTextMessage(text)
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
