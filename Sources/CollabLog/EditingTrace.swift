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

    /// Reads a trace from JSON bytes, gzip-compressed or not.
    public init(bytes: [UInt8]) throws {
        let json = Gzip.isGzip(bytes) ? try Gzip.decompress(bytes) : bytes
        let root = try JSONParser.parse(json)
        guard case .string(let end)? = root["endContent"] else { throw FormatError(description: "trace: missing endContent") }
        guard case .array(let txns)? = root["txns"] else { throw FormatError(description: "trace: missing txns") }
        endContent = end
        isConcurrent = root["kind"] == .string("concurrent")
        var agents = 1
        if case .int(let count)? = root["numAgents"] { agents = Int(count) }
        agentCount = agents
        transactions = []
        transactions.reserveCapacity(txns.count)
        patches = []
        for (index, txn) in txns.enumerated() {
            guard case .array(let patchValues)? = txn["patches"] else {
                throw FormatError(description: "trace: txn \(index) has no patches")
            }
            let firstPatch = patches.count
            for value in patchValues {
                guard case .array(let parts) = value, parts.count == 3, case .int(let position) = parts[0],
                    case .int(let deleteCount) = parts[1], case .string(let text) = parts[2]
                else { throw FormatError(description: "trace: txn \(index) has a malformed patch") }
                patches.append(Patch(position: Int(position), deleteCount: Int(deleteCount), text: text))
            }
            var parents: [Int] = index == 0 ? [] : [index - 1]
            var agent = 0
            if isConcurrent {
                guard case .array(let parentValues)? = txn["parents"], case .int(let agentValue)? = txn["agent"] else {
                    throw FormatError(description: "trace: txn \(index) lacks parents or agent")
                }
                parents = try parentValues.map { value in
                    guard case .int(let parent) = value, parent >= 0, Int(parent) < index else {
                        throw FormatError(description: "trace: txn \(index) has a parent that does not precede it")
                    }
                    return Int(parent)
                }
                guard agentValue >= 0 && Int(agentValue) < agents else {
                    throw FormatError(description: "trace: txn \(index) names agent \(agentValue) of \(agents)")
                }
                agent = Int(agentValue)
            }
            var time: Int64?
            if case .string(let stamp)? = txn["time"] { time = ISO8601.milliseconds(stamp) }
            transactions.append(Transaction(parents: parents, agent: agent, time: time, patchRange: firstPatch..<patches.count))
        }
    }
}
