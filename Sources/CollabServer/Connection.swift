import CollabAccess
import CollabLog
import CollabProtocol
import Foundation
import HummingbirdWebSocket
import NIOWebSocket
import NIOCore

/// One WebSocket connection from upgrade to close: authentication, the rate limit, and
/// two tasks — one reading messages into the session, one writing the outbox to the
/// socket. When either ends, so does the other.
struct Connection {
    let hub: Hub
    let gate: TokenGate
    let channel: any Channel

    /// Throws what broke the protocol (invalid UTF-8 in a text message, say): the library
    /// closes the connection with that error's code (1007), not as a normal end (1000).
    func run(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, token: String?) async throws {
        let metrics = hub.metrics
        metrics.connectionOpened()
        defer { metrics.connectionClosed() }
        let channel = channel
        let logger = hub.logger
        let limit = hub.limits.maxQueuedBytes
        let outbox = Outbox(limit: limit, maxMessageBytes: hub.limits.maxMessageBytes) {
            logger.notice("connection cut off: the client fell behind", metadata: ["queued_over": "\(limit)"])
            channel.close(promise: nil)
        }
        var session: Session?
        if let token, let claims = try? await gate.verify(token) {
            session = await admit(claims, outbox)
            guard session != nil else { return await outbox.drain(into: outbound) }
        } else {
            // Upgraded without a token: `auth` must come first, and soon.
            Task {
                try? await Task.sleep(for: hub.limits.authDeadline)
                if !outbox.isClosed && !authenticated.withValue({ $0 }) {
                    metrics.rejected("unauthenticated")
                    outbox.send(ServerMessage.error(code: "unauthenticated", docId: nil, message: "send auth with a token first").json)
                    outbox.close(.policyViolation, reason: "no auth")
                }
            }
        }
        let established = session
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await outbox.drain(into: outbound) }
            group.addTask { await read(inbound, into: established, outbox) }
            await group.next()
            if outbox.isClosed {
                // A close is queued (or sent): let the other side of the pair finish — the
                // drain writes what is queued, the close last — for at most a few seconds.
                group.addTask { try? await Task.sleep(for: .seconds(5)) }
                await group.next()
            }
            group.cancelAll()
        }
        if let session = established ?? lateSession.withValue({ $0 }) {
            await session.end()
            await hub.unregister(session)
        }
        if let broken = protocolBroken.withValue({ $0 }), !outbox.isClosed { throw broken }
    }

    /// What ended the reading, if the peer broke the protocol or the socket failed.
    private let protocolBroken = Locked<(any Error)?>(nil)

    private let authenticated = Locked(false)
    private let lateSession = Locked<Session?>(nil)

    /// A session for `claims`, registered with the hub; nil (and the connection told and
    /// closing) when the user holds as many connections as allowed.
    private func admit(_ claims: AccessToken, password: String? = nil, _ outbox: Outbox) async -> Session? {
        let session = Session(Credentials(claims, password: password), hub: hub, gate: gate, outbox: outbox)
        guard await hub.register(session) else {
            hub.metrics.rejected("too_many_connections")
            outbox.send(ServerMessage.error(code: "too_many_connections", docId: nil, message: "\(claims.user) has as many connections open as allowed").json)
            outbox.close(.policyViolation, reason: "too many connections")
            return nil
        }
        authenticated.withValue { $0 = true }
        outbox.send(ServerMessage.authenticated(user: claims.user, expiresAt: claims.expiresAt).json)
        return session
    }

    private func read(_ inbound: WebSocketInboundStream, into established: Session?, _ outbox: Outbox) async {
        var session = established
        var limiter = RateLimiter(perSecond: hub.limits.messagesPerSecond)
        let metrics = hub.metrics
        do {
            for try await message in inbound.messages(maxSize: hub.limits.maxMessageBytes) {
                if outbox.isClosed { return }
                switch limiter.take() {
                case .allowed: break
                case .dropped(let tell):
                    metrics.rejected("rate_limited")
                    if tell { outbox.send(ServerMessage.error(code: "rate_limited", docId: nil, message: "more than \(hub.limits.messagesPerSecond) messages a second; some were dropped").json) }
                    continue
                case .flooding:
                    metrics.rejected("rate_limited")
                    outbox.send(ServerMessage.error(code: "rate_limited", docId: nil, message: "flooding: closing the connection").json)
                    outbox.close(.policyViolation, reason: "rate limit")
                    return
                }
                guard case .text(let text) = message else {
                    metrics.rejected("bad_message")
                    outbox.send(ServerMessage.error(code: "bad_message", docId: nil, message: "messages are JSON text").json)
                    continue
                }
                if let session {
                    await session.handle(text)
                } else {
                    session = await authenticate(text, outbox)
                    if session == nil { return }
                }
            }
        } catch {
            // The socket failed or the peer broke the protocol: `run` passes it on, and the
            // library closes the connection with the code it calls for.
            protocolBroken.withValue { $0 = error }
        }
    }

    /// The first message of a connection that upgraded without a token.
    private func authenticate(_ text: String, _ outbox: Outbox) async -> Session? {
        guard let received = try? ReceivedMessage(text), received.kind == .auth, case .auth(let token, let password)? = try? received.message() else {
            hub.metrics.rejected("unauthenticated")
            outbox.send(ServerMessage.error(code: "unauthenticated", docId: nil, message: "the first message is auth with a token").json)
            outbox.close(.policyViolation, reason: "no auth")
            return nil
        }
        do {
            let claims = try await gate.verify(token)
            let session = await admit(claims, password: password, outbox)
            lateSession.withValue { $0 = session }
            return session
        } catch {
            hub.metrics.rejected("unauthenticated")
            outbox.send(ServerMessage.error(code: "unauthenticated", docId: nil, message: "\(error)").json)
            outbox.close(.policyViolation, reason: "bad token")
            return nil
        }
    }
}
