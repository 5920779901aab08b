import CollabCore
import CollabLog
import CollabTestSupport
import PropertyBased
import Testing

/// Edits made at old versions through the history walker give what a replica built at
/// exactly that version gives.
@Suite struct HistoryWalkerTests {
    /// The straightforward way: for each transaction, a replica from exactly its parents'
    /// ops, edited locally.
    static func referenceReplay(_ trace: EditingTrace) throws -> (ops: [Op], text: String) {
        var log: [Op] = []
        var versionAfter: [VersionVector] = []
        for transaction in trace.transactions {
            var target = VersionVector()
            for parent in trace.parents(of: transaction) { target.formUnion(versionAfter[parent]) }
            let replica = try Document.at(target, of: log)
            let floor = replica.historyCount
            let client = TraceReplay.clientId(ofAgent: transaction.agent)
            for patch in trace.patches[transaction.patchRange] {
                if patch.deleteCount > 0 {
                    try replica.delete(at: patch.position, count: patch.deleteCount, by: client, timestamp: replica.tick(now: transaction.time ?? 0))
                }
                if !patch.text.isEmpty {
                    try replica.insert(patch.text, at: patch.position, by: client, timestamp: replica.tick(now: transaction.time ?? 0))
                }
            }
            log += replica.history(from: floor)
            versionAfter.append(replica.version)
        }
        return (log, try Document.at(versionAfter.last!, of: log).text)
    }

    @Test func generatedHistoriesReplayAsAReplicaAtEachVersionWould() async throws {
        await propertyCheck(
            count: 60, input: Gen.int(in: 2...9), Gen.int(in: 2...40), Gen.int(in: 1...8), Gen.int(in: 0...Int(Int32.max))
        ) { agents, transactions, patches, seed in
            let trace = try GeneratedHistory(
                agents: agents, transactions: transactions, patchesPerTransaction: patches, openBranches: 5, seed: UInt64(seed)
            ).trace()
            let walked = try TraceReplay(trace)
            let reference = try Self.referenceReplay(trace)
            #expect(walked.text == reference.text)
            #expect(walked.text == trace.endContent)
            #expect(opsById(walked.ops) == opsById(reference.ops))
            // The log is a causal order that loads on its own.
            #expect(try Document(ops: walked.ops).text == reference.text)
        }
    }

    @Test func theGeneratorMakesLongBranchesAndManyParentMerges() throws {
        let trace = try GeneratedHistory(agents: 30, transactions: 300, patchesPerTransaction: 5, seed: 7).trace()
        #expect(trace.transactions.count == 300)
        #expect(trace.transactions.contains { trace.parents(of: $0).count >= 3 })
        // A branch: a chain of one agent's transactions, each following the one before.
        var chain = [Int](repeating: 1, count: trace.transactions.count)
        for (index, transaction) in trace.transactions.enumerated() {
            if let own = trace.parents(of: transaction).first(where: { trace.transactions[$0].agent == transaction.agent }) {
                chain[index] = chain[own] + 1
            }
        }
        #expect(chain.max()! >= 100)
        #expect(Set(trace.transactions.map(\.agent)).count >= 20)
        // Written out and read back, it is the same history.
        let reread = try EditingTrace(bytes: trace.json())
        #expect(try TraceReplay(reread).text == trace.endContent)
        #expect(reread.parentIndexes == trace.parentIndexes)
    }

    @Test func positionsAtAnOldVersionNameWhatWasThere() throws {
        let document = Document()
        try document.insert("hello world", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        let v1 = document.version
        try document.delete(at: 0, count: 6, by: "alice", timestamp: Timestamp(wall: 2))
        try document.insert("big ", at: 0, by: "alice", timestamp: Timestamp(wall: 3))
        #expect(document.text == "big world")
        let walker = try HistoryWalker(document)
        try walker.move(to: v1)
        #expect(walker.text == "hello world")
        // Bob saw only "hello world" and puts "!" after "hello".
        try walker.insert("!", at: 5, by: "bob", timestamp: Timestamp(wall: 4))
        try walker.moveToHead()
        // Where bob put it: after "hello", which alice deleted; her "big " went before it.
        #expect(document.text == "big !world")
        let reference = try Document.at(v1, of: document.history.filter { $0.id.client == "alice" })
        try reference.insert("!", at: 5, by: "bob", timestamp: Timestamp(wall: 4))
        #expect(opsById(reference.history.filter { $0.id.client == "bob" }) == opsById(document.history.filter { $0.id.client == "bob" }))
    }

    @Test func aVersionThatLeavesOutWhatItsOpsNeedIsRefused() throws {
        let document = Document()
        try document.insert("hello", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        try document.delete(at: 1, count: 2, by: "bob", timestamp: Timestamp(wall: 2))
        try document.insert("!", at: 3, by: "carol", timestamp: Timestamp(wall: 3))
        let walker = try HistoryWalker(document)
        #expect(walker.problem(with: VersionVector(["alice": 5, "bob": 2])) == nil)
        #expect(walker.problem(with: VersionVector(["alice": 5])) == nil)
        #expect(walker.problem(with: VersionVector([:])) == nil)
        #expect(walker.problem(with: VersionVector(["bob": 2]))
            == .versionNotCausallyClosed(missing: OpId("alice", 2), neededBy: OpId("bob", 0)))
        // Alice's first three characters are enough for bob's delete, not for carol's insert.
        #expect(walker.problem(with: VersionVector(["alice": 3, "bob": 2])) == nil)
        #expect(walker.problem(with: VersionVector(["alice": 3, "bob": 2, "carol": 1])) != nil)
        #expect(walker.problem(with: VersionVector(["alice": 6])) != nil)
        #expect(walker.problem(with: VersionVector(["dave": 1])) != nil)
        try walker.move(to: VersionVector(["alice": 3, "bob": 2]))
        #expect(walker.text == "h")
        try walker.move(to: VersionVector(["alice": 5]))
        #expect(walker.text == "hello")
        try walker.moveToHead()
        #expect(walker.text == document.text)
    }
}
