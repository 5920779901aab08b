import CollabCore
import Testing

/// Comment threads: anchors that move with the text, replies, last-writer-wins edits and
/// resolution, final deletion, orphans.
@Suite("Comments")
struct CommentTests {
    @Test func anAnchorMovesWithTheTextAndAThreadCollectsReplies() throws {
        let (alice, bob) = try replicaPair("ship on Friday")
        let question = try alice.comment(at: 8, count: 6, text: "Which Friday?", by: "alice", timestamp: Timestamp(wall: 2))
        try bob.insert("the release ", at: 5, by: "bob", timestamp: Timestamp(wall: 2))  // before the anchor
        try exchange(alice, bob)
        try bob.makeCommentOp(.add(start: nil, end: nil, replyTo: question, text: "The 29th."), by: "bob", timestamp: Timestamp(wall: 3))
        try exchange(alice, bob)
        let threads = alice.commentThreads
        #expect(threads.count == 1)
        #expect(threads[0].range == 20..<26)  // still "Friday", now further on
        #expect(threads[0].replies.map(\.text) == ["The 29th."])
        #expect(alice.formattedRuns.map(\.comments) == [[], [question]])
        #expect(alice.formattedRuns.last?.text == "Friday")
    }

    @Test func editsAndResolutionAreLastWriterWinsAndDeletionIsFinal() throws {
        let (alice, bob) = try replicaPair("text")
        let id = try alice.comment(at: 0, count: 4, text: "first", by: "alice", timestamp: Timestamp(wall: 2))
        try exchange(alice, bob)
        try alice.makeCommentOp(.edit(comment: id, text: "alice's"), by: "alice", timestamp: Timestamp(wall: 5))
        try bob.makeCommentOp(.edit(comment: id, text: "bob's"), by: "bob", timestamp: Timestamp(wall: 4))
        try alice.makeCommentOp(.resolve(comment: id, resolved: true), by: "alice", timestamp: Timestamp(wall: 6))
        try bob.makeCommentOp(.resolve(comment: id, resolved: false), by: "bob", timestamp: Timestamp(wall: 7))  // reopened later
        try exchange(alice, bob)
        #expect(alice.commentThreads.map(\.text) == ["alice's"])
        #expect(alice.commentThreads.map(\.resolved) == [false])
        // A delete wins over a concurrent edit made after it.
        try alice.makeCommentOp(.delete(comment: id), by: "alice", timestamp: Timestamp(wall: 8))
        try bob.makeCommentOp(.edit(comment: id, text: "too late"), by: "bob", timestamp: Timestamp(wall: 9))
        try exchange(alice, bob)
        #expect(alice.commentThreads.isEmpty)
        #expect(alice.formattedRuns.allSatisfy { $0.comments.isEmpty })
    }

    @Test func aCommentWhoseTextIsDeletedIsKeptAsOrphaned() throws {
        let (alice, bob) = try replicaPair("keep cut keep")
        try alice.comment(at: 5, count: 3, text: "why cut?", by: "alice", timestamp: Timestamp(wall: 2))
        try bob.delete(at: 4, count: 4, by: "bob", timestamp: Timestamp(wall: 2))
        try exchange(alice, bob)
        #expect(alice.text == "keep keep")
        let thread = try #require(alice.commentThreads.first)
        #expect(thread.isOrphaned)
        #expect(thread.text == "why cut?")
    }

    @Test func commentsSurviveHistoryAndSnapshots() throws {
        let (doc, _) = try replicaPair("a commented text")
        let id = try doc.comment(at: 2, count: 9, text: "hm", by: "c", timestamp: Timestamp(wall: 2))
        try doc.makeCommentOp(.add(start: nil, end: nil, replyTo: id, text: "yes"), by: "d", timestamp: Timestamp(wall: 3))
        try doc.makeCommentOp(.resolve(comment: id, resolved: true), by: "d", timestamp: Timestamp(wall: 4))
        let replayed = try Document(ops: doc.history)
        #expect(replayed.commentThreads == doc.commentThreads)
        let restored = try Document(snapshot: doc.snapshot())
        #expect(restored.commentThreads == doc.commentThreads)
        #expect(restored.history == doc.history)
    }

    @Test func aReplyStampedBeforeItsThreadIsStillListed() throws {
        let (doc, _) = try replicaPair("text")
        let root = try doc.comment(at: 0, count: 4, text: "root", by: "a", timestamp: Timestamp(wall: 10))
        // A reply from a client whose clock ran behind: stamped before the comment it answers.
        let reply = Op(id: OpId("skewed", 0), timestamp: Timestamp(wall: 5), payload: .comment(.add(start: nil, end: nil, replyTo: root, text: "late clock")))
        try doc.apply(reply)
        #expect(doc.commentThreads.first?.replies.map(\.text) == ["late clock"])
    }

    @Test func badCommentOpsAreRefused() throws {
        let (doc, _) = try replicaPair("abc")
        #expect(throws: EngineError.self) {
            try doc.makeCommentOp(.edit(comment: OpId("base", 0), text: "x"), by: "a", timestamp: Timestamp(wall: 2))  // a character, no comment
        }
        #expect(throws: EngineError.self) {
            try doc.makeCommentOp(.resolve(comment: OpId("nobody", 3), resolved: true), by: "a", timestamp: Timestamp(wall: 2))
        }
        let id = try doc.comment(at: 0, count: 1, text: "root", by: "a", timestamp: Timestamp(wall: 3))
        let reply = try doc.makeCommentOp(.add(start: nil, end: nil, replyTo: id, text: "r"), by: "a", timestamp: Timestamp(wall: 4))
        #expect(throws: EngineError.self) {  // replies answer the root, not a reply
            try doc.makeCommentOp(.add(start: nil, end: nil, replyTo: reply, text: "rr"), by: "a", timestamp: Timestamp(wall: 5))
        }
        #expect(doc.pending.isEmpty)
    }
}
