import CollabAccess
import CollabCore
import CollabLog
import CollabStorage
import Foundation

extension Server {
    /// What `collab serve` is told: where, with which key, and within which limits.
    package struct Options: Sendable {
        package var store: any Store
        package var host: String
        package var port: Int
        package var key: SigningKey
        /// Browser origins allowed to open a WebSocket (empty: any). A request without an
        /// Origin header (not a browser) is always allowed: tokens, not origins, are the
        /// access control; the allowlist stops other sites' pages from riding a browser's token.
        package var origins: [String]
        package var limits: Limits
        /// Serves `/echo`, a WebSocket that sends back what it receives, for the
        /// conformance tests of the framing layer. Never on in `collab serve`.
        package var echoEndpoint: Bool

        package init(
            store: any Store, host: String, port: Int, key: SigningKey, origins: [String] = [], limits: Limits = Limits(),
            echoEndpoint: Bool = false
        ) {
            self.store = store
            self.host = host
            self.port = port
            self.key = key
            self.origins = origins
            self.limits = limits
            self.echoEndpoint = echoEndpoint
        }
    }

    /// How much one client may ask of the server (docs/protocol.md, "Limits").
    package struct Limits: Sendable {
        /// The largest message, assembled from its frames; larger closes with 1009. Also
        /// the largest a permessage-deflate frame may inflate to.
        package var maxMessageBytes = 1 << 20
        /// Messages per second a connection may send on average (twice that in a burst);
        /// more are answered `rate_limited` and dropped, and a connection that drops a
        /// whole second's worth within one second is closed with 1008.
        package var messagesPerSecond = 200
        /// WebSocket connections one user may hold at once.
        package var connectionsPerUser = 32
        /// Connections that may follow one document at once.
        package var connectionsPerDocument = 1_000
        /// The server pings every this often; a client that has not answered by the next
        /// ping is closed.
        package var pingInterval: Duration = .seconds(30)
        /// Bytes waiting to be sent to one client; a client that falls this far behind is
        /// disconnected (it reconnects and catches up with `join` `since`).
        package var maxQueuedBytes = 16 << 20
        /// A document no client follows is dropped from memory after this long.
        package var idleDocument: Duration = .seconds(300)
        /// How long a connection that upgraded without a token has to send `auth`.
        package var authDeadline: Duration = .seconds(5)
        /// Presence updates passed on per client per second (later ones are coalesced).
        package var presencePerSecond = 30
        /// How far ahead of the server's clock an op's wall may be; an op stamped later
        /// would win last-writer-wins against every later edit, and is refused.
        package var maxClockSkew: Duration = .milliseconds(ClockSkew.limit)

        /// `maxClockSkew` in milliseconds, as op walls count.
        var maxClockSkewMilliseconds: Int64 {
            let (seconds, attoseconds) = maxClockSkew.components
            return seconds * 1000 + attoseconds / 1_000_000_000_000_000
        }

        package init() {}
    }
}
