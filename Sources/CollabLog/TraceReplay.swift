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

    private init(concurrent trace: EditingTrace, progress: ((Int, Int) -> Void)?) throws {
        let clients = (0..<trace.agentCount).map(Self.clientId(ofAgent:))
        var replicas = clients.map { _ in Document() }
        var versionAfter: [VersionVector] = []
        versionAfter.reserveCapacity(trace.transactions.count)
        var log: [Op] = []
        for (index, transaction) in trace.transactions.enumerated() {
            if index & 0x3FF == 0 { progress?(index, trace.transactions.count) }
            var target = VersionVector()
            for parent in trace.parents(of: transaction) { target.formUnion(versionAfter[parent]) }
            var replica = replicas[transaction.agent]
            if !replica.version.isIncluded(in: target) {
                // The agent's replica saw something its parents did not: start from the parents' state.
                replica = try Document.at(target, of: log)
                replicas[transaction.agent] = replica
            }
            for (client, count) in target.counts where replica.seen(client) < count {
                let owner = replicas[clients.firstIndex(of: client)!]
                for op in owner.ops(of: client, from: replica.seen(client), to: count) { try replica.apply(op) }
            }
            if let (op, missing) = replica.firstMissingDependency() {
                throw EngineError.missingDependency(op: op, missing: missing)
            }
            let client = clients[transaction.agent]
            let before = replica.seen(client)
            try Self.apply(trace.patches[transaction.patchRange], to: replica, as: client, now: transaction.time)
            log.append(contentsOf: replica.ops(of: client, from: before, to: replica.seen(client)))
            versionAfter.append(replica.version)
        }
        ops = log
        let last = trace.transactions.count - 1
        text = try Document.at(versionAfter[last], of: log).text
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
