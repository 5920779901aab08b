import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket

/// A client of the protocol (docs/protocol.md), for `collab sync`, `watch` and `loadtest`
/// and the tests: one WebSocket connection, the text messages it receives as a stream,
/// and a queue of messages to send, sent in order.
package final class ProtocolClient: Sendable {
    /// Every text message the server sends, in order; ends when the connection does.
    package let messages: AsyncStream<String>
    private let outgoing: AsyncStream<String>.Continuation
    private let connection: Task<WebSocketCloseFrame?, any Error>
    /// Where it connects.
    package let url: String

    /// Connects to `url` (ws://host:port/ws), with `token` as a bearer token if given.
    package init(
        url: String, token: String?, headers extra: [(String, String)] = [], maxMessageBytes: Int = 64 << 20,
        logger: Logger = Logger(label: "collab.client")
    ) {
        self.url = url
        let (messages, received) = AsyncStream.makeStream(of: String.self)
        let (toSend, outgoing) = AsyncStream.makeStream(of: String.self)
        self.messages = messages
        self.outgoing = outgoing
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        for (name, value) in extra { if let name = HTTPField.Name(name) { headers[name] = value } }
        let configuration = WebSocketClientConfiguration(maxFrameSize: maxMessageBytes, additionalHeaders: headers)
        connection = Task {
            defer { received.finish() }
            return try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in toSend { try await outbound.writeTextMessage(text) }
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: maxMessageBytes) {
                            if case .text(let text) = message { received.yield(text) }
                        }
                    }
                    // Whichever ends first — the server closed, or `close()` — ends both.
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    /// Why a connection to `url` could not be made, for people: the library's error names
    /// the socket call; this says what to check.
    package static func unreachable(_ url: String, _ error: any Error) -> String {
        let text = "\(error)"
        let why: String
        if text.contains("Connection refused") {
            why = "connection refused: is collab serve running there?"
        } else if text.localizedCaseInsensitiveContains("timed out") || text.localizedCaseInsensitiveContains("timeout") {
            why = "no answer: is the address right, and the server up?"
        } else if text.contains("NXDOMAIN") || text.localizedCaseInsensitiveContains("unknown host") || text.contains("getaddrinfo") {
            why = "no such host"
        } else {
            why = text
        }
        return "cannot reach \(url): \(why)"
    }

    package func send(_ text: String) {
        outgoing.yield(text)
    }

    /// Sends what is queued, then closes the connection.
    package func close() {
        outgoing.finish()
    }

    /// Waits for the connection to end: the server's close frame, if it sent one; throws
    /// if the connection could not be made (refused upgrade included).
    package func closed() async throws -> WebSocketCloseFrame? {
        try await connection.value
    }

    /// Ends the connection at once.
    package func cancel() {
        connection.cancel()
        outgoing.finish()
    }
}
