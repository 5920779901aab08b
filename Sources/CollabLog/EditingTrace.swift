import CollabCore

/// An editing trace in the format of josephg/editing-traces: sequential (one author's
/// patches in order) or concurrent (transactions with parents, one agent each).
public struct EditingTrace: Sendable {
    public struct Patch: Sendable {
        public var position: Int
        public var deleteCount: Int
        public var text: String
    }

    public struct Transaction: Sendable {
        public var parents: [Int]
        public var agent: Int
        /// Milliseconds since the epoch, when the trace gives a usable time.
        public var time: Int64?
        /// This transaction's patches, as indexes into the trace's `patches`.
        public var patchRange: Range<Int>
    }

    public var isConcurrent: Bool
    public var agentCount: Int
    public var endContent: String
    public var transactions: [Transaction]
    /// Every patch of every transaction, in order: one flat array, so a replay walks
    /// memory in order instead of one small array per transaction.
    public var patches: [Patch]

    public var patchCount: Int { patches.count }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Reads a trace from JSON bytes, gzip-compressed or not. The file is read with the
    /// pull parser straight into flat arrays: a trace has hundreds of thousands of
    /// patches, and a generic JSON tree of them costs more than replaying them.
    public init(bytes: [UInt8]) throws {
        let json = Gzip.isGzip(bytes) ? try Gzip.decompress(bytes) : bytes
        var reader = JSONParser(bytes: json)
        var end: String?
        var kind: String?
        var agents: Int64?
        var sawTransactions = false
        var raw: [RawTransaction] = []
        var parentStore: [Int64] = []
        var patches: [Patch] = []
        // Roughly one patch per 60 bytes of JSON: reserve instead of regrowing.
        patches.reserveCapacity(json.count / 60)
        raw.reserveCapacity(json.count / 60)
        do {
            try reader.consume(UInt8(ascii: "{"))
            if try !reader.take(UInt8(ascii: "}")) {
                repeat {
                    let key = try reader.readString()
                    try reader.consume(UInt8(ascii: ":"))
                    switch key {
                    case "endContent": end = try reader.readString()
                    case "kind": kind = try reader.readString()
                    case "numAgents": agents = try reader.readInteger()
                    case "txns":
                        sawTransactions = true
                        try Self.readTransactions(&reader, into: &raw, parents: &parentStore, patches: &patches)
                    default: _ = try reader.value(depth: 0)
                    }
                } while try reader.take(UInt8(ascii: ","))
                try reader.consume(UInt8(ascii: "}"))
            }
            guard reader.isAtEnd else { throw reader.error("unexpected text after the trace") }
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(description: "trace: \(error)")
        }
        guard let end else { throw FormatError(description: "trace: missing endContent") }
        guard sawTransactions else { throw FormatError(description: "trace: missing txns") }
        endContent = end
        isConcurrent = kind == "concurrent"
        agentCount = Int(agents ?? 1)
        guard agentCount >= 1 else { throw FormatError(description: "trace: numAgents must be at least 1") }
        self.patches = patches
        transactions = []
        transactions.reserveCapacity(raw.count)
        for (index, txn) in raw.enumerated() {
            var parents: [Int] = index == 0 ? [] : [index - 1]
            var agent = 0
            if isConcurrent {
                guard let parentRange = txn.parents, let agentValue = txn.agent else {
                    throw FormatError(description: "trace: txn \(index) lacks parents or agent")
                }
                parents = try parentStore[parentRange].map { parent in
                    guard parent >= 0, Int(parent) < index else {
                        throw FormatError(description: "trace: txn \(index) has a parent that does not precede it")
                    }
                    return Int(parent)
                }
                guard agentValue >= 0 && agentValue < agents ?? 1 else {
                    throw FormatError(description: "trace: txn \(index) names agent \(agentValue) of \(agentCount)")
                }
                agent = Int(agentValue)
            }
            transactions.append(Transaction(parents: parents, agent: agent, time: txn.time, patchRange: txn.patches))
        }
    }

    /// A transaction as read, before validation; parents are a range of the parent store.
    struct RawTransaction {
        var parents: Range<Int>?
        var agent: Int64?
        var time: Int64?
        var patches: Range<Int>
    }

    private static func readTransactions(
        _ reader: inout JSONParser, into raw: inout [RawTransaction], parents parentStore: inout [Int64],
        patches: inout [Patch]
    ) throws {
        try reader.consume(UInt8(ascii: "["))
        if try reader.take(UInt8(ascii: "]")) { return }
        var lastTime: (text: String, milliseconds: Int64?)?
        repeat {
            let index = raw.count
            var parents: Range<Int>?
            var agent: Int64?
            var time: Int64?
            let first = patches.count
            var sawPatches = false
            try reader.consume(UInt8(ascii: "{"))
            if try !reader.take(UInt8(ascii: "}")) {
                repeat {
                    let key = try reader.readKey(["parents", "agent", "time", "patches"])
                    try reader.consume(UInt8(ascii: ":"))
                    switch key {
                    case 0:  // parents
                        let first = parentStore.count
                        try reader.consume(UInt8(ascii: "["))
                        if try !reader.take(UInt8(ascii: "]")) {
                            repeat { parentStore.append(try reader.readInteger()) } while try reader.take(UInt8(ascii: ","))
                            try reader.consume(UInt8(ascii: "]"))
                        }
                        parents = first..<parentStore.count
                    case 1:  // agent
                        agent = try reader.readInteger()
                    case 2:  // time
                        let text = try reader.readString()
                        // Consecutive transactions often share a time: parse each once.
                        if let last = lastTime, last.text == text {
                            time = last.milliseconds
                        } else {
                            time = ISO8601.milliseconds(text)
                            lastTime = (text, time)
                        }
                    case 3:  // patches
                        sawPatches = true
                        try reader.consume(UInt8(ascii: "["))
                        if try !reader.take(UInt8(ascii: "]")) {
                            repeat {
                                try reader.consume(UInt8(ascii: "["))
                                let position = try reader.readInteger()
                                try reader.consume(UInt8(ascii: ","))
                                let deleteCount = try reader.readInteger()
                                try reader.consume(UInt8(ascii: ","))
                                let text = try reader.readString()
                                try reader.consume(UInt8(ascii: "]"))
                                guard position >= 0, deleteCount >= 0 else {
                                    throw FormatError(description: "trace: txn \(index) has a malformed patch")
                                }
                                patches.append(Patch(position: Int(position), deleteCount: Int(deleteCount), text: text))
                            } while try reader.take(UInt8(ascii: ","))
                            try reader.consume(UInt8(ascii: "]"))
                        }
                    default:
                        _ = try reader.value(depth: 0)
                    }
                } while try reader.take(UInt8(ascii: ","))
                try reader.consume(UInt8(ascii: "}"))
            }
            guard sawPatches else { throw FormatError(description: "trace: txn \(index) has no patches") }
            raw.append(RawTransaction(parents: parents, agent: agent, time: time, patches: first..<patches.count))
        } while try reader.take(UInt8(ascii: ","))
        try reader.consume(UInt8(ascii: "]"))
    }
}
