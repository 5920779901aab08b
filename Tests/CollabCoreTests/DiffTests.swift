import CollabCore
import CollabTestSupport
import PropertyBased
import Testing

/// Track changes between versions: by character id, attributed to the op that made each change.
@Suite("Diff")
struct DiffTests {
    @Test func knownEditsGiveAttributedHunks() throws {
        let doc = Document()
        try doc.insert("Hello world", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        let old = try Document(ops: doc.history)
        try doc.delete(at: 6, count: 5, by: "bob", timestamp: Timestamp(wall: 2))
        try doc.insert("there", at: 6, by: "bob", timestamp: Timestamp(wall: 3))
        try doc.format(at: 0, count: 5, key: "bold", value: .bool(true), by: "carol", timestamp: Timestamp(wall: 4))
        let comment = try doc.comment(at: 0, count: 5, text: "greeting?", by: "carol", timestamp: Timestamp(wall: 5))
        let hunks = try doc.changes(from: old)
        #expect(hunks.map(\.kind) == [.format, .equal, .delete, .insert, .comment])
        #expect(hunks[0].text == "Hello" && hunks[0].author == "carol" && hunks[0].time == Timestamp(wall: 4))
        #expect(hunks[0].changes["bold"].map { $0.old == .null && $0.new == .bool(true) } == true)
        #expect(hunks[2] == DiffHunk(kind: .delete, text: "world", author: "bob", time: Timestamp(wall: 2)))
        #expect(hunks[3] == DiffHunk(kind: .insert, text: "there", author: "bob", time: Timestamp(wall: 3)))
        #expect(hunks[4] == DiffHunk(kind: .comment, text: "greeting?", author: "carol", time: Timestamp(wall: 5), id: comment, action: "added"))
        // A version against itself: nothing but equal text.
        #expect(try doc.changes(from: try Document(ops: doc.history)).allSatisfy { $0.kind == .equal })
    }

    @Test func textTypedAndDeletedInBetweenIsNoChangeAndBlocksShowTheirAttributes() throws {
        let doc = Document()
        try doc.insert("Title", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        let block = try doc.insertBlock(at: 5, attributes: ["type": .string("paragraph")], by: "a", timestamp: Timestamp(wall: 2))
        let old = try Document(ops: doc.history)
        try doc.insert("oops", at: 6, by: "b", timestamp: Timestamp(wall: 3))
        try doc.delete(at: 6, count: 4, by: "b", timestamp: Timestamp(wall: 4))
        try doc.makeBlockOp(.set(block: block, key: "type", value: .string("quote")), by: "c", timestamp: Timestamp(wall: 5))
        let hunks = try doc.changes(from: old)
        #expect(hunks.map(\.kind) == [.equal, .block])
        #expect(hunks[1].id == block && hunks[1].author == "c" && hunks[1].changes["type"].map { $0.new == .string("quote") } == true)
    }

    @Test func aMovedBlockIsReportedWhereItsTextIs() throws {
        let doc = Document()
        try doc.insert("intro", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        let block = try doc.insertBlock(at: 5, attributes: [:], by: "a", timestamp: Timestamp(wall: 2))
        try doc.insert("moved", at: 6, by: "a", timestamp: Timestamp(wall: 3))
        try doc.insertBlock(at: 11, attributes: [:], by: "a", timestamp: Timestamp(wall: 4))
        try doc.insert("last", at: 12, by: "a", timestamp: Timestamp(wall: 5))
        let old = try Document(ops: doc.history)
        try doc.moveBlock(block, after: nil, by: "m", timestamp: Timestamp(wall: 6))
        #expect(try doc.changes(from: old).filter { $0.kind != .equal } == [DiffHunk(kind: .move, text: "", author: "m", time: Timestamp(wall: 6), id: block)])
        try doc.moveBlock(block, after: nil, by: "m", timestamp: Timestamp(wall: 7))
        let older = try Document(ops: doc.history)
        #expect(try doc.changes(from: older).allSatisfy { $0.kind == .equal })
    }

    @Test func restoreMovesBlocksBack() throws {
        let (doc, _, ids) = try BlockMoveTests.threeBlocks()
        let old = try Document(ops: doc.history)
        try doc.moveBlock(ids[2], after: nil, by: "m", timestamp: Timestamp(wall: 20))
        try doc.moveBlock(ids[0], after: ids[1], by: "m", timestamp: Timestamp(wall: 21))
        #expect(doc.text == "intro\nthree\ntwo\none")
        _ = try doc.restore(to: old, by: "r", now: 30)
        #expect(doc.text == old.text)
        #expect(try doc.changes(from: old).allSatisfy { $0.kind == .equal || $0.kind == .move })
    }

    @Test func anOlderVersionThatIsNotPartOfTheNewerIsRefused() throws {
        let a = Document()
        try a.insert("a", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        let b = Document()
        try b.insert("b", at: 0, by: "b", timestamp: Timestamp(wall: 1))
        #expect(throws: EngineError.self) { try b.changes(from: a) }
    }

    /// A random history of 80 edits by three clients: inserts, deletes, bold on and off,
    /// block splits.
    static func randomDocument(_ random: inout SplitMix) -> Document {
        let doc = Document()
        for step in 0..<80 {
            let client = "c\(random.next() % 3)"
            let now = Int64(step)
            switch random.next() % 10 {
            case 0..<3 where doc.length > 0:
                let position = Int(random.next() % UInt64(doc.length))
                let count = min(Int(random.next() % 4) + 1, doc.length - position)
                try! doc.delete(at: position, count: count, by: client, timestamp: doc.tick(now: now))
            case 3 where doc.length > 0:
                let position = Int(random.next() % UInt64(doc.length))
                try! doc.format(at: position, count: 1, key: "bold", value: .bool(random.next() % 2 == 0), by: client, timestamp: doc.tick(now: now))
            case 4:
                try! doc.insertBlock(at: Int(random.next() % UInt64(doc.length + 1)), attributes: ["type": .string("quote")], by: client, timestamp: doc.tick(now: now))
            default:
                let position = Int(random.next() % UInt64(doc.length + 1))
                try! doc.insert(String(UnicodeScalar(UInt8(97 + random.next() % 26))), at: position, by: client, timestamp: doc.tick(now: now))
            }
        }
        return doc
    }

    /// For random V1 ≤ V2 of a random concurrent history: the diff's old side is V1's text
    /// and its new side V2's, and every insert and delete names the client that made it.
    @Test func theDiffTurnsTheOldTextIntoTheNew() async throws {
        await propertyCheck(count: 60, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let history = Self.randomDocument(&random).history
            let first = Int(random.next() % UInt64(history.count + 1))
            let second = first + Int(random.next() % UInt64(history.count - first + 1))
            let old = try! Document(ops: history.prefix(first))
            let new = try! Document(ops: history.prefix(second))
            let hunks = try! new.changes(from: old)
            let (oldSide, newSide) = DiffHunk.texts(of: hunks)
            #expect(oldSide == old.text)
            #expect(newSide == new.text)
            let clients = Set(history[first..<second].map(\.id.client))
            #expect(hunks.filter { $0.kind == .insert || $0.kind == .delete }.allSatisfy { clients.contains($0.author!) })
        }
    }

    /// Restoring a random earlier version: head then shows it (text, formatting, blocks),
    /// a diff from it finds nothing, and the history before the restore is untouched.
    @Test func restoreMakesHeadShowTheOldVersionAndKeepsHistory() async throws {
        await propertyCheck(count: 60, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let doc = Self.randomDocument(&random)
            let history = doc.history
            let old = try! Document(ops: history.prefix(Int(random.next() % UInt64(history.count + 1))))
            let made = try! doc.restore(to: old, by: "restorer", now: 1000)
            #expect(doc.text == old.text)
            #expect(doc.blockContents.map(\.runs) == old.blockContents.map(\.runs), "\(old.snapshot().marks)")
            #expect(doc.blockContents.map(\.attributes) == old.blockContents.map(\.attributes))
            #expect(try! doc.changes(from: old).allSatisfy { $0.kind == .equal }, "\(try! doc.changes(from: old).filter { $0.kind != .equal })")
            #expect(Array(doc.history.prefix(history.count)) == history)
            #expect(made.allSatisfy { $0.id.client == "restorer" })
        }
    }
}
