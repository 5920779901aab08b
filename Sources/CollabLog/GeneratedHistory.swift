import CollabCore

/// Long-branch concurrent editing histories made from a seed, for tests (small) and the
/// benchmark (full size): like a project's history, with a few branches hundreds of
/// transactions long, many short ones, and merges of several parents. Positions are read
/// against each transaction's parents' text, so any correct CRDT replays it to
/// `endContent`.
public struct GeneratedHistory {
    public var agents = 204
    public var transactions = 1_000
    /// The mean number of patches per transaction.
    public var patchesPerTransaction = 54
    /// The most short topic branches open at once (besides the few long-lived lines).
    public var openBranches = 24
    public var seed: UInt64 = 1

    public init() {}

    public init(agents: Int, transactions: Int, patchesPerTransaction: Int, openBranches: Int = 24, seed: UInt64) {
        self.agents = agents
        self.transactions = transactions
        self.patchesPerTransaction = patchesPerTransaction
        self.openBranches = openBranches
        self.seed = seed
    }

    /// The trace. Each agent's transactions are totally ordered (a topic branch is one
    /// agent's until it is merged), and the last transaction merges every open branch.
    public func trace() throws -> EditingTrace {
        precondition(agents >= 2 && transactions >= 2 && patchesPerTransaction >= 1)
        var random = Random(seed: seed)
        let document = Document()
        let walker = try HistoryWalker(document)
        let slots = (0..<agents).map { walker.clientIndex(TraceReplay.clientId(ofAgent: $0)) }
        var versionAfter: [[Int32]] = []
        var result: [EditingTrace.Transaction] = []
        var parentIndexes: [Int] = []
        var patches: [EditingTrace.Patch] = []
        var nextAgent = 0
        var lastOf = [Int](repeating: -1, count: agents)

        func add(parents: [Int], agent: Int) throws {
            let index = result.count
            var target = [Int32](repeating: 0, count: walker.preparedCounts.count)
            for parent in parents {
                for (k, count) in versionAfter[parent].enumerated() where count > target[k] { target[k] = count }
            }
            try walker.move(toCounts: target)
            let first = patches.count
            let client = TraceReplay.clientId(ofAgent: agent)
            let count = 1 + random.below(2 * patchesPerTransaction - 1)
            var cursor = random.below(walker.length + 1)
            for _ in 0..<count {
                let length = walker.length
                if random.below(100) < 8 { cursor = random.below(length + 1) }
                let patch: EditingTrace.Patch
                if length > 0 && cursor > 0 && random.below(100) < 22 {
                    let deleted = min(cursor, 1 + random.below(random.below(10) == 0 ? 12 : 2))
                    cursor -= deleted
                    patch = EditingTrace.Patch(position: cursor, deleteCount: deleted, text: "")
                    try walker.delete(at: cursor, count: deleted, by: client, timestamp: Timestamp(wall: 0))
                } else {
                    let text = random.word()
                    patch = EditingTrace.Patch(position: cursor, deleteCount: 0, text: text)
                    try walker.insert(text, at: cursor, by: client, timestamp: Timestamp(wall: 0))
                    cursor += text.unicodeScalars.count
                }
                patches.append(patch)
            }
            let parentStart = parentIndexes.count
            parentIndexes += parents
            result.append(
                EditingTrace.Transaction(
                    parentRange: parentStart..<parentIndexes.count, agent: agent,
                    time: 1_700_000_000_000 + Int64(index) * 60_000, patchRange: first..<patches.count))
            versionAfter.append(walker.preparedCounts)
            lastOf[agent] = index
        }

        /// An agent of `range` free to start a branch from `transaction`: never used, or
        /// with every transaction of its before this one (so on no open branch).
        func freeAgent(from transaction: Int, among range: Range<Int>) -> Int? {
            for k in 0..<range.count {
                let agent = range.lowerBound + (nextAgent - range.lowerBound + k) % range.count
                let last = lastOf[agent]
                if last < 0 || versionAfter[transaction][slots[agent]] >= versionAfter[last][slots[agent]] {
                    nextAgent = agent + 1
                    return agent
                }
            }
            return nil
        }

        try add(parents: [], agent: 0)
        // A few long-lived lines of work (agents 0..<lines), each hundreds of
        // transactions, worked on in long bursts and now and then merged with another;
        // short topic branches, each by another agent, forked off a line and merged back,
        // several at once.
        let lines = max(1, min(3, agents / 2))
        var heads: [Int] = [0]
        for agent in 1..<lines {
            try add(parents: [heads[0]], agent: agent)
            heads.append(result.count - 1)
        }
        var topics: [(transaction: Int, agent: Int, line: Int, remaining: Int)] = []
        var current = 0
        nextAgent = lines
        while result.count < transactions - 1 {
            if random.below(100) < 2 { current = random.below(lines) }
            let roll = random.below(100)
            let finished = topics.indices.filter { topics[$0].line == current && topics[$0].remaining == 0 }
            if finished.count > random.below(6) {
                try add(parents: [heads[current]] + finished.map { topics[$0].transaction }, agent: current)
                heads[current] = result.count - 1
                for k in finished.reversed() { topics.remove(at: k) }
            } else if roll < 33 && topics.count < openBranches, let agent = freeAgent(from: heads[current], among: lines..<agents) {
                try add(parents: [heads[current]], agent: agent)
                topics.append((result.count - 1, agent, current, random.below(4)))
            } else if roll < 50, let k = topics.indices.first(where: { topics[$0].line == current && topics[$0].remaining > 0 }) {
                try add(parents: [topics[k].transaction], agent: topics[k].agent)
                topics[k].transaction = result.count - 1
                topics[k].remaining -= 1
            } else if roll < 52 && lines > 1 {
                let other = (current + 1 + random.below(lines - 1)) % lines
                try add(parents: [heads[current], heads[other]].sorted(), agent: current)
                heads[current] = result.count - 1
            } else {
                try add(parents: [heads[current]], agent: current)
                heads[current] = result.count - 1
            }
        }
        try add(parents: (heads + topics.map(\.transaction)).sorted(), agent: 0)
        try walker.moveToHead()
        return EditingTrace(
            concurrentWith: agents, endContent: document.text, transactions: result, parentIndexes: parentIndexes, patches: patches)
    }

    /// SplitMix64, so a seed gives the same history on every machine.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        /// A keystroke's worth of text, now and then a word or a non-ASCII letter.
        mutating func word() -> String {
            let letters = Array("etaoinshrdlu etaoin \n")
            switch below(20) {
            case 0: return String((0..<(2 + below(8))).map { _ in letters[below(letters.count)] })
            case 1: return ["é", "ß", "ж", "中", "🙂"][below(5)]
            default: return String(letters[below(letters.count)])
            }
        }
    }
}
