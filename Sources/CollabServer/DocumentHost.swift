import CollabAccess
import CollabCore
import CollabLog
import Foundation

/// One document as the server holds it: its replica, and the only writer of its log
/// (the serve issue's "durability first"). A batch of ops is checked against access and
/// against the engine, written together with the batches that arrived meanwhile in one
/// record and one fdatasync (group commit), and only then acknowledged and passed on to
/// the document's other listeners. A failed write is never retried and continued: the
/// batches it held are refused and the document is unavailable until it is opened again.
public actor DocumentHost {
    /// Why a batch was not taken.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        /// Access control refused it (who may do what).
        case forbidden(String)
        /// The engine refused it (malformed, or names what does not exist).
        case invalid(String)
        /// The document cannot take writes now (a write failed).
        case unavailable(String)

        public var description: String {
            switch self {
            case .forbidden(let reason): "forbidden: \(reason)"
            case .invalid(let reason): "invalid: \(reason)"
            case .unavailable(let reason): "unavailable: \(reason)"
            }
        }
    }

    public let documentId: String
    /// The state as the log holds it: only what is durable.
    private var document: Document
    private let persist: @Sendable ([Op]) throws -> Void
    private let policy: @Sendable () throws -> AccessPolicy?
    private var waiting: [(ops: [Op], from: UUID?, done: CheckedContinuation<[OpId], any Error>)] = []
    private var writing = false
    private var failure: String?
    private var listeners: [UUID: @Sendable ([Op]) -> Void] = [:]
    /// Long polls waiting for the history to grow.
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    /// How many group writes were made (each one record and one fdatasync).
    public private(set) var writes = 0

    /// `document` is what the log holds; `persist` appends ops to it durably (one
    /// record, synced) or throws; `policy` gives the access rules at the moment of each
    /// check (nil: no access control, as for a log outside a store).
    public init(
        documentId: String, document: Document, persist: @escaping @Sendable ([Op]) throws -> Void,
        policy: @escaping @Sendable () throws -> AccessPolicy? = { nil }
    ) {
        self.documentId = documentId
        self.document = document
        self.persist = persist
        self.policy = policy
    }

    /// Whether a write failed: the document takes no more until it is opened again.
    public var isUnavailable: Bool { failure != nil }

    /// Whether no batch is waiting or being written (safe to drop from memory).
    public var isQuiet: Bool { !writing && waiting.isEmpty }

    /// The document's version: what a joining client is compared against.
    public var version: VersionVector { document.version }

    /// The ops a replica at `version` lacks, in a causal order.
    public func ops(since version: VersionVector) -> [Op] {
        document.history.compactMap { op in
            let seen = version[op.id.client]
            guard op.endSeq > seen else { return nil }
            return op.id.seq < seen ? op.slice(from: seen, to: op.endSeq) : op
        }
    }

    /// The ops a replica at `version` lacks and the document's version, together.
    public func catchUp(since version: VersionVector) -> ([Op], VersionVector) {
        (ops(since: version), document.version)
    }

    /// Starts following the document from `version`: `catchUp` is told at once what the
    /// follower lacks, then `body` every batch others send — in that order, since both
    /// happen on this actor.
    public func follow(
        since version: VersionVector, catchUp: @Sendable ([Op], VersionVector) -> Void, _ body: @escaping @Sendable ([Op]) -> Void
    ) -> UUID {
        catchUp(ops(since: version), document.version)
        return listen(body)
    }

    /// The ops from position `index` of the server's history on, and the history's
    /// length (the polling fallback's `last_operation`). The history only grows: what is
    /// durable is never reordered or merged.
    public func ops(fromIndex index: Int) -> (ops: [Op], count: Int) {
        let count = document.historyCount
        return (index < count ? document.history(from: max(0, index)) : [], count)
    }

    /// Returns once the history is longer than `index`, or after `timeout`.
    public func waitForOps(beyond index: Int, timeout: Duration) async {
        guard document.historyCount <= index else { return }
        let id = UUID()
        await withCheckedContinuation { (woken: CheckedContinuation<Void, Never>) in
            waiters[id] = woken
            Task {
                try? await Task.sleep(for: timeout)
                self.wake(id)
            }
        }
    }

    private func wake(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }

    /// Registers a listener for the ops others send; returns its id.
    public func listen(_ body: @escaping @Sendable ([Op]) -> Void) -> UUID {
        let id = UUID()
        listeners[id] = body
        return id
    }

    public func stopListening(_ id: UUID) {
        listeners[id] = nil
    }

    /// Takes a batch from `user` (nil: no access control) sent by listener `from`, and
    /// returns the ids of its ops once they are durable. Refused whole or taken whole.
    public func submit(_ ops: [Op], as user: String?, from listener: UUID? = nil) async throws -> [OpId] {
        if let failure { throw Refusal.unavailable(failure) }
        if let user, let policy = try policy() {
            let decision = policy.decide(ops: ops, as: user, on: documentId, at: Int64(Date().timeIntervalSince1970 * 1000))
            guard decision.allowed else { throw Refusal.forbidden(decision.reason) }
        }
        return try await withCheckedThrowingContinuation { done in
            waiting.append((ops, listener, done))
            if !writing {
                writing = true
                Task { await self.writeWaiting() }
            }
        }
    }

    /// Writes every waiting batch in one record: each is checked on a copy of the
    /// document in arrival order (a refused one is left out), the ones taken are
    /// appended and synced together, then acknowledged and passed on.
    private func writeWaiting() async {
        while !waiting.isEmpty {
            let group = waiting
            waiting = []
            var next: Document
            do {
                next = try Document(snapshot: document.snapshot())
            } catch {
                fail(group.map(\.done), "the document's state does not copy: \(error)")
                continue
            }
            var taken: [(ops: [Op], from: UUID?, done: CheckedContinuation<[OpId], any Error>)] = []
            for batch in group {
                do {
                    for op in batch.ops { try next.apply(op) }
                    if let (op, missing) = next.firstMissingDependency() {
                        throw EngineError.missingDependency(op: op, missing: missing)
                    }
                    taken.append(batch)
                } catch {
                    batch.done.resume(throwing: Refusal.invalid("\(error)"))
                    // Start again from what was taken so far: the refused batch may have
                    // left part of itself behind.
                    do {
                        next = try Document(snapshot: document.snapshot())
                        for earlier in taken { for op in earlier.ops { try next.apply(op) } }
                    } catch {
                        fail(taken.map(\.done), "the document's state does not copy: \(error)")
                        taken = []
                    }
                }
            }
            let new = next.history(from: document.historyCount)
            do {
                if !new.isEmpty {
                    try persist(new)
                    writes += 1
                }
            } catch {
                fail(taken.map(\.done), "writing the log failed (\(error)); the document is closed until it is opened again")
                failure = "writing the log failed: \(error)"
                for batch in waiting { batch.done.resume(throwing: Refusal.unavailable(failure!)) }
                waiting = []
                break
            }
            next.coalescingFloor = next.historyCount
            document = next
            for woken in waiters.values { woken.resume() }
            waiters = [:]
            for batch in taken {
                batch.done.resume(returning: batch.ops.map(\.id))
                guard !batch.ops.isEmpty else { continue }
                for (id, listener) in listeners where id != batch.from { listener(batch.ops) }
            }
        }
        writing = false
    }

    private func fail(_ batches: [CheckedContinuation<[OpId], any Error>], _ reason: String) {
        for done in batches { done.resume(throwing: Refusal.unavailable(reason)) }
    }
}
