import CollabCore
import Testing

/// Block moves: a last-writer-wins slot per block, the text staying where it was typed,
/// positions counted in display order.
@Suite("Block moves")
struct BlockMoveTests {
    /// "intro", then blocks "one", "two", "three"; returns the two replicas and the blocks.
    static func threeBlocks() throws -> (Document, Document, [OpId]) {
        let (alice, bob) = try replicaPair("intro")
        var ids: [OpId] = []
        for (k, word) in ["one", "two", "three"].enumerated() {
            ids.append(try alice.insertBlock(at: alice.length, attributes: [:], by: "alice", timestamp: Timestamp(wall: 2 + 2 * Int64(k))))
            try alice.insert(word, at: alice.length, by: "alice", timestamp: Timestamp(wall: 3 + 2 * Int64(k)))
        }
        try exchange(alice, bob)
        return (alice, bob, ids)
    }

    @Test func aMovedBlockIsShownAtItsNewPlaceWithItsText() throws {
        let (doc, _, ids) = try Self.threeBlocks()
        try doc.moveBlock(ids[2], after: ids[0], by: "alice", timestamp: Timestamp(wall: 10))
        #expect(doc.text == "intro\none\nthree\ntwo")
        #expect(BlockTests.texts(doc) == ["intro", "one", "three", "two"])
        try doc.moveBlock(ids[0], after: ids[1], by: "alice", timestamp: Timestamp(wall: 11))
        #expect(doc.text == "intro\nthree\ntwo\none")
        // Moving to the front means after the first block, which has no marker.
        try doc.moveBlock(ids[1], after: nil, by: "alice", timestamp: Timestamp(wall: 12))
        #expect(doc.text == "intro\ntwo\nthree\none")
        #expect(doc.length == doc.text.unicodeScalars.count)
        #expect(doc.characterIds.count == doc.length)
    }

    @Test func concurrentMovesOfOneBlockLeaveOneCopyAtTheLaterPlace() throws {
        let (alice, bob, ids) = try Self.threeBlocks()
        try alice.moveBlock(ids[2], after: nil, by: "alice", timestamp: Timestamp(wall: 10))
        try bob.moveBlock(ids[2], after: ids[0], by: "bob", timestamp: Timestamp(wall: 11))
        try exchange(alice, bob)
        #expect(alice.text == "intro\none\nthree\ntwo")  // bob's move is later
        #expect(alice.text.components(separatedBy: "three").count == 2)
    }

    @Test func textTypedIntoABlockWhileItMovesGoesWithIt() throws {
        let (alice, bob, ids) = try Self.threeBlocks()
        try alice.moveBlock(ids[0], after: ids[2], by: "alice", timestamp: Timestamp(wall: 10))
        try bob.insert(" more", at: 9, by: "bob", timestamp: Timestamp(wall: 10))  // "one| more"
        try exchange(alice, bob)
        #expect(alice.text == "intro\ntwo\nthree\none more")
    }

    @Test func aMoveOfADeletedBlockChangesNothingShown() throws {
        let (alice, bob, ids) = try Self.threeBlocks()
        try alice.deleteBlock(ids[1], by: "alice", timestamp: Timestamp(wall: 10))
        try bob.moveBlock(ids[1], after: nil, by: "bob", timestamp: Timestamp(wall: 11))
        try bob.insert("!", at: 9, by: "bob", timestamp: Timestamp(wall: 12))  // "two!" at the front
        try exchange(alice, bob)
        #expect(alice.text == "intro\none\nthree")
    }

    @Test func editsAfterAMoveCountInDisplayOrder() throws {
        let (doc, _, ids) = try Self.threeBlocks()
        try doc.moveBlock(ids[2], after: nil, by: "a", timestamp: Timestamp(wall: 10))
        #expect(doc.text == "intro\nthree\none\ntwo")
        try doc.insert("3", at: 11, by: "a", timestamp: Timestamp(wall: 11))  // the end of "three"
        #expect(doc.text == "intro\nthree3\none\ntwo")
        try doc.insert("-", at: 0, by: "a", timestamp: Timestamp(wall: 12))
        #expect(doc.text == "-intro\nthree3\none\ntwo")
        try doc.delete(at: 8, count: 6, by: "a", timestamp: Timestamp(wall: 13))  // "hree3\n"
        #expect(doc.text == "-intro\ntone\ntwo")
        try doc.format(at: 7, count: 6, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 14))
        let bold = doc.blockContents.flatMap(\.runs).filter { $0.attributes["bold"] == .bool(true) }.map(\.text)
        #expect(bold == ["tone", "t"])
        #expect(doc.text(at: 7, count: 7) == "tone\ntw")
        #expect(doc.visibleIndex(of: ids[1]) == 11)
        #expect(doc.block(atVisible: 12) == ids[1])
        #expect(doc.block(atVisible: 8) == ids[2])
        let replayed = try Document(ops: doc.history)
        #expect(replayed.text == doc.text)
        #expect(replayed.blockContents == doc.blockContents)
    }

    @Test func joiningAMovedBlockRetypesItsTextWithItsFormatting() throws {
        let (doc, _, ids) = try Self.threeBlocks()
        try doc.format(at: 14, count: 3, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 9))  // "thr"
        try doc.moveBlock(ids[2], after: nil, by: "a", timestamp: Timestamp(wall: 10))
        #expect(doc.text == "intro\nthree\none\ntwo")
        try doc.delete(at: 5, count: 1, by: "a", timestamp: Timestamp(wall: 11))  // Backspace before "three"
        #expect(doc.text == "introthree\none\ntwo")
        let runs = doc.blockContents[0].runs
        #expect(runs.map(\.text) == ["intro", "thr", "ee"])
        #expect(runs[1].attributes["bold"] == .bool(true))
        // A block next to its sequence neighbour joins by losing its marker alone.
        try doc.delete(at: 14, count: 1, by: "a", timestamp: Timestamp(wall: 12))
        #expect(doc.text == "introthree\nonetwo")
    }

    @Test func movesSurviveHistorySnapshotsAndLateText() throws {
        let (doc, other, ids) = try Self.threeBlocks()
        try doc.moveBlock(ids[0], after: ids[2], by: "a", timestamp: Timestamp(wall: 10))
        try doc.moveBlock(ids[1], after: ids[0], by: "a", timestamp: Timestamp(wall: 11))
        let restored = try Document(snapshot: doc.snapshot())
        #expect(restored.text == doc.text)
        #expect(restored.history == doc.history)
        let replayed = try Document(ops: doc.history)
        #expect(replayed.blockContents == doc.blockContents)
        // A later move on the restored replica wins there and where it is sent.
        try restored.moveBlock(ids[0], after: nil, by: "b", timestamp: Timestamp(wall: 12))
        for op in restored.history { try other.apply(op) }
        #expect(other.text == restored.text)
        #expect(restored.text == "intro\none\nthree\ntwo")
    }

    @Test func badMovesAreRefused() throws {
        let (doc, _, ids) = try Self.threeBlocks()
        #expect(throws: EngineError.invalidEdit("a block cannot be moved after itself")) {
            try doc.moveBlock(ids[0], after: ids[0], by: "a", timestamp: Timestamp(wall: 10))
        }
        #expect(throws: EngineError.self) { try doc.moveBlock(OpId("base", 1), after: nil, by: "a", timestamp: Timestamp(wall: 10)) }
        let table = try doc.insertBlock(at: doc.length, attributes: ["type": .string("table")], by: "a", timestamp: Timestamp(wall: 11))
        #expect(throws: EngineError.self) { try doc.moveBlock(table, after: nil, by: "a", timestamp: Timestamp(wall: 12)) }
        // A remote move naming no block is invalid, and changes nothing.
        let bad = Op(id: OpId("z", 0), timestamp: Timestamp(wall: 13), payload: .block(.move(block: OpId("base", 2), after: nil, before: nil)))
        let before = doc.text
        #expect(throws: EngineError.self) { try doc.apply(bad) }
        #expect(doc.text == before)
    }

    @Test func aBlockMovedAfterATableGoesAfterTheWholeTable() throws {
        let doc = Document()
        try doc.insert("intro", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        let moving = try doc.insertBlock(at: 5, attributes: [:], by: "a", timestamp: Timestamp(wall: 2))
        try doc.insert("para", at: 6, by: "a", timestamp: Timestamp(wall: 3))
        let table = try doc.insertBlock(at: 10, attributes: ["type": .string("table")], by: "a", timestamp: Timestamp(wall: 4))
        try doc.insertBlock(at: 11, attributes: ["type": .string("row")], by: "a", timestamp: Timestamp(wall: 5))
        try doc.insertBlock(at: 12, attributes: ["type": .string("cell")], by: "a", timestamp: Timestamp(wall: 6))
        try doc.insert("x", at: 13, by: "a", timestamp: Timestamp(wall: 7))
        try doc.moveBlock(moving, after: table, by: "a", timestamp: Timestamp(wall: 8))
        #expect(doc.blockContents.map(\.type) == ["paragraph", "table", "row", "cell", "paragraph"])
        #expect(doc.text == "intro\n\n\nx\npara")
    }
}
