/// Everything a replica holds, as plain arrays: what a checkpoint stores, so that opening
/// a long log does not replay its history. Restoring one gives a replica that behaves
/// exactly like the one it was taken from.
public struct DocumentSnapshot: Equatable, Sendable {
    public var clients: [ClientId]
    /// Per client: how many of its ids have been applied.
    public var nextSeq: [Int32]
    /// Every inserted code point, in the order runs and inserts point into.
    public var content: [UInt32]
    /// The runs in document order, `Document.runFields` numbers each.
    public var runs: [Int32]
    /// The history's records, `Document.recordFields` numbers each.
    public var records: [Int64]
    /// The delete targets, `Document.targetFields` numbers each.
    public var targets: [Int32]
    public var clock: Timestamp

    public init(
        clients: [ClientId], nextSeq: [Int32], content: [UInt32], runs: [Int32], records: [Int64], targets: [Int32],
        clock: Timestamp
    ) {
        self.clients = clients
        self.nextSeq = nextSeq
        self.content = content
        self.runs = runs
        self.records = records
        self.targets = targets
        self.clock = clock
    }
}

extension Document {
    public static let runFields = 9
    public static let recordFields = 12
    public static let targetFields = 4

    /// The replica's state. Ops waiting for dependencies are not part of it.
    public func snapshot() -> DocumentSnapshot {
        var runs: [Int32] = []
        tree.forEachRun { run in
            runs += [run.client, run.seq, run.length, run.content, run.origin.client, run.origin.seq,
                     run.rightOrigin.client, run.rightOrigin.seq, run.deleted ? 1 : 0]
        }
        var recordFields: [Int64] = []
        recordFields.reserveCapacity(records.count * Self.recordFields)
        for r in records {
            recordFields += [Int64(r.kind.rawValue), Int64(r.client), Int64(r.seq), Int64(r.span), r.timestamp.wall,
                             Int64(r.timestamp.logical), Int64(r.origin.client), Int64(r.origin.seq),
                             Int64(r.rightOrigin.client), Int64(r.rightOrigin.seq), Int64(r.start), Int64(r.targetCount)]
        }
        var targetFields: [Int32] = []
        for t in targets { targetFields += [t.client, t.seq, t.length, t.backward ? 1 : 0] }
        return DocumentSnapshot(
            clients: clientNames, nextSeq: nextSeq, content: content, runs: runs, records: recordFields,
            targets: targetFields, clock: clock.latest)
    }

    /// A replica restored from a snapshot; a snapshot that does not hold together (an
    /// index out of range, runs that do not match the version) is refused.
    public convenience init(snapshot s: DocumentSnapshot) throws {
        self.init()
        func fail(_ reason: String) -> EngineError { .invalidSnapshot(reason) }
        let clientCount = s.clients.count
        guard s.nextSeq.count == clientCount, Set(s.clients).count == clientCount,
            s.runs.count % Self.runFields == 0, s.records.count % Self.recordFields == 0,
            s.targets.count % Self.targetFields == 0
        else { throw fail("its tables do not fit together") }
        func client(_ value: Int64) throws -> Int32 {
            guard value >= 0 && value < Int64(clientCount) else { throw fail("client index \(value) out of range") }
            return Int32(value)
        }
        func origin(_ c: Int64, _ seq: Int64) throws -> CharId {
            if c == -1 { return .none }
            let index = try client(c)
            guard seq >= 0 && seq < Int64(s.nextSeq[Int(index)]) else { throw fail("origin \(c):\(seq) not applied") }
            return CharId(client: index, seq: Int32(seq))
        }
        var runs: [Run] = []
        runs.reserveCapacity(s.runs.count / Self.runFields)
        var covered = Array(repeating: Int64(0), count: clientCount)
        var k = 0
        while k < s.runs.count {
            let f = Fields(s.runs, at: k)
            let c = try client(f[0])
            let (seq, length, start) = (f[1], f[2], f[3])
            guard seq >= 0, length > 0, seq + length <= Int64(s.nextSeq[Int(c)]), start >= 0,
                start + length <= Int64(s.content.count), f[8] == 0 || f[8] == 1
            else { throw fail("run \(k / Self.runFields) out of range") }
            runs.append(Run(client: c, seq: Int32(seq), length: Int32(length), content: Int32(start),
                            origin: try origin(f[4], f[5]), rightOrigin: try origin(f[6], f[7]), deleted: f[8] == 1))
            covered[Int(c)] += length
            k += Self.runFields
        }
        for scalar in s.content where Unicode.Scalar(scalar) == nil { throw fail("content holds a non-scalar \(scalar)") }
        var restored: [OpRecord] = []
        var spans = Array(repeating: Int64(0), count: clientCount)
        k = 0
        while k < s.records.count {
            let f = Fields(s.records, at: k)
            guard let kind = OpRecord.Kind(rawValue: UInt8(clamping: f[0])), f[0] >= 0 && f[0] <= 1 else { throw fail("record kind \(f[0])") }
            let c = try client(f[1])
            guard f[2] == spans[Int(c)], f[3] > 0, f[4] >= 0, f[5] >= 0 && f[5] <= Int64(Int32.max), f[10] >= 0,
                f[11] >= 0
            else { throw fail("record \(k / Self.recordFields) out of order or range") }
            if kind == .insert {
                guard f[10] + f[3] <= Int64(s.content.count), f[11] == 0 else { throw fail("insert record out of range") }
            } else {
                guard f[11] > 0, f[10] + f[11] <= Int64(s.targets.count / Self.targetFields) else { throw fail("delete record out of range") }
            }
            spans[Int(c)] += f[3]
            restored.append(OpRecord(
                kind: kind, client: c, seq: Int32(f[2]), span: Int32(f[3]),
                timestamp: Timestamp(wall: f[4], logical: Int32(f[5])),
                origin: kind == .insert ? try origin(f[6], f[7]) : .none,
                rightOrigin: kind == .insert ? try origin(f[8], f[9]) : .none, start: Int32(f[10]), targetCount: Int32(f[11])))
            k += Self.recordFields
        }
        for c in 0..<clientCount where spans[c] != Int64(s.nextSeq[c]) { throw fail("history of \(s.clients[c]) does not match its version") }
        var inserted = Array(repeating: Int64(0), count: clientCount)
        for record in restored where record.kind == .insert { inserted[Int(record.client)] += Int64(record.span) }
        guard inserted == covered else { throw fail("the runs do not hold exactly the inserted characters") }
        var restoredTargets: [TargetRecord] = []
        k = 0
        while k < s.targets.count {
            let f = Fields(s.targets, at: k)
            let c = try client(f[0])
            let target = TargetRecord(client: c, seq: Int32(f[1]), length: Int32(clamping: f[2]), backward: f[3] == 1)
            guard f[2] > 0, f[3] == 0 || f[3] == 1, target.lowestSeq >= 0,
                Int64(target.lowestSeq) + f[2] <= Int64(s.nextSeq[Int(c)])
            else { throw fail("delete target out of range") }
            restoredTargets.append(target)
            k += Self.targetFields
        }
        clientNames = s.clients
        for (i, name) in s.clients.enumerated() { clientIndexes[name] = Int32(i) }
        nextSeq = s.nextSeq
        content = s.content
        records = restored
        targets = restoredTargets
        recordsByClient = Array(repeating: [], count: clientCount)
        for (i, record) in restored.enumerated() { recordsByClient[Int(record.client)].append(Int32(i)) }
        tree = SequenceTree(runs: runs, clientCount: clientCount)
        clock = HybridLogicalClock(latest: s.clock)
        coalescingFloor = records.count
    }
}

/// Field `i` of the entry starting at `base` of a snapshot's flat table, widened: the
/// tables are read in place, without an array per entry.
private struct Fields<Value: BinaryInteger> {
    let table: [Value]
    let base: Int

    init(_ table: [Value], at base: Int) {
        self.table = table
        self.base = base
    }

    subscript(i: Int) -> Int64 { Int64(table[base + i]) }
}
