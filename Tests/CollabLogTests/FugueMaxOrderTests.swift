import CollabCore
import CollabLog
import Testing

/// The order of concurrent inserts, on the minimal histories where collab once differed
/// from Loro (docs/engine.md, "The order of concurrent inserts"). Each is a concurrent
/// trace: transactions with parents, one agent each.
@Suite struct FugueMaxOrderTests {
    static func text(_ transactions: [(parents: [Int], agent: Int, patches: [(Int, Int, String)])]) throws -> String {
        var parentIndexes: [Int] = []
        var patches: [EditingTrace.Patch] = []
        var made: [EditingTrace.Transaction] = []
        for transaction in transactions {
            let (parentStart, patchStart) = (parentIndexes.count, patches.count)
            parentIndexes += transaction.parents
            patches += transaction.patches.map { EditingTrace.Patch(position: $0.0, deleteCount: $0.1, text: $0.2) }
            made.append(.init(parentRange: parentStart..<parentIndexes.count, agent: transaction.agent, time: nil, patchRange: patchStart..<patches.count))
        }
        let trace = EditingTrace(concurrentWith: 4, endContent: "", transactions: made, parentIndexes: parentIndexes, patches: patches)
        let walked = try TraceReplay(trace).text
        #expect(walked == (try HistoryWalkerTests.referenceReplay(trace).text))
        return walked
    }

    /// Typing where text was deleted: the left origin is the visible character before
    /// the position (none here), the right origin what follows it, tombstones included.
    /// So "fh", typed at 0 after "b" was deleted, goes before b's tombstone, and "e",
    /// typed after b on another branch, after it. Loro (Fugue) agrees; collab put "fh"
    /// after the tombstone, beside "e", until the origins were chosen as FugueMax does.
    @Test func anInsertWhereTextWasDeletedGoesBeforeItsTombstones() throws {
        let text = try Self.text([
            ([], 1, [(0, 0, "b")]),
            ([0], 1, [(0, 1, "")]),
            ([0], 0, [(1, 0, "e")]),
            ([1], 1, [(0, 0, "fh")]),
            ([2, 3], 0, [(0, 0, "z")]),
        ])
        #expect(text == "zfhe")
    }

    /// Where Fugue and FugueMax differ: "h" and "d" both follow e1, but d's author had
    /// seen e3 (its right origin), h's had not (its right origin is e0, further right).
    /// FugueMax puts the sibling with the later right origin first: h, then d. Fugue
    /// (Loro) orders the two by replica id only: d (agent2) before h (agent3), "zedhee".
    @Test func siblingsWithDifferentRightOriginsGoInReverseOrderOfThem() throws {
        let text = try Self.text([
            ([], 2, [(0, 0, "e")]),  // e0
            ([0], 0, [(0, 0, "e")]),  // e1, before e0
            ([0, 1], 3, [(1, 0, "h")]),  // between e1 and e0
            ([0], 1, [(0, 0, "e")]),  // e3, before e0, concurrent with e1: after it (agent0 < agent1)
            ([0, 1, 3], 2, [(1, 0, "d")]),  // between e1 and e3
            ([0, 1, 2, 3, 4], 0, [(0, 0, "z")]),
        ])
        #expect(text == "zehdee")
    }
}
