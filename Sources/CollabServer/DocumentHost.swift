import CollabAccess
import CollabCore
import CollabLog
import Foundation
import Logging

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
    private let persist: @Sendable ([Op], DocumentSnapshot?) throws -> Void
    /// Write a checkpoint with every this many group writes (0: never), counting from
    /// `writesSinceCheckpoint` at open: opening the log then never replays more.
    private let logger: Logger
    private let recordAcknowledgement: @Sendable (ReplicaAcknowledgement) throws -> Void
    /// The last version recorded for each replica by this host (not recorded again).
    private var acknowledged: [String: VersionVector] = [:]
    private let checkpointEvery: Int
    private var writesSinceCheckpoint: Int
    private let policy: @Sendable () throws -> AccessPolicy?
    private typealias Waiting = (ops: [Op], from: UUID?, done: CheckedContinuation<[OpId], any Error>)
    private var waiting: [Waiting] = []
    /// The validation replica (`validationReplica()`); nil when it must be made again.
    private var shadow: Document?
    /// Where the log is written: one thread per document, off the shared pool.
    private let disk: DispatchQueue
    private var writing = false
    private var failure: String?
    private var listeners: [UUID: @Sendable (Delivery, UUID) -> Void] = [:]
    /// The history's first `encodedCount` ops as JSON (`catchUpJSON`).
    private var encodedHistory = ""
    private var encodedCount = 0
    /// Long polls waiting for the history to grow.
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    /// How many group writes were made (each one record and one fdatasync).
    public private(set) var writes = 0

    /// `document` is what the log holds; `persist` appends ops to it durably (one
    /// record, synced; then the checkpoint, if given, best effort) or throws; `policy` gives the access rules at the moment of each
    /// check (nil: no access control, as for a log outside a store).
    public init(
        documentId: String, document: Document, persist: @escaping @Sendable ([Op], DocumentSnapshot?) throws -> Void,
        checkpointEvery: Int = 0, writesSinceCheckpoint: Int = 0, policy: @escaping @Sendable () throws -> AccessPolicy? = { nil },
        recordAcknowledgement: @escaping @Sendable (ReplicaAcknowledgement) throws -> Void = { _ in },
        logger: Logger = Logger(label: "collab")
    ) {
        self.logger = logger
        self.recordAcknowledgement = recordAcknowledgement
        self.checkpointEvery = checkpointEvery
        self.writesSinceCheckpoint = writesSinceCheckpoint
        self.documentId = documentId
        self.document = document
        self.persist = persist
        self.policy = policy
        disk = DispatchQueue(label: "collab.log.\(documentId)")
    }

    /// What one group write passes on: each batch with its sender and its ops, encoded as
    /// JSON once for every listener.
    public struct Delivery: Sendable {
        public struct Batch: Sendable {
            public let from: UUID?
            public let ops: [Op]
            /// The ops as JSON objects separated by commas.
            public let json: String
        }

        public let batches: [Batch]

        /// The ops of the batches `listener` did not send.
        public func ops(for listener: UUID) -> [Op] {
            batches.filter { $0.from != listener }.flatMap(\.ops)
        }

        /// The JSON of the batches `listener` did not send, nil if it sent them all.
        public func json(for listener: UUID) -> String? {
            let others = batches.filter { $0.from != listener }
            return others.isEmpty ? nil : others.map(\.json).joined(separator: ",")
        }
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
        since version: VersionVector, catchUp: @Sendable (_ json: String, VersionVector) -> Void,
        _ body: @escaping @Sendable (Delivery, UUID) -> Void
    ) -> UUID {
        catchUp(catchUpJSON(since: version), document.version)
        return listen(body)
    }

    /// The ops a replica at `version` lacks, as JSON objects separated by commas. The
    /// whole history (a join with nothing) is kept encoded once it has been asked for,
    /// and extended as the document grows, so that many clients opening a large document
    /// share one encoding instead of each making its own.
    public func catchUpJSON(since version: VersionVector) -> String {
        guard version.counts.isEmpty else { return ops(since: version).map(OpJSON.line).joined(separator: ",") }
        if encodedCount < document.historyCount {
            let more = document.history(from: encodedCount).map(OpJSON.line).joined(separator: ",")
            encodedHistory += encodedHistory.isEmpty ? more : "," + more
            encodedCount = document.historyCount
        }
        return encodedHistory
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

    /// Registers a listener, told of every group write (with its own id, to pass over its
    /// own batches); returns its id.
    public func listen(_ body: @escaping @Sendable (Delivery, UUID) -> Void) -> UUID {
        let id = UUID()
        listeners[id] = body
        return id
    }

    public func stopListening(_ id: UUID) {
        listeners[id] = nil
    }

    /// Takes a batch from `user` (nil: no access control) sent by listener `from`, and
    /// returns the ids of its ops once they are durable. Refused whole or taken whole.
    /// `queued` is told when the batch has its place in the order of writes (not when it
    /// is refused before that): a connection may then go on to its next message, and its
    /// batches are still written in the order it sent them.
    public func submit(
        _ ops: [Op], as user: String?, from listener: UUID? = nil, queued: @Sendable () -> Void = {}
    ) async throws -> [OpId] {
        if let failure { throw Refusal.unavailable(failure) }
        if let user, let policy = try policy() {
            let decision = policy.decide(ops: ops, as: user, on: documentId, at: Int64(Date().timeIntervalSince1970 * 1000))
            guard decision.allowed else { throw Refusal.forbidden(decision.reason) }
        }
        return try await withCheckedThrowingContinuation { done in
            waiting.append((ops, listener, done))
            queued()
            if !writing {
                writing = true
                Task { await self.writeWaiting() }
            }
        }
    }

    /// Writes every waiting batch in one record: each is checked in arrival order on the
    /// validation replica (a refused one is left out), the ones taken are appended and
    /// synced together, then applied to the durable document, acknowledged and passed on.
    private func writeWaiting() async {
        while !waiting.isEmpty {
            let group = waiting
            waiting = []
            let base = document.historyCount
            var next: Document
            do {
                next = try validationReplica()
            } catch {
                fail(group.map(\.done), "the document's state does not copy: \(error)")
                continue
            }
            var taken: [Waiting] = []
            for batch in group {
                do {
                    for op in batch.ops { try next.apply(op) }
                    if let (op, missing) = next.firstMissingDependency() {
                        throw EngineError.missingDependency(op: op, missing: missing)
                    }
                    taken.append(batch)
                } catch {
                    batch.done.resume(throwing: Refusal.invalid("\(error)"))
                    // The refused batch may have left part of itself in the replica: make
                    // it again from the durable document and what was taken so far.
                    shadow = nil
                    do {
                        next = try validationReplica()
                        for earlier in taken { for op in earlier.ops { try next.apply(op) } }
                    } catch {
                        fail(taken.map(\.done), "the document's state does not copy: \(error)")
                        taken = []
                    }
                }
            }
            let new = next.history(from: base)
            if !new.isEmpty {
                let checkpointDue = checkpointEvery > 0 && writesSinceCheckpoint + 1 >= checkpointEvery
                do {
                    try await write(new, checkpoint: checkpointDue ? next.snapshot() : nil)
                    writes += 1
                    writesSinceCheckpoint = checkpointDue ? 0 : writesSinceCheckpoint + 1
                } catch {
                    shutDown("writing the log failed: \(error)", refusing: taken)
                    break
                }
            }
            // The durable document takes the same ops in the same order, so it ends in the
            // same state with the same history as the replica; if not, the replica is made
            // again next time.
            do {
                for batch in taken { for op in batch.ops { try document.apply(op) } }
            } catch {
                shutDown("the written ops do not apply: \(error)", refusing: taken)
                break
            }
            document.coalescingFloor = document.historyCount
            next.coalescingFloor = next.historyCount
            if next.historyCount != document.historyCount { shadow = nil }
            for woken in waiters.values { woken.resume() }
            waiters = [:]
            var delivered: [Delivery.Batch] = []
            for batch in taken {
                batch.done.resume(returning: batch.ops.map(\.id))
                guard !batch.ops.isEmpty else { continue }
                delivered.append(.init(from: batch.from, ops: batch.ops, json: batch.ops.map(OpJSON.line).joined(separator: ",")))
            }
            if !delivered.isEmpty {
                let delivery = Delivery(batches: delivered)
                for (id, listener) in listeners { listener(delivery, id) }
            }
        }
        writing = false
    }

    /// The replica batches are tried on before they are written: kept in step with the
    /// durable document (so that checking a group costs only applying it), made again by
    /// copying the document after a batch is refused.
    private func validationReplica() throws -> Document {
        if let shadow { return shadow }
        let copy = try Document(snapshot: document.snapshot())
        copy.coalescingFloor = copy.historyCount
        shadow = copy
        return copy
    }

    /// Records in the log that `replica` holds `version` durably (what it said when it
    /// joined with `since`), for `compact --stable`. Only the part the log has counts; an
    /// unchanged version is not recorded again. Best effort: a record that cannot be
    /// written only keeps the stable version where it was.
    public func acknowledge(_ replica: String, holds version: VersionVector) async {
        var held = VersionVector()
        for (client, count) in version.counts where document.version[client] > 0 {
            held[client] = min(count, document.version[client])
        }
        guard failure == nil, acknowledged[replica] != held else { return }
        acknowledged[replica] = held
        let record = ReplicaAcknowledgement(replica: replica, version: held, at: Int64(Date().timeIntervalSince1970 * 1000))
        let write = recordAcknowledgement
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            disk.async {
                try? write(record)
                done.resume()
            }
        }
    }

    /// Appends and syncs on the document's own thread, not the shared pool: an fdatasync
    /// takes milliseconds, and batches that arrive meanwhile join the next group.
    private func write(_ ops: [Op], checkpoint: DocumentSnapshot?) async throws {
        let persist = persist
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            disk.async {
                do {
                    try persist(ops, checkpoint)
                    done.resume()
                } catch {
                    done.resume(throwing: error)
                }
            }
        }
    }

    /// A write failed: never retried and continued. Everything waiting is refused and the
    /// document takes no more until it is opened again (from what the log holds).
    private func shutDown(_ reason: String, refusing taken: [Waiting]) {
        logger.error("document closed", metadata: ["doc": "\(documentId)", "reason": "\(reason)", "batches_refused": "\(taken.count + waiting.count)"])
        failure = reason
        shadow = nil
        fail(taken.map(\.done), "\(reason); the document is closed until it is opened again")
        for batch in waiting { batch.done.resume(throwing: Refusal.unavailable(reason)) }
        waiting = []
    }

    private func fail(_ batches: [CheckedContinuation<[OpId], any Error>], _ reason: String) {
        for done in batches { done.resume(throwing: Refusal.unavailable(reason)) }
    }
}
