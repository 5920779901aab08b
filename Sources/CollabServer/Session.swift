import CollabAccess
import CollabCore
import CollabLog
import CollabProtocol
import Foundation
import HummingbirdWebSocket
import NIOWebSocket

/// Who a connection is, from its token: the user (or the link share), until when, and
/// the document or folder the token is limited to (nil: any the user may reach).
struct Credentials: Sendable {
    var holder: TokenHolder
    var expiresAt: Int64
    var scope: String?

    init(_ token: AccessToken, password: String? = nil) {
        holder = TokenHolder(user: token.user, share: token.share, password: password)
        expiresAt = token.expiresAt
        scope = token.document
    }

    var user: String { holder.user }

    /// What the per-user connection cap counts: the user, or the link share.
    var capKey: String { holder.share.map { "share:" + $0 } ?? holder.user }

    func reaches(_ documentId: String) -> Bool {
        scope.map { DocumentPath.covers($0, documentId) } ?? true
    }
}

/// One client connection once it is authenticated: the documents it follows, what it
/// sends (each message answered, a bad one with an `error`), and its presence.
actor Session {
    let id = UUID()
    /// The connection's name in presence messages (not its user: one user may be
    /// connected several times).
    let name: String
    let user: String
    /// What the per-user connection cap counts (`Credentials.capKey`).
    let capKey: String
    /// A link share's session: the share is many people, held to the per-document cap.
    let isLinkShare: Bool
    private(set) var credentials: Credentials
    let hub: Hub
    let gate: TokenGate
    let outbox: Outbox
    private var joined: [String: (host: DocumentHost, listener: UUID)] = [:]
    private var lastPresence: [String: ContinuousClock.Instant] = [:]
    private var pendingPresence: [String: Presence] = [:]
    private var ended = false

    init(_ credentials: Credentials, hub: Hub, gate: TokenGate, outbox: Outbox) {
        self.credentials = credentials
        self.user = credentials.user
        capKey = credentials.capKey
        isLinkShare = credentials.holder.share != nil
        self.hub = hub
        self.gate = gate
        self.outbox = outbox
        name = String(id.uuidString.prefix(8)).lowercased()
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private func refuse(_ code: String, _ message: String, docId: String? = nil) {
        hub.metrics.rejected(code)
        outbox.send(ServerMessage.error(code: code, docId: docId, message: message).json)
    }

    /// Answers one message.
    func handle(_ text: String) async {
        let arrived = ContinuousClock.now
        guard !ended, !hub.shuttingDown else { return }
        let message: ReceivedMessage
        do {
            message = try ReceivedMessage(text)
        } catch {
            return refuse(error.code, error.message)
        }
        if message.kind == .auth { return await reauthenticate(message) }
        guard let docId = message.docId, DocumentPath.problem(with: docId) == nil else {
            return refuse("bad_message", "a message names a valid docId")
        }
        do {
            switch message.kind {
            case .join: try await join(docId, message)
            case .syncRequest: try await sync(docId, message)
            case .ops: await receive(docId, message, arrived: arrived)
            case .edit: await receiveEdit(docId, message.fields, arrived: arrived)
            case .presence: await presence(docId, message)
            case .leave: await leave(docId)
            case .auth, nil: refuse("bad_message", "unknown message type \(message.type)", docId: docId)
            }
        } catch let refusal as ReceivedMessage.Refusal {
            refuse(refusal.code, refusal.message, docId: docId)
        } catch DocumentHost.Refusal.unavailable(let reason) {
            refuse("unavailable", reason, docId: docId)
        } catch {
            refuse("internal", "\(error)", docId: docId)
        }
    }

    /// A fresh token for the same user (or link share), before the current one expires;
    /// for a password-protected share, its password.
    private func reauthenticate(_ message: ReceivedMessage) async {
        guard case .string(let token)? = message.fields["token"] else { return refuse("bad_message", "auth carries a token") }
        let given: String?
        do {
            given = try message.optionalString("password", "password is a string")
        } catch {
            return refuse(error.code, error.message)
        }
        do {
            let claims = try await gate.verify(token)
            guard claims.user == user, claims.share == credentials.holder.share else {
                return refuse("unauthenticated", "the token is for \(claims.share.map { "link share \($0)" } ?? claims.user), not this connection's \(credentials.holder.share.map { "link share \($0)" } ?? user)")
            }
            credentials = Credentials(claims, password: given ?? credentials.holder.password)
            outbox.send(ServerMessage.authenticated(user: user, expiresAt: credentials.expiresAt).json)
        } catch {
            refuse("unauthenticated", "\(error)")
        }
    }

    /// Why `user` may not read `docId` now, or nil.
    private func readRefusal(_ docId: String) throws -> String? {
        guard credentials.reaches(docId) else { return "the token is limited to \(credentials.scope!)" }
        let decision = try hub.policy().decide(credentials.holder, .read, on: docId, at: Self.now)
        return decision.allowed ? nil : decision.reason
    }

    private func join(_ docId: String, _ message: ReceivedMessage) async throws {
        if let reason = try readRefusal(docId) { return refuse("forbidden", reason, docId: docId) }
        let version = try message.version("since", "since is a version vector {client: count}")
        let fromState = try message.wantsState() && version.counts.isEmpty
        var replicaId: String?
        switch try message.optionalString("replica", "replica is a client id") {
        case nil: break
        case let id? where ClientIdGrammar.problem(with: id) != nil:
            return refuse("bad_message", "replica: \(ClientIdGrammar.problem(with: id)!)", docId: docId)
        case let id? where id == user || id.hasPrefix(user + "/"): replicaId = id
        case let id?: return refuse("forbidden", "replica \(id) is not one of \(user)'s (\(user) or \(user)/…)", docId: docId)
        }
        let host: DocumentHost
        let others: [String]
        do {
            (host, others) = try await hub.enter(docId, session: id, .init(user: credentials.holder.shownAs, name: name, outbox: outbox))
        } catch Hub.JoinRefusal.full {
            return refuse("too_many_connections", "\(docId) has as many followers as allowed", docId: docId)
        }
        if let reason = await host.catchUpRefusal(since: version) {
            if joined[docId] == nil { await hub.leave(docId, session: id) }
            return refuse("behind_cutoff", reason, docId: docId)
        }
        let outbox = outbox
        let limit = hub.limits.maxMessageBytes
        if joined[docId] == nil {
            let catchUp: @Sendable ([String], VersionVector) -> Void = { missing, current in
                outbox.send(ServerMessage.syncResponses(docId: docId, pages: missing, version: current, limit: limit))
            }
            let follower: @Sendable (DocumentHost.Event, UUID) -> Void = { event, me in
                switch event {
                case .ops(let delivery):
                    for page in delivery.pages(for: me) { outbox.sendOps(docId: docId, json: page) }
                case .resync(let pages, let version):
                    outbox.send(ServerMessage.syncResponses(docId: docId, pages: pages, version: version, limit: limit))
                }
            }
            // A fresh replica may start from the document's state instead of every op.
            var listener: UUID?
            if fromState {
                listener = await host.followFromState(docId: docId, limit: limit, start: { outbox.send($0) }, catchUp: catchUp, follower)
            }
            if listener == nil { listener = await host.follow(since: version, catchUp: catchUp, follower) }
            joined[docId] = (host, listener!)
        } else {
            let (missing, current) = await host.catchUp(since: version)
            outbox.send(ServerMessage.syncResponses(docId: docId, pages: missing, version: current, limit: limit))
        }
        for message in others { outbox.send(message) }
        if let replicaId, message.fields["since"] != nil { await host.acknowledge(replicaId, holds: version) }
    }

    /// The ops a client at `since` lacks, without following the document.
    private func sync(_ docId: String, _ message: ReceivedMessage) async throws {
        if let reason = try readRefusal(docId) { return refuse("forbidden", reason, docId: docId) }
        let version = try message.version("since", "since is a version vector {client: count}")
        guard let host = joined[docId]?.host else { return refuse("not_joined", "join \(docId) first", docId: docId) }
        if let reason = await host.catchUpRefusal(since: version) { return refuse("behind_cutoff", reason, docId: docId) }
        let (missing, current) = await host.catchUp(since: version)
        outbox.send(ServerMessage.syncResponses(docId: docId, pages: missing, version: current, limit: hub.limits.maxMessageBytes))
    }

    private func receive(_ docId: String, _ message: ReceivedMessage, arrived: ContinuousClock.Instant) async {
        guard let (host, _) = joined[docId] else { return refuse("not_joined", "join \(docId) first", docId: docId) }
        let batch: [Op]
        do {
            batch = try message.ops()
        } catch {
            return refuse(error.code, error.message, docId: docId)
        }
        await submit(docId, opCount: batch.count, arrived: arrived) { holder, listener, place in
            try await host.submit(batch, as: holder, from: listener, queued: place)
        }
    }

    /// A position edit (docs/protocol.md, `edit`): splices against a version the client
    /// has seen, made ops of its client id by the server.
    private func receiveEdit(_ docId: String, _ fields: [String: JSONValue], arrived: ContinuousClock.Instant) async {
        guard let (host, _) = joined[docId] else { return refuse("not_joined", "join \(docId) first", docId: docId) }
        guard case .string(let client)? = fields["clientId"], ClientIdGrammar.problem(with: client) == nil else {
            return refuse("bad_message", "clientId is a client id (\(user) or \(user)/…)", docId: docId)
        }
        guard fields["version"] != nil, let version = VersionVector(message: fields["version"]) else {
            return refuse("bad_message", "version is the version vector {client: count} the positions are read against", docId: docId)
        }
        let edit: PositionEdit
        do {
            edit = try PositionEdit(client: client, version: version, patches: fields["patches"])
        } catch {
            return refuse("bad_message", error.description, docId: docId)
        }
        await submit(docId, opCount: edit.patches.count, arrived: arrived) { holder, listener, place in
            try await host.submit(edit, as: holder, from: listener, queued: place)
        }
    }

    /// Hands a batch to its document and answers with an ack once it is durable, or with
    /// the refusal.
    private func submit(
        _ docId: String, opCount: Int, arrived: ContinuousClock.Instant,
        _ send: @escaping @Sendable (TokenHolder, UUID, @escaping @Sendable () -> Void) async throws -> [OpId]
    ) async {
        guard let (_, listener) = joined[docId] else { return refuse("not_joined", "join \(docId) first", docId: docId) }
        guard credentials.expiresAt > Self.now else { return refuse("token_expired", "the token has expired", docId: docId) }
        let holder = credentials.holder
        // Pipelined: the next message is read as soon as this batch has its place in the
        // document's order of writes, so a connection's batches can share a group write;
        // its acknowledgement is sent when the batch is durable.
        await withCheckedContinuation { (placed: CheckedContinuation<Void, Never>) in
            // Told once: when the batch is queued, or after it was refused before that.
            let resumed = Locked(false)
            let place: @Sendable () -> Void = {
                if !resumed.withValue({ was in defer { was = true }; return was }) { placed.resume() }
            }
            Task {
                defer { place() }
                do {
                    let ids = try await send(holder, listener, place)
                    outbox.send(ServerMessage.ack(docId: docId, opIds: ids).json)
                    hub.metrics.acknowledged(ops: opCount, seconds: Hub.seconds(since: arrived))
                } catch let refusal as DocumentHost.Refusal {
                    switch refusal {
                    case .forbidden(let reason): refuse("forbidden", reason, docId: docId)
                    case .invalid(let reason): refuse("invalid_op", reason, docId: docId)
                    case .unavailable(let reason): refuse("unavailable", reason, docId: docId)
                    }
                } catch {
                    refuse("internal", "\(error)", docId: docId)
                }
            }
        }
    }

    /// Passes presence on at most `presencePerSecond` times a second per document; an
    /// update that comes sooner waits, and a newer one replaces it (coalescing).
    private func presence(_ docId: String, _ message: ReceivedMessage) async {
        guard joined[docId] != nil else { return refuse("not_joined", "join \(docId) first", docId: docId) }
        let presence: Presence
        do {
            presence = try message.presence()
        } catch {
            return refuse(error.code, error.message, docId: docId)
        }
        let interval = Duration.seconds(1) / max(1, hub.limits.presencePerSecond)
        let now = ContinuousClock.now
        if let last = lastPresence[docId], now - last < interval {
            let alreadyWaiting = pendingPresence[docId] != nil
            pendingPresence[docId] = presence
            guard !alreadyWaiting else { return }
            Task {
                try? await Task.sleep(until: last + interval)
                await self.flushPresence(docId)
            }
            return
        }
        lastPresence[docId] = now
        await hub.update(docId, session: id, presence)
    }

    private func flushPresence(_ docId: String) async {
        guard let presence = pendingPresence.removeValue(forKey: docId), joined[docId] != nil else { return }
        lastPresence[docId] = .now
        await hub.update(docId, session: id, presence)
    }

    private func leave(_ docId: String) async {
        guard let (host, listener) = joined.removeValue(forKey: docId) else { return }
        pendingPresence[docId] = nil
        await host.stopListening(listener)
        await hub.leave(docId, session: id)
    }

    // MARK: Access changes (AccessWatch)

    /// Re-checks the session against the access rules now: an expired token closes the
    /// connection; a document the user may no longer read is left, with an error.
    func recheck(_ policy: AccessPolicy, at now: Int64) async {
        guard !ended else { return }
        if credentials.expiresAt <= now {
            refuse("token_expired", "the token has expired; connect again with a fresh one")
            outbox.close(.policyViolation, reason: "token expired")
            return
        }
        for docId in joined.keys.sorted() where !policy.decide(credentials.holder, .read, on: docId, at: now).allowed {
            refuse("revoked", "access to \(docId) was withdrawn", docId: docId)
            await leave(docId)
        }
        // A link share revoked (or expired) ends the sessions it opened.
        if let share = credentials.holder.share, policy.shares[share].map({ $0.expiresAt.map { now < $0 } ?? true }) != true {
            refuse("revoked", "link share \(share) was revoked or has expired")
            outbox.close(.policyViolation, reason: "share revoked")
        }
    }

    /// The connection is over: leave every document.
    func end() async {
        ended = true
        for docId in joined.keys.sorted() { await leave(docId) }
    }
}
