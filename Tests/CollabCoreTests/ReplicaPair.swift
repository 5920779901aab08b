import CollabCore
import Testing

/// Two replicas sharing `text` typed by "base", for tests of concurrent rich-text edits.
func replicaPair(_ text: String) throws -> (Document, Document) {
    let a = Document()
    try a.insert(text, at: 0, by: "base", timestamp: Timestamp(wall: 1))
    return (a, try Document(ops: a.history))
}

/// Delivers each replica's ops to the other (one of them in reverse, with duplicates) and
/// checks that they then agree on everything a user sees.
func exchange(_ a: Document, _ b: Document) throws {
    let fromA = a.history
    for op in b.history { try a.apply(op) }
    for op in fromA.reversed() { try b.apply(op) }
    #expect(a.pending.isEmpty && b.pending.isEmpty)
    #expect(a.text == b.text)
    #expect(a.formattedRuns == b.formattedRuns)
    #expect(a.commentThreads == b.commentThreads)
    #expect(a.blockContents == b.blockContents)
}
