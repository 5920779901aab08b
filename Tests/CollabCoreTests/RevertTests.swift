import CollabCore
import Testing

/// Reverting and undoing with new ops: what the targets did is undone, everyone else's
/// work survives, and replicas that receive the new ops converge.
@Suite("Revert and undo")
struct RevertTests {
    static func ops(of doc: Document, by client: ClientId) -> [Op] {
        doc.history.filter { $0.id.client == client }
    }

    @Test func revertingABadActorKeepsEveryoneElsesLaterWork() throws {
        let doc = Document()
        try doc.insert("The plan is sound. Ship it.", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        try doc.delete(at: 12, count: 6, by: "mallory", timestamp: Timestamp(wall: 2))  // "sound."
        try doc.insert("TERRIBLE!", at: 12, by: "mallory", timestamp: Timestamp(wall: 3))
        try doc.format(at: 0, count: 3, key: "bold", value: .bool(true), by: "mallory", timestamp: Timestamp(wall: 4))
        try doc.insert(" Today.", at: doc.length, by: "bob", timestamp: Timestamp(wall: 5))  // later, unrelated
        #expect(doc.text == "The plan is TERRIBLE! Ship it. Today.")
        let other = try Document(ops: doc.history)

        let result = try doc.revert(Self.ops(of: doc, by: "mallory"), by: "admin", now: 10)
        #expect(doc.text == "The plan is sound. Ship it. Today.")
        #expect(doc.formattedRuns.allSatisfy { $0.attributes.isEmpty })
        #expect(result.skipped.isEmpty)
        // History is kept: the revert is new ops by admin, which another replica takes too.
        #expect(result.made.allSatisfy { $0.id.client == "admin" })
        for op in result.made { try other.apply(op) }
        #expect(other.text == doc.text)
        #expect(other.formattedRuns == doc.formattedRuns)
    }

    @Test func textDeletedByAnotherOpThatStaysIsNotBroughtBack() throws {
        let doc = Document()
        try doc.insert("abcdef", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        let replica = try Document(ops: doc.history)
        try doc.delete(at: 1, count: 3, by: "mallory", timestamp: Timestamp(wall: 2))  // "bcd"
        try replica.delete(at: 2, count: 1, by: "bob", timestamp: Timestamp(wall: 2))  // "c", concurrently
        for op in replica.history { try doc.apply(op) }
        try doc.revert(Self.ops(of: doc, by: "mallory"), by: "admin", now: 10)
        #expect(doc.text == "abdef")  // b and d come back; bob's deletion of c stands
    }

    @Test func revertingFormattingRestoresWhatTheOtherOpsGive() throws {
        let doc = Document()
        try doc.insert("keep this bold", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try doc.format(at: 0, count: 14, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 2))
        try doc.format(at: 5, count: 4, key: "bold", value: .null, by: "mallory", timestamp: Timestamp(wall: 3))
        try doc.format(at: 0, count: 4, key: "italic", value: .bool(true), by: "mallory", timestamp: Timestamp(wall: 4))
        try doc.revert(Self.ops(of: doc, by: "mallory"), by: "admin", now: 10)
        #expect(doc.formattedRuns == [FormattedRun(text: "keep this bold", attributes: ["bold": .bool(true)])])
    }

    @Test func undoLeavesOthersAloneAndRedoByRevertConverges() throws {
        let alice = Document()
        try alice.insert("Hello", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        let bob = try Document(ops: alice.history)
        alice.coalescingFloor = alice.historyCount  // each edit written: an op of its own
        try alice.insert(" world", at: 5, by: "alice", timestamp: Timestamp(wall: 2))
        alice.coalescingFloor = alice.historyCount
        try alice.delete(at: 0, count: 1, by: "alice", timestamp: Timestamp(wall: 3))
        try bob.insert("!", at: 5, by: "bob", timestamp: Timestamp(wall: 2))  // concurrent
        for op in bob.history { try alice.apply(op) }
        #expect(alice.text == "ello world!")

        let undone = try alice.undo(client: "alice", count: 2, now: 10)  // the delete, then " world"
        #expect(alice.text == "Hello!")
        let redone = try alice.revert(undone.made, by: "alice", now: 11)
        #expect(alice.text == "ello world!")
        for op in alice.history { try bob.apply(op) }
        #expect(bob.text == alice.text)
        #expect(!redone.made.isEmpty)
    }

    @Test func aCommentMadeByARevertedOpIsDeleted() throws {
        let doc = Document()
        try doc.insert("text", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try doc.comment(at: 0, count: 4, text: "spam", by: "mallory", timestamp: Timestamp(wall: 2))
        try doc.revert(Self.ops(of: doc, by: "mallory"), by: "admin", now: 10)
        #expect(doc.commentThreads.isEmpty)
    }
}
