import CollabCore
import CollabTestSupport
import PropertyBased
import Testing

/// Compaction: a squashed state that shows the same, keeps working, and refuses what
/// needs the history it dropped.
@Suite("Compaction")
struct CompactionTests {
    @Test func aCompactedDocumentShowsTheSameAndKeepsWorking() async throws {
        await propertyCheck(count: 60, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let doc = DiffTests.randomDocument(&random)
            if doc.length > 2 {
                _ = try? doc.comment(at: 1, count: 1, text: "why", by: "c9", timestamp: doc.tick(now: 500))
            }
            // Moves twice (the losing slot is squashed, the winning one kept).
            if let block = doc.blockContents.last?.id {
                _ = try? doc.moveBlock(block, after: nil, by: "m", timestamp: doc.tick(now: 501))
                _ = try? doc.moveBlock(block, after: nil, by: "m", timestamp: doc.tick(now: 502))
            }
            let compacted = try! Document(snapshot: doc.compactedSnapshot())
            #expect(compacted.text == doc.text)
            #expect(compacted.blockContents == doc.blockContents)
            #expect(compacted.formattedRuns == doc.formattedRuns)
            #expect(compacted.commentThreads == doc.commentThreads)
            #expect(compacted.version == doc.version)
            // It survives a checkpoint of its own.
            let again = try! Document(snapshot: compacted.snapshot())
            #expect(again.text == doc.text && again.blockContents == doc.blockContents)
            // Edits made on it apply to the full document, and the two agree.
            let start = compacted.historyCount
            for step in 0..<10 {
                let position = Int(random.next() % UInt64(compacted.length + 1))
                try! compacted.insert("x", at: position, by: "later", timestamp: compacted.tick(now: 1000 + Int64(step)))
                if compacted.length > 1 && step % 3 == 0 {
                    try! compacted.delete(at: Int(random.next() % UInt64(compacted.length)), count: 1, by: "later", timestamp: compacted.tick(now: 1000 + Int64(step)))
                }
            }
            for op in compacted.history(from: start) { try! doc.apply(op) }
            #expect(doc.text == compacted.text)
            #expect(doc.blockContents == compacted.blockContents)
        }
    }

    @Test func opsAfterTheCutoffMayNameAnyIdBeforeIt() throws {
        // After the cutoff, "a" deletes again: its op depends on its previous id, which is
        // a delete's, not a character.
        let doc = Document()
        try doc.insert("abcdef", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try doc.delete(at: 1, count: 2, by: "a", timestamp: Timestamp(wall: 2))
        let cutoff = doc.version
        doc.coalescingFloor = doc.historyCount  // the next delete is an op of its own
        try doc.delete(at: 0, count: 1, by: "a", timestamp: Timestamp(wall: 3))
        let later = Array(doc.history.suffix(1))
        #expect(later[0].dependencies.contains(OpId("a", 7)))
        let atCutoff = try Document.at(cutoff, of: doc.history)
        let keeping = Set(later.flatMap(\.dependencies) + [OpId("a", 0)])
        let compacted = try Document(snapshot: atCutoff.compactedSnapshot(keeping: keeping))
        for op in later { try compacted.apply(op) }
        #expect(compacted.text == doc.text)
    }

    @Test func deletedTextIsDroppedAndAnOpThatNeedsItIsRefused() throws {
        let doc = Document()
        try doc.insert("keep this, drop that", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        let behind = try Document(ops: doc.history)
        try doc.delete(at: 10, count: 10, by: "a", timestamp: Timestamp(wall: 2))
        let full = doc.snapshot()
        let compactedState = doc.compactedSnapshot()
        #expect(compactedState.content.count == 10)  // only "keep this," stays
        #expect(full.content.count == 20)
        let compacted = try Document(snapshot: compactedState)
        #expect(compacted.text == "keep this,")
        #expect(compacted.history.isEmpty)
        // A replica behind the cutoff types after "drop": it names a character that is gone.
        try behind.insert("!", at: 16, by: "b", timestamp: Timestamp(wall: 3))
        let late = behind.history.last!
        #expect(throws: EngineError.compacted(late.id, needs: OpId("a", 15))) { try compacted.apply(late) }
        #expect(compacted.text == "keep this,")
        // One that names nothing that is gone, but was made without the text the
        // compaction squashed, is refused too: placing it needs that history.
        let other = Document()
        try other.insert("zz", at: 0, by: "c", timestamp: Timestamp(wall: 1))
        #expect(throws: EngineError.compacted(other.history[0].id, needs: OpId("a", 0))) { try compacted.apply(other.history[0]) }
        #expect(compacted.text == "keep this,")
    }
}
