import CollabCore

/// An editing trace in the format of josephg/editing-traces: sequential (one author's
/// patches in order) or concurrent (transactions with parents, one agent each).
public struct EditingTrace: Sendable {
    public struct Patch: Sendable {
        public var position: Int
        public var deleteCount: Int
        public var text: String

        public init(position: Int, deleteCount: Int, text: String) {
            self.position = position
            self.deleteCount = deleteCount
            self.text = text
        }
    }

    public struct Transaction: Sendable {
        /// The transactions this one follows, as a range of the trace's `parentIndexes`:
        /// empty in a sequential trace, where each follows the one before.
        public var parentRange: Range<Int>
        public var agent: Int
        /// Milliseconds since the epoch, when the trace gives a usable time.
        public var time: Int64?
        /// This transaction's patches, as indexes into the trace's `patches`.
        public var patchRange: Range<Int>

        public init(parentRange: Range<Int>, agent: Int, time: Int64?, patchRange: Range<Int>) {
            self.parentRange = parentRange
            self.agent = agent
            self.time = time
            self.patchRange = patchRange
        }
    }

    public var isConcurrent: Bool
    public var agentCount: Int
    public var endContent: String
    public var transactions: [Transaction]
    /// The parents of every transaction of a concurrent trace, one after another.
    public var parentIndexes: [Int]

    /// The transactions `transaction` follows.
    public func parents(of transaction: Transaction) -> ArraySlice<Int> { parentIndexes[transaction.parentRange] }
    /// Every patch of every transaction, in order: one flat array, so a replay walks
    /// memory in order instead of one small array per transaction.
    public var patches: [Patch]

    public var patchCount: Int { patches.count }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// A concurrent trace made in memory (`GeneratedHistory`).
    public init(
        concurrentWith agentCount: Int, endContent: String, transactions: [Transaction], parentIndexes: [Int], patches: [Patch]
    ) {
        isConcurrent = true
        self.agentCount = agentCount
        self.endContent = endContent
        self.transactions = transactions
        self.parentIndexes = parentIndexes
        self.patches = patches
    }

    /// The trace in the josephg/editing-traces JSON form (`init(bytes:)` reads it back).
    public func json() -> [UInt8] {
        var out = JSONWriter()
        out.raw("{")
        if isConcurrent {
            out.raw("\"kind\":\"concurrent\",\"numAgents\":")
            out.int(agentCount)
            out.raw(",")
        }
        out.raw("\"endContent\":")
        out.string(endContent)
        out.raw(",\"txns\":[")
        var children = [Int](repeating: 0, count: transactions.count)
        for parent in parentIndexes { children[parent] += 1 }
        for (index, transaction) in transactions.enumerated() {
            out.raw(index > 0 ? ",{" : "{")
            if isConcurrent {
                out.raw("\"parents\":")
                out.list(parents(of: transaction)) { $0.int($1) }
                out.raw(",\"numChildren\":")
                out.int(children[index])
                out.raw(",\"agent\":")
                out.int(transaction.agent)
                out.raw(",")
            }
            if let time = transaction.time {
                out.raw("\"time\":")
                out.string(ISO8601.format(milliseconds: time))
                out.raw(",")
            }
            out.raw("\"patches\":")
            out.list(patches[transaction.patchRange]) { out, patch in
                out.raw("[")
                out.int(patch.position)
                out.raw(",")
                out.int(patch.deleteCount)
                out.raw(",")
                out.string(patch.text)
                out.raw("]")
            }
            out.raw("}")
        }
        out.raw("]}\n")
        return out.bytes
    }

    /// Reads a trace from JSON bytes, gzip-compressed or not. The file is read with the
    /// pull parser straight into flat arrays: a trace has hundreds of thousands of
    /// patches, and a generic JSON tree of them costs more than replaying them.
    public init(bytes: [UInt8]) throws {
        let json = Gzip.isGzip(bytes) ? try Gzip.decompress(bytes) : bytes
        var end: String?
        var kind: String?
        var agents: Int64?
        var sawTransactions = false
        var transactions: [Transaction] = []
        var parentIndexes: [Int] = []
        var incomplete: Int?
        var patches: [Patch] = []
        // Roughly one patch per 60 bytes of JSON: reserve instead of regrowing.
        patches.reserveCapacity(json.count / 60)
        transactions.reserveCapacity(json.count / 60)
        do {
            try JSONParser.withParser(json) { (reader) throws -> Void in
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
                            try Self.readTransactions(
                                &reader, into: &transactions, parents: &parentIndexes, patches: &patches, incomplete: &incomplete)
                        default: _ = try reader.value(depth: 0)
                        }
                    } while try reader.take(UInt8(ascii: ","))
                    try reader.consume(UInt8(ascii: "}"))
                }
                guard reader.isAtEnd else { throw reader.error("unexpected text after the trace") }
            }
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
        if isConcurrent {
            if let incomplete { throw FormatError(description: "trace: txn \(incomplete) lacks parents or agent") }
            for (index, transaction) in transactions.enumerated() {
                for parent in parentIndexes[transaction.parentRange] where parent < 0 || parent >= index {
                    throw FormatError(description: "trace: txn \(index) has a parent that does not precede it")
                }
                guard transaction.agent >= 0 && transaction.agent < agentCount else {
                    throw FormatError(description: "trace: txn \(index) names agent \(transaction.agent) of \(agentCount)")
                }
            }
        } else {
            // Each transaction follows the one before, whatever the file says.
            parentIndexes = []
            for index in transactions.indices {
                transactions[index].parentRange = 0..<0
                transactions[index].agent = 0
            }
        }
        self.transactions = transactions
        self.parentIndexes = parentIndexes
    }

    /// Reads the `txns` array. A transaction lacking parents or an agent is noted in
    /// `incomplete` (an error only in a concurrent trace, which the caller knows later).
    private static func readTransactions(
        _ reader: inout JSONParser, into transactions: inout [Transaction], parents parentIndexes: inout [Int],
        patches: inout [Patch], incomplete: inout Int?
    ) throws {
        try reader.consume(UInt8(ascii: "["))
        if try reader.take(UInt8(ascii: "]")) { return }
        var lastTime: (range: Range<Int>, milliseconds: Int64?)?
        repeat {
            let index = transactions.count
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
                        let first = parentIndexes.count
                        try reader.consume(UInt8(ascii: "["))
                        if try !reader.take(UInt8(ascii: "]")) {
                            repeat { parentIndexes.append(Int(try reader.readInteger())) } while try reader.take(UInt8(ascii: ","))
                            try reader.consume(UInt8(ascii: "]"))
                        }
                        parents = first..<parentIndexes.count
                    case 1:  // agent
                        agent = try reader.readInteger()
                    case 2:  // time
                        // Consecutive transactions often share a time: compare its bytes,
                        // and parse each new one once.
                        if let last = lastTime, try reader.skipString(sameAs: last.range) {
                            time = last.milliseconds
                        } else if let range = try reader.readUnescapedString() {
                            guard let text = String(validating: reader[input: range], as: UTF8.self) else {
                                throw FormatError(description: "trace: txn \(index) has a time that is not UTF-8")
                            }
                            time = ISO8601.milliseconds(text)
                            lastTime = (range, time)
                        } else {
                            time = ISO8601.milliseconds(try reader.readString())
                            lastTime = nil
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
            if parents == nil || agent == nil, incomplete == nil { incomplete = index }
            transactions.append(
                Transaction(parentRange: parents ?? 0..<0, agent: Int(agent ?? 0), time: time, patchRange: first..<patches.count))
        } while try reader.take(UInt8(ascii: ","))
        try reader.consume(UInt8(ascii: "]"))
    }
}
