import CollabAccess
import CollabCore
import CollabLog
import CollabProtocol
import CollabStorage
import Foundation
import Logging

/// One document as the server holds it: its replica, and the server's writer of its log
/// (the serve issue's "durability first"). A batch of ops is checked against access and
/// against the engine, written together with the batches that arrived meanwhile in one
/// record and one fdatasync (group commit), and only then acknowledged and passed on to
/// the document's other listeners.
///
/// Other processes write the same log (an operator's `collab edit`, `tag`, `compact`, …):
/// their appends are read, integrated and passed on (`refresh()`, and before any write of
/// the server's own lands after them); a change that is not an append makes the host read
/// the document again and bring its followers level. A failed write is never retried and
/// continued: the batches it held are refused, and the document takes no writes until it
/// has been read again from its log.
package actor DocumentHost {
    /// Why a batch was not taken.
    package enum Refusal: Error, Equatable, CustomStringConvertible {
        /// Access control refused it (who may do what).
        case forbidden(String)
        /// The engine refused it (malformed, or names what does not exist).
        case invalid(String)
        /// The document cannot take writes now (a write failed, or the log is locked).
        case unavailable(String)

        package var description: String {
            switch self {
            case .forbidden(let reason): "forbidden: \(reason)"
            case .invalid(let reason): "invalid: \(reason)"
            case .unavailable(let reason): "unavailable: \(reason)"
            }
        }
    }

    package let documentId: String
    /// The state as the log holds it: only what is durable.
    private var document: Document
    private let log: any DocumentLog
    private let logger: Logger
    /// The last version recorded for each replica by this host (not recorded again).
    private var acknowledged: [String: VersionVector] = [:]
    /// How far ahead of the server's clock an op's wall may be, in milliseconds.
    private let maxClockSkew: Int64
    private let policy: @Sendable () throws -> AccessPolicy?
    /// Ops made when their batch's turn in the order of writes comes, against the
    /// document as it is then.
    private enum LateOps {
        /// A position edit (the `edit` message).
        case position(PositionEdit)
        /// A restore: the ops, by `client`, that make the document show `target` again.
        case restore(target: Document, client: ClientId)
    }

    /// A batch: its ops, or ops made when its turn comes.
    private typealias Waiting = (ops: [Op], late: LateOps?, from: UUID?, done: CheckedContinuation<[OpId], any Error>)
    private var waiting: [Waiting] = []
    /// The validation replica (`validationReplica()`); nil when it must be made again.
    private var shadow: Document?
    /// What position edits are read through, on the validation replica (`walker(on:)`).
    private var shadowWalker: HistoryWalker?
    /// Whether the disk is in use: a group write, or reading what others wrote. One at a time.
    private var writing = false
    private var failure: String?
    private var listeners: [UUID: @Sendable (Event, UUID) -> Void] = [:]
    /// The history's first `pagedCount` ops as `sync_response` pages (`catchUpPages`).
    private var historyPages: CatchUpPages
    private var pagedCount = 0
    /// The last `sync_state` message made, and the document it was made from (its history's
    /// length, and `firstPosition`, which reading the document again moves).
    private var stateMessage: (history: Int, firstPosition: Int, message: String)?
    /// Long polls waiting for the history to grow.
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    /// The polling fallback's position of the history's first op. Reading the document
    /// again makes another history: its positions start past every earlier one, so a
    /// poller from before is sent the history again rather than a wrong slice of it.
    private var firstPosition = 0
    /// When the log was last asked what others wrote.
    private var lastLook = ContinuousClock.now
    /// How many group writes were made (each one record and one fdatasync).
    package private(set) var writes = 0

    /// `document` is what `log` holds (as its `open()` read it); `policy` gives the access
    /// rules at the moment of each check (nil: no access control, as for a log outside a store).
    /// `pageBytes`: the most op JSON one `sync_response` page holds; `maxClockSkew`: how
    /// far ahead of this clock, in milliseconds, an op's wall may be (`ClockSkew`).
    package init(
        documentId: String, document: Document, log: any DocumentLog, pageBytes: Int = 1 << 20,
        maxClockSkew: Int64 = ClockSkew.limit, policy: @escaping @Sendable () throws -> AccessPolicy? = { nil },
        logger: Logger = Logger(label: "collab")
    ) {
        historyPages = CatchUpPages(budget: pageBytes)
        self.maxClockSkew = maxClockSkew
        self.logger = logger
        self.documentId = documentId
        self.document = document
        self.log = log
        self.policy = policy
    }

    /// What a listener is told.
    package enum Event: Sendable {
        /// Ops made durable: a group write, or what another process appended to the log.
        case ops(Delivery)
        /// The document was read again from its log (another process compacted, repaired
        /// or replaced it): what a follower level with the document before lacks, as
        /// `sync_response` pages, and the version now.
        case resync(pages: [String], version: VersionVector)
    }

    /// What one group write passes on: each batch with its sender (nil: another process)
    /// and its ops, encoded as JSON once for every listener, in pages that each fit a
    /// message.
    package struct Delivery: Sendable {
        package struct Batch: Sendable {
            package let from: UUID?
            package let ops: [Op]
            /// The ops as JSON objects separated by commas, in pages (`CatchUpPages`).
            package let pages: [String]

            init(from: UUID?, ops: [Op], budget: Int) {
                self.from = from
                self.ops = ops
                pages = CatchUpPages(ops, budget: budget).pages
            }
        }

        package let batches: [Batch]
        /// The most op JSON one message holds (the pages' budget).
        let budget: Int

        /// The ops of the batches `listener` did not send.
        package func ops(for listener: UUID) -> [Op] {
            batches.filter { $0.from != listener }.flatMap(\.ops)
        }

        /// The JSON of the batches `listener` did not send (none if it sent them all), in
        /// as few pages as fit the budget: one message per group write, as a rule.
        package func pages(for listener: UUID) -> [String] {
            var packed = CatchUpPages(budget: budget)
            for batch in batches where batch.from != listener {
                for page in batch.pages { packed.append(json: page) }
            }
            return packed.pages
        }
    }

    /// Whether a write failed: the document takes no more until it is read again.
    package var isUnavailable: Bool { failure != nil }

    /// Whether no batch is waiting or being written (safe to drop from memory).
    package var isQuiet: Bool { !writing && waiting.isEmpty }

    /// The document's version: what a joining client is compared against.
    package var version: VersionVector { document.version }

    /// The ops a replica at `version` lacks, in a causal order.
    package func ops(since version: VersionVector) -> [Op] {
        document.history(since: version)
    }

    /// What a replica at `version` lacks, as `sync_response` pages, and the document's
    /// version, together.
    package func catchUp(since version: VersionVector) -> ([String], VersionVector) {
        (catchUpPages(since: version), document.version)
    }

    /// Starts following the document from `version`: `catchUp` is told at once what the
    /// follower lacks, then `body` every batch others send — in that order, since both
    /// happen on this actor.
    package func follow(
        since version: VersionVector, catchUp: @Sendable (_ pages: [String], VersionVector) -> Void,
        _ body: @escaping @Sendable (Event, UUID) -> Void
    ) -> UUID {
        catchUp(catchUpPages(since: version), document.version)
        return listen(body)
    }

    /// `follow` for a fresh replica that starts from the document's state rather than
    /// its ops (`join` with `state`): `start` gets the `sync_state` message, then the
    /// catch-up from the state's version (nothing) goes as `follow` sends it. Nil, and
    /// nothing followed, when there is no such state to give (a compacted history) or
    /// its message would be over `limit` bytes: the replica is caught up with ops instead.
    package func followFromState(
        docId: String, limit: Int, start: @Sendable (String) -> Void, catchUp: @Sendable (_ pages: [String], VersionVector) -> Void,
        _ body: @escaping @Sendable (Event, UUID) -> Void
    ) -> UUID? {
        // Made once per version of the document: pages opening it at once share it.
        let message: String
        if let made = stateMessage, made.history == document.historyCount, made.firstPosition == firstPosition {
            message = made.message
        } else {
            guard let state = document.replicaState else { return nil }
            var writer = JSONWriter()
            state.json(&writer)
            message = ServerMessage.syncStateMessage(docId: docId, stateJSON: writer.text)
            stateMessage = (document.historyCount, firstPosition, message)
        }
        guard message.utf8.count <= limit else { return nil }
        start(message)
        catchUp([], document.version)
        return listen(body)
    }

    /// The ops a replica at `version` lacks, as pages of JSON objects separated by
    /// commas. The whole history (a join with nothing) is kept paged once it has been
    /// asked for, and extended as the document grows, so that many clients opening a
    /// large document share one encoding instead of each making its own.
    package func catchUpPages(since version: VersionVector) -> [String] {
        guard version.counts.isEmpty else { return CatchUpPages(ops(since: version), budget: historyPages.budget).pages }
        if pagedCount < document.historyCount {
            for op in document.history(from: pagedCount) { historyPages.append(op) }
            pagedCount = document.historyCount
        }
        return historyPages.pages
    }

    /// Why a replica at `version` cannot be caught up with ops, or nil: it lacks history
    /// that compaction squashed.
    package func catchUpRefusal(since version: VersionVector) -> String? {
        guard let cutoff = document.compactionCutoff, !cutoff.isIncluded(in: version) else { return nil }
        return "version \(version) is before this document's compaction cutoff (\(cutoff)): that history was squashed; the replica was behind the cutoff and must resync from a snapshot"
    }

    /// The document as it is now, rendered as HTML (escaped; safe links only): what the
    /// browser pages show a reader.
    package func html() -> String { RichTextRendering.html(document) }

    /// The ops from `position` of the server's history on as JSON objects, as many as
    /// fit one page (at least one), the position after them (the polling fallback's
    /// `last_operation`), and whether more follow. The history only grows: what is
    /// durable is never reordered or merged. A position from before the document was read
    /// again gets the whole history.
    package func page(fromPosition position: Int) -> (ops: [String], next: Int, more: Bool) {
        let count = document.historyCount
        var index = max(0, position - firstPosition)
        var page: [String] = []
        var bytes = 0
        while index < count {
            guard let op = document.historyEntry(at: index) else {
                index += 1
                continue
            }
            let json = OpJSON.line(op)
            guard page.isEmpty || bytes + 1 + json.utf8.count <= historyPages.budget else { break }
            page.append(json)
            bytes += json.utf8.count + 1
            index += 1
        }
        return (page, firstPosition + index, index < count)
    }

    /// Returns once the history goes beyond `position`, or after `timeout`.
    package func waitForOps(beyond position: Int, timeout: Duration) async {
        guard firstPosition + document.historyCount <= position, position >= firstPosition else { return }
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
    package func listen(_ body: @escaping @Sendable (Event, UUID) -> Void) -> UUID {
        let id = UUID()
        listeners[id] = body
        return id
    }

    package func stopListening(_ id: UUID) {
        listeners[id] = nil
    }

    /// Takes a batch from `holder` (nil: no access control) sent by listener `from`, and
    /// returns the ids of its ops once they are durable. Refused whole or taken whole.
    /// `queued` is told when the batch has its place in the order of writes (not when it
    /// is refused before that): a connection may then go on to its next message, and its
    /// batches are still written in the order it sent them.
    package func submit(
        _ ops: [Op], as holder: TokenHolder?, from listener: UUID? = nil, queued: @Sendable () -> Void = {}
    ) async throws -> [OpId] {
        if let failure { throw Refusal.unavailable(failure) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // A wall far ahead would win last-writer-wins against every later edit.
        if let (op, ahead) = ClockSkew.firstOpAhead(of: now, in: ops, limit: maxClockSkew) {
            throw Refusal.invalid(ClockSkew.refusal(op, ahead: ahead, limit: maxClockSkew))
        }
        if let holder, let policy = try policy() {
            let decision = policy.decide(ops: ops, as: holder, on: documentId, at: now)
            guard decision.allowed else { throw Refusal.forbidden(decision.reason) }
        }
        return try await enqueue(ops: ops, late: nil, from: listener, queued: queued)
    }

    /// Takes a position edit: its ops are made when its turn in the order of writes
    /// comes, against the document as it is then; otherwise as `submit`.
    package func submit(
        _ edit: PositionEdit, as holder: TokenHolder?, from listener: UUID? = nil, queued: @Sendable () -> Void = {}
    ) async throws -> [OpId] {
        if let failure { throw Refusal.unavailable(failure) }
        if let holder, let policy = try policy() {
            let decision = policy.decide(writes: edit.writes, as: holder, on: documentId, at: Int64(Date().timeIntervalSince1970 * 1000))
            guard decision.allowed else { throw Refusal.forbidden(decision.reason) }
        }
        return try await enqueue(ops: [], late: .position(edit), from: listener, queued: queued)
    }

    /// The op types a restore may make: what an editor may write.
    private static let restoreWrites = ["text_insert", "text_delete", "format_set", "block_set", "comment_edit", "comment_resolve", "comment_delete"]

    /// Makes the document show `target` (an earlier version of it) again, by new ops of
    /// `client` made when the restore's turn in the order of writes comes
    /// (`Document.restore`): otherwise as `submit`. The ids of the ops made.
    package func restore(to target: HandedOver<Document>, as holder: TokenHolder?, client: ClientId) async throws -> [OpId] {
        if let failure { throw Refusal.unavailable(failure) }
        if let holder, let policy = try policy() {
            let writes = Self.restoreWrites.map { (client, $0, "\(client):…") }
            let decision = policy.decide(writes: writes, as: holder, on: documentId, at: Int64(Date().timeIntervalSince1970 * 1000))
            guard decision.allowed else { throw Refusal.forbidden(decision.reason) }
        }
        return try await enqueue(ops: [], late: .restore(target: target.value, client: client), from: nil, queued: {})
    }

    /// The log as stored now, with its tags and checkpoints: what versions are named and
    /// found in. Read through the document's writer, between its appends.
    package func storedLog() async throws -> HandedOver<OpLogFile>? {
        let log = log
        guard let stored = try await log.read() else { return nil }
        return HandedOver(try OpLogFile.load(bytes: stored.clogBytes, path: documentId))
    }

    /// Names a version of the document (its log gets a tag record). When another process
    /// appended since this host last looked, what it wrote is taken in first.
    package func tag(_ tag: VersionTag) async throws {
        if let failure { throw Refusal.unavailable(failure) }
        for _ in 0..<10 {
            do {
                let log = log
                return try await log.appendTag(tag)
            } catch LogError.changed {
                await refresh()
            }
        }
        throw Refusal.unavailable("the log changed at every one of 10 tries to tag it; nothing was written")
    }

    private func enqueue(
        ops: [Op], late: LateOps?, from listener: UUID?, queued: @Sendable () -> Void
    ) async throws -> [OpId] {
        try await withCheckedThrowingContinuation { done in
            waiting.append((ops, late, listener, done))
            queued()
            if !writing {
                writing = true
                Task { await self.writeWaiting() }
            }
        }
    }

    /// The walker over the validation replica, made again when the replica was.
    private func walker(on replica: Document) throws -> HistoryWalker {
        if let shadowWalker, shadowWalker.document === replica { return shadowWalker }
        let walker = try HistoryWalker(replica)
        shadowWalker = walker
        return walker
    }

    /// Writes every waiting batch in one record: each is checked in arrival order on the
    /// validation replica (a refused one is left out), the ones taken are appended and
    /// synced together, then applied to the durable document, acknowledged and passed on.
    /// When another process wrote the log meantime, nothing is written: its ops are
    /// taken in first, and the group is checked and written again after them.
    private func writeWaiting() async {
        // Catching up must end: a log that changes at every try refuses the group instead.
        var catchUps = 0
        while !waiting.isEmpty {
            if let failure {
                for batch in waiting { batch.done.resume(throwing: Refusal.unavailable("\(failure); the document takes writes again once it has been read again from its log")) }
                waiting = []
                break
            }
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
                    var ops = batch.ops
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    if case .position(let edit) = batch.late {
                        ops = try edit.ops(on: walker(on: next), now: now)
                    } else if case .restore(let target, let client) = batch.late {
                        ops = try next.restore(to: target, by: client, now: now)
                    } else {
                        for op in batch.ops { try next.apply(op) }
                    }
                    if let (op, missing) = next.firstMissingDependency() {
                        throw EngineError.missingDependency(op: op, missing: missing)
                    }
                    taken.append((ops, nil, batch.from, batch.done))
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
                // A checkpoint when the log's schedule says so: opening it then never
                // replays more than the schedule's batches.
                do {
                    try await write(new, checkpoint: log.checkpointDue ? next.snapshot() : nil)
                    catchUps = 0
                    writes += 1
                } catch LogError.changed {
                    // Another process wrote the log: nothing of this group was written. Take
                    // its ops in, then check and write the group again, after them.
                    shadow = nil
                    catchUps += 1
                    guard catchUps <= 10 else {
                        fail(taken.map(\.done), "the log changed at every one of 10 tries to write; nothing was written")
                        catchUps = 0
                        continue
                    }
                    waiting = taken + waiting
                    await catchUpWithLog()
                    continue
                } catch {
                    if case LogError.locked = error {
                        // Nothing was written and the document is as it was: refuse, go on.
                        shadow = nil
                        fail(taken.map(\.done), "\(error)")
                        continue
                    }
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
            wakePollers()
            var delivered: [Delivery.Batch] = []
            for batch in taken {
                batch.done.resume(returning: batch.ops.map(\.id))
                guard !batch.ops.isEmpty else { continue }
                delivered.append(.init(from: batch.from, ops: batch.ops, budget: historyPages.budget))
            }
            if !delivered.isEmpty { tell(.ops(Delivery(batches: delivered, budget: historyPages.budget))) }
            // What others wrote meanwhile is taken in between groups, at most every 20 ms:
            // `refresh()` waits while a write is under way, and under steady writing there
            // is always one.
            if !waiting.isEmpty && failure == nil && ContinuousClock.now - lastLook >= .milliseconds(20) { await catchUpWithLog() }
        }
        writing = false
    }

    private func tell(_ event: Event) {
        for (id, listener) in listeners { listener(event, id) }
    }

    private func wakePollers() {
        for woken in waiters.values { woken.resume() }
        waiters = [:]
    }

    // MARK: Other writers of the log

    /// Takes in what other processes did to the log (the server calls this every
    /// quarter second), and reads a document whose write failed again. Skipped while a
    /// group write is under way: that write catches up itself before it lands.
    package func refresh() async {
        guard !writing else { return }
        writing = true
        if failure != nil {
            await reload()
        } else {
            await catchUpWithLog()
        }
        if waiting.isEmpty {
            writing = false
        } else {
            await writeWaiting()
        }
    }

    /// Brings the document level with its log: ops another process appended are taken in
    /// and passed on to the followers; after any other change the document is read again.
    private func catchUpWithLog() async {
        lastLook = .now
        let change: LogChange
        do {
            let log = log
            change = try await log.changes()
        } catch {
            logger.warning("reading what others wrote failed", metadata: ["doc": "\(documentId)", "error": "\(error)"])
            return await reload()
        }
        switch change {
        case .none: return
        case .replaced: return await reload()
        case .appended(let appended):
            // Ops this host has already (a client that sent its batch to two servers of
            // one store) are not passed on again.
            var ops: [Op] = []
            do {
                for op in appended where try document.apply(op) != .duplicate { ops.append(op) }
            } catch {
                // The log holds what the document will not take: the log is the truth.
                logger.warning("others' ops do not apply; reading the log again", metadata: ["doc": "\(documentId)", "error": "\(error)"])
                return await reload()
            }
            guard !ops.isEmpty else { return }
            document.coalescingFloor = document.historyCount
            // The validation replica is level with the document between writes: it takes
            // the same ops, rather than being copied whole at the next write (with two
            // servers writing one document, that would be at nearly every write).
            if let replica = shadow {
                do {
                    for op in ops { try replica.apply(op) }
                    replica.coalescingFloor = replica.historyCount
                    if replica.historyCount != document.historyCount { shadow = nil }
                } catch {
                    shadow = nil
                }
            }
            logger.debug("took in ops another process appended", metadata: ["doc": "\(documentId)", "ops": "\(ops.count)"])
            wakePollers()
            tell(.ops(Delivery(batches: [.init(from: nil, ops: ops, budget: historyPages.budget)], budget: historyPages.budget)))
        }
    }

    /// Reads the document again from its log and brings every follower level with a
    /// `resync`. Ops the server held that the log no longer has (a salvage into place
    /// dropped their record) are written back: an acknowledged op is never lost. If the
    /// log cannot be read, the document takes no writes, and the next refresh tries again.
    private func reload() async {
        let previous = document
        let log = log
        do {
            // Made by the log and handed over whole: nothing else holds it.
            let fresh = try await log.open().value
            var restored: [Op] = []
            for op in previous.history(since: fresh.version) {
                do {
                    try fresh.apply(op)
                    restored.append(op)
                } catch {
                    logger.error("an op the log lost does not apply again", metadata: ["doc": "\(documentId)", "op": "\(op.id)", "error": "\(error)"])
                }
            }
            if !restored.isEmpty {
                let written = restored
                try await log.append(written, checkpoint: nil)
                logger.warning("wrote back ops the log had lost", metadata: ["doc": "\(documentId)", "ops": "\(restored.count)"])
            }
            fresh.coalescingFloor = fresh.historyCount
            firstPosition += previous.historyCount
            document = fresh
            shadow = nil
            historyPages = CatchUpPages(budget: historyPages.budget)
            pagedCount = 0
            if failure != nil { logger.notice("document read again after a failed write", metadata: ["doc": "\(documentId)"]) }
            failure = nil
            logger.info("read the document again from its log", metadata: ["doc": "\(documentId)"])
            wakePollers()
            tell(.resync(pages: CatchUpPages(fresh.history(since: previous.version), budget: historyPages.budget).pages, version: fresh.version))
        } catch {
            if failure == nil { logger.error("the log cannot be read again", metadata: ["doc": "\(documentId)", "error": "\(error)"]) }
            failure = "the log cannot be read: \(error)"
        }
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
    package func acknowledge(_ replica: String, holds version: VersionVector) async {
        var held = VersionVector()
        for (client, count) in version.counts where document.version[client] > 0 {
            held[client] = min(count, document.version[client])
        }
        guard failure == nil, acknowledged[replica] != held else { return }
        acknowledged[replica] = held
        let record = ReplicaAcknowledgement(replica: replica, version: held, at: Int64(Date().timeIntervalSince1970 * 1000))
        try? await log.recordAcknowledgement(record)
    }

    /// Appends and makes durable (the log does its waiting off this actor); batches that
    /// arrive meanwhile join the next group.
    private func write(_ ops: [Op], checkpoint: DocumentSnapshot?) async throws {
        try await log.append(ops, checkpoint: checkpoint)
    }

    /// A write failed: never retried and continued. Everything waiting is refused and the
    /// document takes no more until it has been read again from its log (`refresh()`).
    private func shutDown(_ reason: String, refusing taken: [Waiting]) {
        logger.error("document closed", metadata: ["doc": "\(documentId)", "reason": "\(reason)", "batches_refused": "\(taken.count + waiting.count)"])
        failure = reason
        shadow = nil
        fail(taken.map(\.done), "\(reason); the document takes writes again once it has been read again from its log")
        for batch in waiting { batch.done.resume(throwing: Refusal.unavailable(reason)) }
        waiting = []
    }

    private func fail(_ batches: [CheckedContinuation<[OpId], any Error>], _ reason: String) {
        for done in batches { done.resume(throwing: Refusal.unavailable(reason)) }
    }
}

