import CollabAccess
import CollabCore
import CollabLog
import CollabProtocol
import CollabStorage
import Foundation
import Logging

/// What a server holds: the documents open in memory, each with the server's writer
/// (`DocumentHost`), who follows each of them (for presence and connection caps), and
/// the live sessions (for revocation and expiry).
package actor Hub {
    package let store: any Store
    /// This server among the others on the store: its broadcasts come back to it too.
    let node = UUID().uuidString
    let limits: Server.Limits
    let metrics: ServerMetrics
    let logger: Logger
    let policies: PolicyCache
    private var hosts: [String: DocumentHost] = [:]
    /// Documents being opened: a second ask waits for the same opening.
    private var opening: [String: Task<DocumentHost, any Error>] = [:]
    private var lastUsed: [String: ContinuousClock.Instant] = [:]
    private var rooms: [String: [UUID: Member]] = [:]
    /// Presence sent by polling clients, by document and session id, kept while fresh.
    private var polledPresence: [String: [String: PolledPresence]] = [:]
    /// The presence of followers on other servers, by document and session, as their
    /// servers last passed it on (`relay`), kept while fresh.
    private var remotePresence: [String: [String: (message: String, at: ContinuousClock.Instant)]] = [:]
    private var sessions: [UUID: Session] = [:]
    private var connectionsByUser: [String: Int] = [:]
    private let shutdownFlag = Locked(false)

    /// A polling client's last presence on a document.
    struct PolledPresence {
        let user: String
        var presence: Presence
        var at: ContinuousClock.Instant
    }

    /// How long a polling client's presence is shown after it was last sent: a long poll
    /// lasts 25 s, so a client that is still there sends again within that.
    static let polledPresenceLifetime: Duration = .seconds(60)

    /// A session following a document, as its fellow followers see it.
    struct Member {
        let user: String
        let name: String
        let outbox: Outbox
        var presence: Presence?
    }

    package init(
        store: any Store, limits: Server.Limits = Server.Limits(), metrics: ServerMetrics = ServerMetrics(),
        logger: Logger = Logger(label: "collab")
    ) {
        self.store = store
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
        policies = PolicyCache(store: store)
    }

    /// The store's access rules now (re-read whenever the access log changed, so
    /// `collab grant` and `revoke` on the same store take effect at once).
    package nonisolated func policy() throws -> AccessPolicy {
        do {
            return try policies.policy()
        } catch let error as LogError {
            throw error
        } catch {
            // The store is out of reach (its database), not wrong: try again later.
            throw DocumentHost.Refusal.unavailable("the access rules cannot be read now: \(error)")
        }
    }

    // MARK: Sessions

    /// Admits a new connection, unless its user already holds as many as allowed (or
    /// the server is shutting down).
    func register(_ session: Session) -> Bool {
        let cap = session.isLinkShare ? limits.connectionsPerDocument : limits.connectionsPerUser
        guard !shuttingDown, connectionsByUser[session.capKey, default: 0] < cap else {
            logger.notice("connection refused", metadata: ["user": "\(session.capKey)", "reason": shuttingDown ? "shutting down" : "per-user cap"])
            return false
        }
        logger.debug("connection opened", metadata: ["user": "\(session.capKey)", "session": "\(session.name)"])
        connectionsByUser[session.capKey, default: 0] += 1
        sessions[session.id] = session
        return true
    }

    func unregister(_ session: Session) {
        guard sessions.removeValue(forKey: session.id) != nil else { return }
        logger.debug("connection closed", metadata: ["user": "\(session.capKey)", "session": "\(session.name)"])
        connectionsByUser[session.capKey, default: 1] -= 1
        if connectionsByUser[session.capKey] == 0 { connectionsByUser[session.capKey] = nil }
    }

    var liveSessions: [Session] { Array(sessions.values) }

    // MARK: Rooms

    enum JoinRefusal: Error {
        case full
    }

    /// Adds a session to a document's followers and opens the document; returns its
    /// host and the presence of the others, and tells the others it joined.
    func enter(_ documentId: String, session: UUID, _ member: Member) async throws -> (DocumentHost, others: [String]) {
        if rooms[documentId]?[session] == nil && (rooms[documentId]?.count ?? 0) >= limits.connectionsPerDocument { throw JoinRefusal.full }
        let host = try await host(documentId)
        // Looked at again after opening: others may have come or gone meanwhile.
        var room = rooms[documentId] ?? [:]
        if room[session] == nil && room.count >= limits.connectionsPerDocument { throw JoinRefusal.full }
        let others = room.filter { $0.key != session }.map { id, other in
            PresenceUpdate(docId: documentId, session: other.name, user: other.user, state: .joined, presence: other.presence).json
        } + remoteFollowers(of: documentId)
        if room[session] == nil {
            let joined = PresenceUpdate(docId: documentId, session: member.name, user: member.user, state: .joined, presence: nil).json
            for other in room.values { other.outbox.send(joined) }
            broadcast(documentId, session: member.name, state: "joined", joined)
        }
        room[session] = member
        rooms[documentId] = room
        return (host, others)
    }

    /// Records a follower's presence and passes it on to the others.
    func update(_ documentId: String, session: UUID, _ presence: Presence) {
        guard var member = rooms[documentId]?[session] else { return }
        member.presence = presence
        rooms[documentId]?[session] = member
        let message = PresenceUpdate(docId: documentId, session: member.name, user: member.user, state: .update, presence: presence).json
        for (id, other) in rooms[documentId]! where id != session { other.outbox.send(message) }
        broadcast(documentId, session: member.name, state: "update", message)
    }

    /// Records a polling client's presence (`session` is the id its connect was given)
    /// and passes it on to the document's WebSocket followers, as their own is. False
    /// when that session id sends presence as someone else already.
    func update(_ documentId: String, polling session: String, user: String, _ presence: Presence, now: ContinuousClock.Instant = .now) -> Bool {
        forgetStalePolledPresence(now: now)
        if let known = polledPresence[documentId]?[session], known.user != user { return false }
        polledPresence[documentId, default: [:]][session] = PolledPresence(user: user, presence: presence, at: now)
        let message = PresenceUpdate(docId: documentId, session: session, user: user, state: .update, presence: presence).json
        for member in (rooms[documentId] ?? [:]).values { member.outbox.send(message) }
        broadcast(documentId, session: session, state: "update", message)
        return true
    }

    private func forgetStalePolledPresence(now: ContinuousClock.Instant) {
        for (documentId, sessions) in polledPresence {
            let fresh = sessions.filter { now - $0.value.at < Self.polledPresenceLifetime }
            polledPresence[documentId] = fresh.isEmpty ? nil : fresh
        }
    }

    /// The presence of a document's followers now, as `presence` messages: WebSocket
    /// followers, then polling clients that sent theirs lately.
    func presence(in documentId: String, now: ContinuousClock.Instant = .now) -> [String] {
        forgetStalePolledPresence(now: now)
        let followers = (rooms[documentId] ?? [:]).values.sorted { $0.name < $1.name }.map { member in
            PresenceUpdate(docId: documentId, session: member.name, user: member.user, state: .update, presence: member.presence).json
        }
        let pollers = (polledPresence[documentId] ?? [:]).sorted { $0.key < $1.key }.map { session, polled in
            PresenceUpdate(docId: documentId, session: session, user: polled.user, state: .update, presence: polled.presence).json
        }
        return followers + pollers
    }

    // MARK: Other servers on the store

    /// Hears what other processes write to the store as it happens (a store that cannot
    /// tell is looked at four times a second by `AccessWatch` instead).
    nonisolated func listenToStore() {
        store.listen { [weak self] change in
            guard let self else { return }
            Task { await self.heard(change) }
        }
    }

    private func heard(_ change: StoreChange) async {
        switch change {
        case .document(let documentId):
            if let host = hosts[documentId] { await host.refresh() }
        case .access:
            break  // The policy cache reads the rules again; `AccessWatch` rechecks sessions.
        case .message(let documentId, let message):
            relay(documentId, message)
        case .resumed:
            remotePresence = [:]
            await refreshDocuments()
        }
    }

    /// Passes a follower's presence to the other servers: `NODE\tSESSION\tSTATE\tMESSAGE`.
    private func broadcast(_ documentId: String, session: String, state: String, _ message: String) {
        store.broadcast(documentId, "\(node)\t\(session)\t\(state)\t\(message)")
    }

    /// Another server's follower's presence: to this server's followers of the document,
    /// and remembered for those who join later. This server's own comes back and is dropped.
    private func relay(_ documentId: String, _ text: String, now: ContinuousClock.Instant = .now) {
        let parts = text.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] != node else { return }
        let (session, state, message) = (String(parts[1]), parts[2], String(parts[3]))
        if state == "left" {
            remotePresence[documentId]?[session] = nil
        } else {
            remotePresence[documentId, default: [:]][session] = (message.replacingOccurrences(of: "\"state\":\"update\"", with: "\"state\":\"joined\""), now)
        }
        for member in (rooms[documentId] ?? [:]).values { member.outbox.send(message) }
    }

    /// The presence of followers on other servers, as `joined` messages, while fresh.
    private func remoteFollowers(of documentId: String, now: ContinuousClock.Instant = .now) -> [String] {
        let fresh = (remotePresence[documentId] ?? [:]).filter { now - $0.value.at < Self.polledPresenceLifetime }
        remotePresence[documentId] = fresh.isEmpty ? nil : fresh
        return fresh.sorted { $0.key < $1.key }.map(\.value.message)
    }

    func leave(_ documentId: String, session: UUID) {
        guard let member = rooms[documentId]?.removeValue(forKey: session) else { return }
        lastUsed[documentId] = .now
        let left = PresenceUpdate(docId: documentId, session: member.name, user: member.user, state: .left, presence: nil).json
        for other in rooms[documentId]!.values { other.outbox.send(left) }
        broadcast(documentId, session: member.name, state: "left", left)
        if rooms[documentId]!.isEmpty { rooms[documentId] = nil }
    }

    // MARK: Documents

    /// The host of `documentId`, opening its log (or none yet) on first use, once however
    /// many ask at the same time. A damaged log is refused, never half-read.
    package func host(_ documentId: String) async throws -> DocumentHost {
        lastUsed[documentId] = .now
        if let host = hosts[documentId] { return host }
        if let pending = opening[documentId] { return try await pending.value }
        let (metrics, logger, store, limits) = (self.metrics, self.logger, self.store, self.limits)
        let policy: @Sendable () throws -> AccessPolicy? = { [weak self] in try self?.policy() }
        let task = Task { () throws -> DocumentHost in
            let log = try store.documentLog(
                documentId,
                observer: LogObserver(
                    wrote: { metrics.fsync(seconds: $0.inSeconds) },
                    notice: { message, details in logger.warning("\(message)", metadata: details.mapValues { .string($0) }) }))
            let document: HandedOver<Document>
            do {
                document = try await log.open()
            } catch let error as LogError {
                throw error
            } catch {
                throw DocumentHost.Refusal.unavailable("the document cannot be read now: \(error)")
            }
            // A page's ops leave room in the message for its head and the version.
            return DocumentHost(
                documentId: documentId, document: document.value, log: log,
                pageBytes: limits.maxMessageBytes - 512 - documentId.utf8.count, maxClockSkew: limits.maxClockSkewMilliseconds,
                policy: policy, logger: logger)
        }
        opening[documentId] = task
        defer { opening[documentId] = nil }
        let host = try await task.value
        hosts[documentId] = host
        metrics.documentsOpen(hosts.count)
        logger.info("opened document", metadata: ["doc": "\(documentId)"])
        return host
    }

    /// Has every open document take in what other processes did to its log.
    func refreshDocuments() async {
        await withTaskGroup(of: Void.self) { group in
            for host in hosts.values { group.addTask { await host.refresh() } }
        }
    }

    /// Drops from memory the documents nobody follows that have been idle for the
    /// limit (or that failed a write: they open afresh, and verified, on next use).
    func unloadIdle(now: ContinuousClock.Instant = .now) async {
        for (documentId, host) in hosts where rooms[documentId] == nil {
            let idleFor = now - (lastUsed[documentId] ?? now)
            let failed = await host.isUnavailable
            guard failed || idleFor >= limits.idleDocument, await host.isQuiet, rooms[documentId] == nil else { continue }
            hosts[documentId] = nil
            lastUsed[documentId] = nil
            logger.info("unloaded document", metadata: ["doc": "\(documentId)", "reason": failed ? "a write failed" : "idle"])
        }
        metrics.documentsOpen(hosts.count)
    }

    var openDocuments: [String] { hosts.keys.sorted() }

    /// From now on no connection is admitted and no message handled.
    func beginShutdown() {
        shutdownFlag.withValue { $0 = true }
    }

    /// Read without waiting for the hub (every message asks).
    nonisolated var shuttingDown: Bool { shutdownFlag.withValue { $0 } }

    /// Whether no document has a batch waiting or being written.
    var allQuiet: Bool {
        get async {
            for host in hosts.values where await !host.isQuiet { return false }
            return true
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }
}
