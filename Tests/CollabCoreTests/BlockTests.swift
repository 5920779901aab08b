import CollabCore
import CollabTestSupport
import Testing

/// Blocks as markers in the text sequence: split, join, attributes, delete wins.
@Suite("Blocks")
struct BlockTests {
    static func texts(_ doc: Document) -> [String] {
        doc.blockContents.map { $0.runs.map(\.text).joined() }
    }

    @Test func splittingAndJoiningAreABlockMarkerInsertedAndDeleted() throws {
        let doc = Document()
        try doc.insert("TitleBody text", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        let body = try doc.insertBlock(at: 5, attributes: ["type": .string("paragraph")], by: "a", timestamp: Timestamp(wall: 2))
        try doc.makeBlockOp(.set(block: body, key: "type", value: .string("quote")), by: "a", timestamp: Timestamp(wall: 3))
        #expect(doc.text == "Title\nBody text")
        #expect(Self.texts(doc) == ["Title", "Body text"])
        #expect(doc.blockContents.map(\.type) == ["paragraph", "quote"])
        #expect(doc.block(atVisible: 8) == body)
        #expect(doc.block(atVisible: 2) == nil)  // the first block has no marker
        try doc.delete(at: 5, count: 1, by: "a", timestamp: Timestamp(wall: 4))  // Backspace at the boundary
        #expect(Self.texts(doc) == ["TitleBody text"])
    }

    @Test func concurrentSplitsAtOnePlaceKeepEachBlockWhole() throws {
        let (alice, bob) = try replicaPair("intro")
        try alice.insertBlock(at: 5, attributes: [:], by: "alice", timestamp: Timestamp(wall: 2))
        try alice.insert("alice's paragraph", at: 6, by: "alice", timestamp: Timestamp(wall: 3))
        try bob.insertBlock(at: 5, attributes: [:], by: "bob", timestamp: Timestamp(wall: 2))
        try bob.insert("bob's paragraph", at: 6, by: "bob", timestamp: Timestamp(wall: 3))
        try exchange(alice, bob)
        let texts = Self.texts(alice)
        #expect(texts.count == 3 && texts[0] == "intro")
        #expect(Set(texts[1...]) == ["alice's paragraph", "bob's paragraph"])
    }

    @Test func aDeletedBlockTakesTextTypedIntoItConcurrently() throws {
        let (alice, bob) = try replicaPair("keep")
        let doomed = try alice.insertBlock(at: 4, attributes: [:], by: "alice", timestamp: Timestamp(wall: 2))
        try alice.insert("doomed", at: 5, by: "alice", timestamp: Timestamp(wall: 3))
        let last = try alice.insertBlock(at: 11, attributes: [:], by: "alice", timestamp: Timestamp(wall: 4))
        try alice.insert("last", at: 12, by: "alice", timestamp: Timestamp(wall: 5))
        try exchange(alice, bob)
        #expect(Self.texts(bob) == ["keep", "doomed", "last"])
        // Alice deletes the middle block while Bob types into it and splits it.
        try alice.deleteBlock(doomed, by: "alice", timestamp: Timestamp(wall: 6))
        try bob.insert(" and more", at: 11, by: "bob", timestamp: Timestamp(wall: 6))
        try bob.insertBlock(at: 8, attributes: [:], by: "bob", timestamp: Timestamp(wall: 7))
        try exchange(alice, bob)
        #expect(Self.texts(alice) == ["keep", "last"])
        #expect(alice.text == "keep\nlast")
        _ = last
        // Typing at the end of the block before the deleted one stays visible.
        try alice.insert("er", at: 4, by: "alice", timestamp: Timestamp(wall: 8))
        try exchange(alice, bob)
        #expect(alice.text == "keeper\nlast")
    }

    @Test func blockAttributesAreLastWriterWins() throws {
        let (alice, bob) = try replicaPair("text")
        let block = try alice.insertBlock(at: 0, attributes: ["type": .string("paragraph")], by: "alice", timestamp: Timestamp(wall: 2))
        try exchange(alice, bob)
        try alice.makeBlockOp(.set(block: block, key: "type", value: .string("heading")), by: "alice", timestamp: Timestamp(wall: 4))
        try alice.makeBlockOp(.set(block: block, key: "level", value: .int(2)), by: "alice", timestamp: Timestamp(wall: 4))
        try bob.makeBlockOp(.set(block: block, key: "type", value: .string("quote")), by: "bob", timestamp: Timestamp(wall: 3))
        try exchange(alice, bob)
        #expect(alice.blockContents.map(\.attributes) == [["type": .string("heading"), "level": .int(2)]])
    }

    @Test func blocksSurviveHistoryAndSnapshots() throws {
        let (doc, _) = try replicaPair("one two three")
        let two = try doc.insertBlock(at: 4, attributes: ["type": .string("heading"), "level": .int(1)], by: "c", timestamp: Timestamp(wall: 2))
        try doc.insertBlock(at: 9, attributes: [:], by: "c", timestamp: Timestamp(wall: 3))
        try doc.makeBlockOp(.set(block: two, key: "level", value: .int(3)), by: "c", timestamp: Timestamp(wall: 4))
        try doc.deleteBlock(two, by: "d", timestamp: Timestamp(wall: 5))
        let replayed = try Document(ops: doc.history)
        #expect(replayed.blockContents == doc.blockContents)
        #expect(replayed.text == doc.text)
        let restored = try Document(snapshot: doc.snapshot())
        #expect(restored.blockContents == doc.blockContents)
        #expect(restored.history == doc.history)
        // Text typed later into the deleted block's place is hidden after a restore too.
        let late = Op(
            id: OpId("late", 0), timestamp: Timestamp(wall: 6),
            payload: .textInsert(TextInsert(after: two, before: nil, text: "zzz")))
        try restored.apply(late)
        try doc.apply(late)
        #expect(restored.text == doc.text)
        #expect(!restored.text.contains("zzz"))
    }

    @Test func badBlockOpsAreRefused() throws {
        let (doc, _) = try replicaPair("abc")
        #expect(throws: EngineError.self) {
            try doc.makeBlockOp(.set(block: OpId("base", 1), key: "type", value: .string("x")), by: "a", timestamp: Timestamp(wall: 2))
        }
        #expect(throws: EngineError.self) { try doc.deleteBlock(OpId("base", 0), by: "a", timestamp: Timestamp(wall: 2)) }
        #expect(throws: EngineError.self) { try doc.insertBlock(at: 9, attributes: [:], by: "a", timestamp: Timestamp(wall: 2)) }
        #expect(doc.pending.isEmpty)
    }
}

@Suite("Blocks over long runs")
struct LongRunBlockTests {
    /// Splits made inside long runs: the run's halves lie across words of the marker
    /// bits, and the markers, written later, sit in the content after them. The blocks
    /// read apart must be exactly the plain text cut at its line feeds.
    @Test func splitsInsideLongRunsKeepEveryBlockWhole() throws {
        let doc = Document()
        var random = SplitMix(seed: 0xDEAD_BEEF)
        func next(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
        var time = t0.wall
        func tick() -> Timestamp {
            time += 1
            return Timestamp(wall: time)
        }
        try doc.insert(String(repeating: "abcdefghij", count: 30), at: 0, by: "x", timestamp: tick())
        for k in 0..<60 {
            if k % 3 == 2 {
                try doc.insert(String(repeating: "klmnopqrst", count: 1 + next(9)), at: next(doc.length + 1), by: "y", timestamp: tick())
            } else {
                try doc.insertBlock(at: next(doc.length + 1), attributes: [:], by: k % 2 == 0 ? "x" : "y", timestamp: tick())
            }
        }
        let lines = doc.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blocks = doc.blockContents.map { $0.runs.map(\.text).joined() }
        // An empty first block before a marker at the very start is left out.
        if blocks.count == lines.count - 1 { blocks.insert("", at: 0) }
        #expect(blocks == lines)
    }
}
