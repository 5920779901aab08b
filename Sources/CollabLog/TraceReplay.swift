import CollabCore

/// Turns an editing trace into ops by simulating its authors: every patch is a local
/// edit of the author's replica; for a concurrent trace each agent is its own client and
/// a transaction first merges what its parents saw, so the merge is genuine.
public struct TraceReplay {
    /// The op log, in a causal order.
    public var ops: [Op]
    /// The text the simulation ended with.
    public var text: String

    public static func clientId(ofAgent agent: Int) -> ClientId { "agent\(agent)" }

    /// Replays the trace; `progress` hears (transactions done, transactions) now and then.
    public init(_ trace: EditingTrace, progress: ((Int, Int) -> Void)? = nil) throws {
        if trace.isConcurrent {
            try self.init(concurrent: trace, progress: progress)
        } else {
            try self.init(sequential: trace, progress: progress)
        }
    }

    private init(sequential trace: EditingTrace, progress: ((Int, Int) -> Void)?) throws {
        do {
            let document = Document()
            let client = Self.clientId(ofAgent: 0)
            for (index, transaction) in trace.transactions.enumerated() {
                if index & 0x3FFF == 0 { progress?(index, trace.transactions.count) }
                try Self.apply(trace.patches[transaction.patchRange], to: document, as: client, now: transaction.time)
            }
            ops = document.history
            text = document.text
        }
    }

    /// Each transaction is made at exactly its parents' version, prepared in the one
    /// document by a `HistoryWalker`: no replica per agent, no rebuilds.
    private init(concurrent trace: EditingTrace, progress: ((Int, Int) -> Void)?) throws {
        let document = Document()
        let walker = try HistoryWalker(document)
        let clients = (0..<trace.agentCount).map(Self.clientId(ofAgent:))
        let slots = clients.map(walker.clientIndex)
        // Per transaction: the ids of each interned client it has seen (one flat array,
        // `width` counts a transaction), and the latest timestamp, which a replica at
        // that version would have observed.
        let width = slots.count
        var versionAfter: [Int32] = []
        var clockAfter: [Timestamp] = []
        versionAfter.reserveCapacity(trace.transactions.count * width)
        clockAfter.reserveCapacity(trace.transactions.count)
        var target = [Int32](repeating: 0, count: width)
        for (index, transaction) in trace.transactions.enumerated() {
            if index & 0x3FF == 0 { progress?(index, trace.transactions.count) }
            for k in target.indices { target[k] = 0 }
            var clock = HybridLogicalClock()
            for parent in trace.parents(of: transaction) {
                for k in 0..<width where versionAfter[parent * width + k] > target[k] { target[k] = versionAfter[parent * width + k] }
                clock.observe(clockAfter[parent])
            }
            try walker.move(toCounts: target)
            let client = clients[transaction.agent]
            for patch in trace.patches[transaction.patchRange] {
                if patch.deleteCount > 0 {
                    try walker.delete(at: patch.position, count: patch.deleteCount, by: client, timestamp: clock.tick(now: transaction.time ?? 0))
                }
                if !patch.text.isEmpty {
                    try walker.insert(patch.text, at: patch.position, by: client, timestamp: clock.tick(now: transaction.time ?? 0))
                }
            }
            versionAfter += walker.preparedCounts
            clockAfter.append(clock.latest)
        }
        ops = document.history
        // The text the last transaction saw (a trace's last one sees everything).
        let last = Array(versionAfter.suffix(width))
        try walker.moveToHead()
        if walker.preparedCounts == last {
            text = document.text
        } else {
            try walker.move(toCounts: last)
            text = walker.text
        }
    }

    private static func apply(_ patches: ArraySlice<EditingTrace.Patch>, to document: Document, as client: ClientId, now: Int64?) throws {
        for patch in patches {
            if patch.deleteCount > 0 {
                let timestamp = document.tick(now: now ?? 0)
                try document.delete(at: patch.position, count: patch.deleteCount, by: client, timestamp: timestamp)
            }
            if !patch.text.isEmpty {
                let timestamp = document.tick(now: now ?? 0)
                try document.insert(patch.text, at: patch.position, by: client, timestamp: timestamp)
            }
        }
    }
}
