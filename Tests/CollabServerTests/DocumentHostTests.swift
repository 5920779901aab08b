import CollabAccess
import CollabCore
import CollabLog
import CollabServer
import CollabStorage
import Foundation
import Testing

/// The server's writer of one document: group commit, acknowledged only when durable,
/// refused batches leave no trace, a failed write closes the document.
@Suite("Document host")
struct DocumentHostTests {
    /// Where the host's writes go: the ops of each write, and a switch to make writes fail.
    final class Disk: DocumentLog, @unchecked Sendable {
        private let lock = NSLock()
        private var written: [[Op]] = []
        var failing = false
        var delay: UInt32 = 0

        func append(_ ops: [Op], checkpoint: DocumentSnapshot?) async throws {
            try await Task.sleep(for: .microseconds(delay))  // an fdatasync's worth of time, so that batches queue up
            try lock.withLock {
                if failing { throw LogError.io(path: "disk", reason: "fdatasync failed: EIO") }
                written.append(ops)
            }
        }

        func open() async throws -> HandedOver<Document> {
            if failing { throw LogError.io(path: "disk", reason: "read failed: EIO") }
            lock.withLock {
                if let replaced = onDisk {
                    written = [replaced]
                    onDisk = nil
                }
            }
            return HandedOver(try Document(ops: ops))
        }

        /// What the next `changes()` reports: another process's doing.
        var change: LogChange = .none
        /// What the log holds when read again after a change (nil: what was written).
        var onDisk: [Op]?

        func changes() async throws -> LogChange {
            lock.withLock {
                defer { change = .none }
                if case .appended(let ops) = change { written.append(ops) }
                return change
            }
        }
        var checkpointDue: Bool { false }
        func recordAcknowledgement(_ acknowledgement: ReplicaAcknowledgement) async throws {}

        private var tags: [VersionTag] = []

        func appendTag(_ tag: VersionTag) async throws {
            try lock.withLock {
                if tags.contains(where: { $0.name == tag.name }) { throw LogError.badData(path: "disk", reason: "a name is unique") }
                tags.append(tag)
            }
        }

        /// The batches written, then the tags.
        func read() async throws -> StoredDocument? {
            lock.withLock {
                StoredDocument(
                    id: "disk", records: written.map { StoredRecord(.opBatch, OpBatchCodec.encode($0[...])) } + tags.map { StoredRecord(.namedVersion, $0.json) })
            }
        }

        var ops: [Op] {
            lock.lock()
            defer { lock.unlock() }
            return written.flatMap { $0 }
        }
    }

    static func insert(_ client: String, _ text: String, after: OpId? = nil, seq: Int = 0) -> Op {
        Op(id: OpId(client, seq), timestamp: Timestamp(wall: 1), payload: .textInsert(TextInsert(after: after, before: nil, text: text)))
    }

    @Test func concurrentBatchesAreWrittenTogetherAndAcknowledgedOnceDurable() async throws {
        let disk = Disk()
        disk.delay = 2_000
        let host = DocumentHost(documentId: "doc", document: Document(), log: disk)
        let received = Received()
        _ = await host.listen { event, me in
            if case .ops(let delivery) = event { received.add(delivery.ops(for: me).count) }
        }
        try await withThrowingTaskGroup(of: [OpId].self) { group in
            for k in 0..<40 { group.addTask { try await host.submit([Self.insert("c\(k)", "x")], as: nil) } }
            for try await acknowledged in group {
                // Acknowledged means on disk.
                #expect(disk.ops.contains { $0.id == acknowledged[0] })
            }
        }
        #expect(disk.ops.count == 40)
        let writes = await host.writes
        #expect(writes < 40, "group commit: \(writes) writes for 40 batches")
        #expect(received.count == 40)
        let replayed = try Document(ops: disk.ops)
        #expect(replayed.length == 40)
    }

    @Test func aRefusedBatchLeavesNoTraceAndTheOthersGoThrough() async throws {
        let disk = Disk()
        let host = DocumentHost(documentId: "doc", document: Document(), log: disk)
        _ = try await host.submit([Self.insert("a", "hello")], as: nil)
        // Half valid, half naming a character that does not exist: refused whole.
        let bad = [Self.insert("b", "ok", after: OpId("a", 4)), Self.insert("b", "no", after: OpId("zz", 9), seq: 2)]
        await #expect(throws: DocumentHost.Refusal.self) { try await host.submit(bad, as: nil) }
        _ = try await host.submit([Self.insert("c", "!", after: OpId("a", 4))], as: nil)
        #expect(disk.ops.map(\.id.client) == ["a", "c"])
        #expect(try Document(ops: disk.ops).text == "hello!")
        let missing = await host.ops(since: VersionVector(["a": 5]))
        #expect(missing.map(\.id) == [OpId("c", 0)])
    }

    @Test func aFailedWriteIsNeverAcknowledgedAndClosesTheDocumentUntilItIsReadAgain() async throws {
        let disk = Disk()
        let host = DocumentHost(documentId: "doc", document: Document(), log: disk)
        _ = try await host.submit([Self.insert("a", "kept")], as: nil)
        disk.failing = true
        await #expect(throws: DocumentHost.Refusal.self) { try await host.submit([Self.insert("b", "lost")], as: nil) }
        // Not retried and continued: the document stays closed, also while the log cannot be read.
        await host.refresh()
        await #expect(throws: DocumentHost.Refusal.self) { try await host.submit([Self.insert("c", "later")], as: nil) }
        #expect(disk.ops.map(\.id.client) == ["a"])
        #expect(await host.version == VersionVector(["a": 4]))
        // Once the log reads again, the document is what it holds and takes writes.
        disk.failing = false
        await host.refresh()
        _ = try await host.submit([Self.insert("d", "!", after: OpId("a", 3))], as: nil)
        #expect(try Document(ops: disk.ops).text == "kept!")
    }

    /// Another process appended: its ops are taken in and passed on, and the host goes on
    /// writing after them.
    @Test func othersAppendsAreTakenInAndPassedOn() async throws {
        let disk = Disk()
        let host = DocumentHost(documentId: "doc", document: Document(), log: disk)
        let received = Received()
        _ = await host.listen { event, me in
            if case .ops(let delivery) = event { received.add(delivery.ops(for: me).count) }
        }
        _ = try await host.submit([Self.insert("a", "one")], as: nil)
        disk.change = .appended([Self.insert("off", "two", after: OpId("a", 2))])
        await host.refresh()
        #expect(received.count == 2)
        #expect(await host.version == VersionVector(["a": 3, "off": 3]))
        _ = try await host.submit([Self.insert("a", "!", after: OpId("off", 2), seq: 3)], as: nil)
        #expect(try Document(ops: disk.ops).text == "onetwo!")
    }

    /// A log rewritten under the host (a salvage into place that dropped a record) is read
    /// again; ops the host holds that the log lost are written back, and followers resync.
    @Test func aRewrittenLogIsReadAgainAndLostOpsAreWrittenBack() async throws {
        let disk = Disk()
        let host = DocumentHost(documentId: "doc", document: Document(), log: disk)
        let resynced = Locked<VersionVector?>(nil)
        _ = await host.listen { event, _ in
            if case .resync(_, let version) = event { resynced.withValue { $0 = version } }
        }
        let first = Self.insert("a", "kept")
        let second = Self.insert("b", "lost")
        _ = try await host.submit([first], as: nil)
        _ = try await host.submit([second], as: nil)
        disk.onDisk = [first]
        disk.change = .replaced
        await host.refresh()
        #expect(resynced.withValue { $0 } == VersionVector(["a": 4, "b": 4]))
        #expect(Set(disk.ops.map(\.id)) == [first.id, second.id], "written back")
        #expect(await host.version == VersionVector(["a": 4, "b": 4]))
    }

    @Test func accessIsCheckedForEveryBatch() async throws {
        let disk = Disk()
        var policy = AccessPolicy()
        for event in [
            AccessEvent(kind: .grant, target: "doc", subject: "owner", level: .owner, by: "owner", at: 1),
            AccessEvent(kind: .grant, target: "doc", subject: "viewer", level: .viewer, by: "owner", at: 2),
        ] {
            try policy.check(event, at: 3)
            policy.record(event)
        }
        let rules = policy
        let host = DocumentHost(documentId: "doc", document: Document(), log: disk, policy: { rules })
        await #expect(throws: DocumentHost.Refusal.self) { try await host.submit([Self.insert("viewer", "x")], as: TokenHolder(user: "viewer")) }
        await #expect(throws: DocumentHost.Refusal.self) { try await host.submit([Self.insert("owner", "x")], as: TokenHolder(user: "viewer")) }
        _ = try await host.submit([Self.insert("owner/laptop", "x")], as: TokenHolder(user: "owner"))
        #expect(disk.ops.map(\.id.client) == ["owner/laptop"])
    }
}

/// Counts what a listener was given, from any thread.
final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) {
        lock.lock()
        total += n
        lock.unlock()
    }
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return total
    }
}
