import CollabCore
import CollabTestSupport
import Testing

@Suite("Snapshots")
struct SnapshotTests {
    /// A replica with typing, deletes and concurrent remote ops in its history.
    static func busyReplica(seed: UInt64) throws -> (Document, Document) {
        var random = SplitMix(seed: seed)
        let doc = Document()
        let other = Document()
        for step in 0..<1500 {
            let roll = random.next() % 10
            if roll < 6 {
                try doc.insert(step % 11 == 0 ? "é🙂" : "ab", at: Int(random.next() % UInt64(doc.length + 1)), by: "me", timestamp: Timestamp(wall: Int64(step)))
            } else if roll < 8, doc.length > 2 {
                try doc.delete(at: Int(random.next() % UInt64(doc.length - 1)), count: 1 + Int(random.next() % 2), by: "me", timestamp: Timestamp(wall: Int64(step)))
            } else {
                for op in doc.history { try other.apply(op) }
                let op = try other.insertOp("XY", at: Int(random.next() % UInt64(other.length + 1)), by: "them", timestamp: Timestamp(wall: Int64(step)))
                try doc.apply(op)
            }
        }
        return (doc, other)
    }

    @Test(arguments: [1, 2, 3])
    func aRestoredReplicaBehavesLikeTheOriginal(seed: Int) throws {
        let (original, other) = try Self.busyReplica(seed: UInt64(seed))
        let restored = try Document(snapshot: original.snapshot())
        #expect(restored.text == original.text)
        #expect(restored.version == original.version)
        #expect(restored.history == original.history)
        #expect(restored.characterIds == original.characterIds)
        #expect(restored.snapshot() == original.snapshot())
        // The same local edits and remote ops afterwards give the same ops and text.
        for replica in [original, restored] {
            replica.coalescingFloor = replica.historyCount
            try replica.insert("tail", at: replica.length / 3, by: "me", timestamp: Timestamp(wall: 9_999))
            try replica.delete(at: 1, count: 2, by: "me", timestamp: Timestamp(wall: 9_999))
        }
        let remote = try other.insertOp("Q", at: 0, by: "them", timestamp: Timestamp(wall: 10_000))
        try original.apply(remote)
        try restored.apply(remote)
        #expect(restored.text == original.text)
        #expect(restored.history == original.history)
    }

    @Test func anInconsistentSnapshotIsRefused() throws {
        let (original, _) = try Self.busyReplica(seed: 9)
        var broken = original.snapshot()
        broken.runs[0].client = 99  // a client index out of range
        #expect(throws: EngineError.self) { try Document(snapshot: broken) }
        broken = original.snapshot()
        broken.nextSeq[0] += 1  // the version claims an id the history lacks
        #expect(throws: EngineError.self) { try Document(snapshot: broken) }
        broken = original.snapshot()
        broken.runs.removeLast()  // a run missing
        #expect(throws: EngineError.self) { try Document(snapshot: broken) }
        broken = original.snapshot()
        broken.runs.append(broken.runs[0])  // characters held twice
        #expect(throws: EngineError.self) { try Document(snapshot: broken) }
        broken = original.snapshot()
        if let i = broken.runs.firstIndex(where: { $0.length > 1 }) {  // a run cut short, the next one moved up
            broken.runs[i].length -= 1
            #expect(throws: EngineError.self) { try Document(snapshot: broken) }
        }
        broken = original.snapshot()
        let i = try #require(broken.records.firstIndex { !$0.isDelete && $0.span > 1 })
        broken.records[i].span -= 1  // the history out of step with the version
        #expect(throws: EngineError.self) { try Document(snapshot: broken) }
    }
}
