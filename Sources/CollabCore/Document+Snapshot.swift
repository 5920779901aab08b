/// Everything a replica holds, without what can be derived: what a checkpoint stores, so
/// that opening a long log does not replay its history. Restoring one gives a replica
/// that behaves exactly like the one it was taken from.
///
/// Runs carry no origins and no content offsets, and records no seqs or content offsets:
/// a record's seq follows from its client's records before it, its content from the
/// insert records before it, and a run's origins and content from the record holding its
/// first character (the engine keeps each run inside what one insert would have made).
public struct DocumentSnapshot: Equatable, Sendable {
    /// A character id with an interned client; `client == -1` is none.
    public struct Id: Equatable, Sendable {
        public var client: Int32
        public var seq: Int32
        public static let none = Id(client: -1, seq: 0)
        public init(client: Int32, seq: Int32) {
            self.client = client
            self.seq = seq
        }
    }

    /// A run of characters, in document order.
    public struct Run: Equatable, Sendable {
        public var client: Int32
        public var seq: Int32
        public var length: Int32
        public var deleted: Bool
        public init(client: Int32, seq: Int32, length: Int32, deleted: Bool) {
            self.client = client
            self.seq = seq
            self.length = length
            self.deleted = deleted
        }
    }

    /// One op of the history, in application order. A delete's targets are the next
    /// `targetCount` entries of `targets`; a format's span and value the next entry of
    /// `marks`.
    public struct Record: Equatable, Sendable {
        public enum Kind: UInt8, Sendable {
            case insert, delete, format, comment, block, blockOp, blockMove, compacted
        }

        public var kind: Kind
        public var client: Int32
        public var span: Int32
        public var timestamp: Timestamp
        public var origin: Id
        public var rightOrigin: Id
        public var targetCount: Int32
        public var isDelete: Bool { kind == .delete }

        public init(kind: Kind, client: Int32, span: Int32, timestamp: Timestamp, origin: Id, rightOrigin: Id, targetCount: Int32) {
            self.kind = kind
            self.client = client
            self.span = span
            self.timestamp = timestamp
            self.origin = origin
            self.rightOrigin = rightOrigin
            self.targetCount = targetCount
        }
    }

    /// `length` ids from `seq` of `client`, going down when `backward`.
    public struct Target: Equatable, Sendable {
        public var client: Int32
        public var seq: Int32
        public var length: Int32
        public var backward: Bool
        public init(client: Int32, seq: Int32, length: Int32, backward: Bool) {
            self.client = client
            self.seq = seq
            self.length = length
            self.backward = backward
        }
    }

    /// A `format_set`'s span (`client == -1` anchors: the document's start or end) and value.
    public struct Mark: Equatable, Sendable {
        public var start: Id
        public var startAfter: Bool
        public var end: Id
        public var endAfter: Bool
        public var key: String
        public var value: AttributeValue
        public init(start: Id, startAfter: Bool, end: Id, endAfter: Bool, key: String, value: AttributeValue) {
            self.start = start
            self.startAfter = startAfter
            self.end = end
            self.endAfter = endAfter
            self.key = key
            self.value = value
        }
    }

    public var clients: [ClientId]
    /// Per client: how many of its ids have been applied.
    public var nextSeq: [Int32]
    /// Every inserted code point, in the order of the insert records.
    public var content: [UInt32]
    public var runs: [Run]
    public var records: [Record]
    public var targets: [Target]
    public var marks: [Mark]
    /// The comment ops, in record order (their state is replayed from them).
    public var comments: [CommentOp]
    /// The attributes of each `block_insert` record, and the other block ops, in record order.
    public var blockInserts: [[String: AttributeValue]]
    public var blockOps: [BlockOp]
    public var clock: Timestamp
    /// Per client: the ids below which compaction squashed history (empty: none). Ids
    /// there without a record of their own are covered by `compacted` records.
    public var base: [Int32] = []

    public init(
        clients: [ClientId], nextSeq: [Int32], content: [UInt32], runs: [Run], records: [Record], targets: [Target],
        marks: [Mark] = [], comments: [CommentOp] = [], blockInserts: [[String: AttributeValue]] = [],
        blockOps: [BlockOp] = [], clock: Timestamp
    ) {
        self.blockInserts = blockInserts
        self.blockOps = blockOps
        self.marks = marks
        self.comments = comments
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
    /// The replica's state. Ops waiting for dependencies are not part of it.
    public func snapshot() -> DocumentSnapshot {
        var runs: [DocumentSnapshot.Run] = []
        tree.forEachRun { runs.append(.init(client: $0.client, seq: $0.seq, length: $0.length, deleted: $0.deleted)) }
        func id(_ c: CharId) -> DocumentSnapshot.Id { .init(client: c.client, seq: c.seq) }
        let snapshotRecords = records.map { r in
            DocumentSnapshot.Record(
                kind: DocumentSnapshot.Record.Kind(rawValue: r.kind.rawValue)!, client: r.client, span: r.span, timestamp: r.timestamp, origin: id(r.origin),
                rightOrigin: id(r.rightOrigin), targetCount: r.kind == .block || r.kind == .blockMove ? 0 : r.targetCount)
        }
        let snapshotTargets = targets.map { DocumentSnapshot.Target(client: $0.client, seq: $0.seq, length: $0.length, backward: $0.backward) }
        let snapshotMarks = marks.map {
            DocumentSnapshot.Mark(
                start: id($0.start), startAfter: $0.startSide == .after, end: id($0.end), endAfter: $0.endSide == .after,
                key: $0.key, value: $0.value)
        }
        var snapshot = DocumentSnapshot(
            clients: clientNames, nextSeq: nextSeq, content: content, runs: runs, records: snapshotRecords,
            targets: snapshotTargets, marks: snapshotMarks, comments: commentOps, blockInserts: blockInserts,
            blockOps: blockOps, clock: clock.latest)
        if hasCompactedHistory { snapshot.base = baseSeq }
        return snapshot
    }

    /// A replica restored from a snapshot. A snapshot that does not hold together (an
    /// index out of range, a run that no insert could have made, characters covered twice
    /// or not at all) is refused, so a restored replica never breaks the engine's rules.
    public convenience init(snapshot s: DocumentSnapshot) throws {
        self.init()
        func fail(_ reason: String) -> EngineError { .invalidSnapshot(reason) }
        let clientCount = s.clients.count
        guard s.nextSeq.count == clientCount, Set(s.clients).count == clientCount, s.nextSeq.allSatisfy({ $0 >= 0 }),
            s.base.isEmpty || (s.base.count == clientCount && zip(s.base, s.nextSeq).allSatisfy { $0 >= 0 && $0 <= $1 })
        else { throw fail("its client tables do not fit together") }
        @inline(__always)
        func charId(_ id: DocumentSnapshot.Id) throws -> CharId {
            if id == .none { return .none }
            guard id.client >= 0 && id.client < Int32(clientCount), id.seq >= 0, id.seq < s.nextSeq[Int(id.client)]
            else { throw fail("origin \(id.client):\(id.seq) not applied") }
            return CharId(client: id.client, seq: id.seq)
        }
        let nonScalars = s.content.withUnsafeBufferPointer { values in
            // Branch-free, so it vectorizes: a surrogate or a value past U+10FFFF.
            var found: UInt32 = 0
            for value in values { found |= (value &- 0xD800 < 0x800 ? 1 : 0) | (value > 0x10_FFFF ? 1 : 0) }
            return found != 0
        }
        guard !nonScalars else { throw fail("content holds a value that is no Unicode scalar") }

        // The history: seqs and content offsets follow from the order.
        var restored: [OpRecord] = []
        restored.reserveCapacity(s.records.count)
        var byClient = Array(repeating: [Int32](), count: clientCount)
        var spans = Array(repeating: Int32(0), count: clientCount)
        var contentEnd: Int64 = 0
        var targetEnd = 0
        var markEnd = 0
        var commentEnd = 0
        var blockOpEnd = 0
        var blockInsertEnd = 0
        for (i, r) in s.records.enumerated() {
            guard r.client >= 0 && r.client < Int32(clientCount), r.span > 0,
                Int64(spans[Int(r.client)]) + Int64(r.span) <= Int64(s.nextSeq[Int(r.client)]), r.timestamp.wall >= 0,
                r.timestamp.logical >= 0
            else { throw fail("record \(i) out of range") }
            let seq = spans[Int(r.client)]
            var record = OpRecord(
                kind: OpRecord.Kind(rawValue: r.kind.rawValue)!, client: r.client, seq: seq, span: r.span, timestamp: r.timestamp,
                origin: .none, rightOrigin: .none, start: 0, targetCount: 0)
            if r.kind == .comment || r.kind == .blockOp {
                let available = r.kind == .comment ? s.comments.count : s.blockOps.count
                guard r.span == 1, r.targetCount == 0, (r.kind == .comment ? commentEnd : blockOpEnd) < available else {
                    throw fail("record \(i) names an op the snapshot lacks")
                }
                if r.kind == .comment { commentEnd += 1 } else { blockOpEnd += 1 }
            } else if r.kind == .format {
                guard r.span == 1, r.targetCount == 0, markEnd < s.marks.count else {
                    throw fail("format record \(i) names a mark the snapshot lacks")
                }
                record.start = Int32(markEnd)
                markEnd += 1
            } else if r.kind == .compacted {
                // Squashed ids: `targetCount` of them are still characters, whose text
                // comes next in the content.
                guard r.targetCount >= 0, r.targetCount <= r.span, contentEnd + Int64(r.targetCount) <= Int64(s.content.count) else {
                    throw fail("compacted record \(i) runs past the content")
                }
                record.start = Int32(contentEnd)
                record.targetCount = r.targetCount
                contentEnd += Int64(r.targetCount)
            } else if r.isDelete {
                guard r.targetCount > 0, targetEnd + Int(r.targetCount) <= s.targets.count else {
                    throw fail("delete record \(i) names targets the snapshot lacks")
                }
                record.start = Int32(targetEnd)
                record.targetCount = r.targetCount
                targetEnd += Int(r.targetCount)
            } else {
                guard r.targetCount == 0, contentEnd + Int64(r.span) <= Int64(s.content.count) else {
                    throw fail("insert record \(i) runs past the content")
                }
                if r.kind == .block {
                    guard r.span == 1, blockInsertEnd < s.blockInserts.count, s.content[Int(contentEnd)] == 0x0A else {
                        throw fail("block record \(i) does not hold together")
                    }
                    record.targetCount = Int32(blockInsertEnd)
                    blockInsertEnd += 1
                } else if r.kind == .blockMove {
                    guard r.span == 1, blockOpEnd < s.blockOps.count, case .move = s.blockOps[blockOpEnd] else {
                        throw fail("block move record \(i) does not hold together")
                    }
                    record.targetCount = Int32(blockOpEnd)
                    blockOpEnd += 1
                }
                record.origin = try charId(r.origin)
                record.rightOrigin = try charId(r.rightOrigin)
                record.start = Int32(contentEnd)
                contentEnd += Int64(r.span)
            }
            spans[Int(r.client)] += r.span
            byClient[Int(r.client)].append(Int32(i))
            restored.append(record)
        }
        guard spans == s.nextSeq else { throw fail("the history does not match the version") }
        guard contentEnd == Int64(s.content.count), targetEnd == s.targets.count, markEnd == s.marks.count,
            commentEnd == s.comments.count, blockOpEnd == s.blockOps.count, blockInsertEnd == s.blockInserts.count
        else { throw fail("content, targets, marks or comments that no record names") }
        var restoredTargets: [TargetRecord] = []
        restoredTargets.reserveCapacity(s.targets.count)
        for t in s.targets {
            let target = TargetRecord(client: t.client, seq: t.seq, length: t.length, backward: t.backward)
            guard t.client >= 0 && t.client < Int32(clientCount), t.length > 0, target.lowestSeq >= 0,
                Int64(target.lowestSeq) + Int64(t.length) <= Int64(s.nextSeq[Int(t.client)])
            else { throw fail("delete target out of range") }
            restoredTargets.append(target)
        }

        // The runs: origins and content from the insert record holding each run's start,
        // found by walking each client's runs in id order beside its records; the same
        // walk checks that the runs hold every inserted character exactly once.
        var runs = [Run](repeating: Run(client: 0, seq: 0, length: 0, content: 0, origin: .none, rightOrigin: .none, deleted: false), count: s.runs.count)
        var idOrder = Array(repeating: [UInt64](), count: clientCount)
        // Per compacted record: how many of its characters the runs hold so far.
        var keptSeen: [Int32: Int32] = [:]
        for (i, r) in s.runs.enumerated() {
            guard r.client >= 0 && r.client < Int32(clientCount), r.seq >= 0, r.length > 0,
                Int64(r.seq) + Int64(r.length) <= Int64(s.nextSeq[Int(r.client)])
            else { throw fail("run \(i) out of range") }
            idOrder[Int(r.client)].append(UInt64(r.seq) << 32 | UInt64(i))
        }
        for client in 0..<clientCount { idOrder[client].sortByHighWord() }
        // The hot loop of opening a checkpoint: read through buffer pointers.
        try restored.withUnsafeBufferPointer { restored in
            try s.runs.withUnsafeBufferPointer { snapshotRuns in
                try runs.withUnsafeMutableBufferPointer { runs in
                    for client in 0..<clientCount {
                        try byClient[client].withUnsafeBufferPointer { own in
                            var k = 0  // the record holding `position`
                            var position: Int32 = 0  // the next id to be covered
                            func skipCovered() {
                                while k < own.count {
                                    let record = restored[Int(own[k])]
                                    guard !(record.isCharacters || record.kind == .compacted) || record.endSeq <= position else { break }
                                    k += 1
                                }
                            }
                            for key in idOrder[client] {
                                let i = Int(key & 0xFFFF_FFFF)
                                let r = snapshotRuns[i]
                                skipCovered()
                                // Squashed ids hold characters only here and there.
                                while k < own.count && restored[Int(own[k])].kind == .compacted && restored[Int(own[k])].endSeq <= r.seq {
                                    k += 1
                                    skipCovered()
                                }
                                guard k < own.count else { throw fail("run \(i) holds ids no insert made") }
                                let record = restored[Int(own[k])]
                                if record.kind == .compacted {
                                    guard r.seq >= max(position, record.seq), Int64(r.seq) + Int64(r.length) <= Int64(record.endSeq) else {
                                        throw fail("run \(i) does not lie within the compacted ids it is in")
                                    }
                                    let kept = keptSeen[own[k], default: 0]
                                    guard kept + r.length <= record.targetCount else { throw fail("run \(i) holds more compacted characters than were kept") }
                                    runs[i] = Run(
                                        client: r.client, seq: r.seq, length: r.length, content: record.start + kept, origin: .none,
                                        rightOrigin: .compacted, deleted: r.deleted)
                                    keptSeen[own[k]] = kept + r.length
                                    position = r.seq + r.length
                                    continue
                                }
                                position = max(position, record.seq)
                                guard r.seq == position else {
                                    throw fail(r.seq < position ? "run \(i) holds characters held already" : "characters before run \(i) are missing")
                                }
                                let offset = r.seq - record.seq
                                let run = Run(
                                    client: r.client, seq: r.seq, length: r.length, content: record.start + offset,
                                    origin: offset == 0 ? record.origin : CharId(client: r.client, seq: r.seq - 1),
                                    rightOrigin: record.rightOrigin, deleted: r.deleted)
                                // A run past its record's end must be what typing on made: each
                                // next record continues the one before, its content right after.
                                var end = record.endSeq
                                var next = k + 1
                                while end < r.seq + r.length {
                                    let continued = restored[Int(own[next])]
                                    guard continued.isCharacters, continued.origin == CharId(client: r.client, seq: end - 1),
                                        continued.rightOrigin == record.rightOrigin, continued.start == run.content + (end - r.seq)
                                    else { throw fail("run \(i) spans ops that no typing could join") }
                                    end = continued.endSeq
                                    next += 1
                                }
                                position = r.seq + r.length
                                runs[i] = run
                            }
                            skipCovered()
                            while k < own.count && restored[Int(own[k])].kind == .compacted {
                                k += 1
                                skipCovered()
                            }
                            guard k == own.count else { throw fail("inserted characters of \(s.clients[client]) that no run holds") }
                        }
                    }
                }
            }
        }
        for (index, record) in restored.enumerated() where record.kind == .compacted && keptSeen[Int32(index), default: 0] != record.targetCount {
            throw fail("compacted record \(index) keeps \(record.targetCount) characters but the runs hold \(keptSeen[Int32(index), default: 0])")
        }
        let tree = SequenceTree(runs: runs, clientCount: clientCount, idOrder: idOrder)

        // Marks: every anchor must be a character the runs hold.
        var restoredMarks: [MarkRecord] = []
        for (i, m) in s.marks.enumerated() {
            func anchor(_ id: DocumentSnapshot.Id) throws -> CharId {
                if id == .none { return .none }
                let char = try charId(id)
                guard tree.cursor(of: char) != nil else { throw fail("mark \(i) is anchored to no character") }
                return char
            }
            guard !m.key.isEmpty else { throw fail("mark \(i) has no attribute name") }
            restoredMarks.append(MarkRecord(
                start: try anchor(m.start), startSide: m.startAfter ? .after : .before, end: try anchor(m.end),
                endSide: m.endAfter ? .after : .before, key: m.key, value: m.value))
        }

        clientNames = s.clients
        clientIndexes = Dictionary(uniqueKeysWithValues: s.clients.enumerated().map { ($1, Int32($0)) })
        nextSeq = s.nextSeq
        content = s.content
        records = restored
        targets = restoredTargets
        marks = restoredMarks
        recordsByClient = byClient
        self.tree = tree
        clock = HybridLogicalClock(latest: s.clock)
        // Comments and blocks: their state replayed from their ops, checked as when they
        // arrived (block markers are characters already in the runs).
        var k = 0
        var b = 0
        blockInserts = s.blockInserts
        for (i, record) in restored.enumerated() {
            let id = OpId(s.clients[Int(record.client)], Int(record.seq))
            do {
                switch record.kind {
                case .comment:
                    let op = Op(id: id, timestamp: record.timestamp, payload: .comment(s.comments[k]))
                    records[i].start = try integrateComment(s.comments[k], of: op, client: record.client).start
                    k += 1
                case .block:
                    let attributes = s.blockInserts[Int(record.targetCount)]
                    try checkBlockAttributes(attributes, of: Op(id: id, timestamp: record.timestamp, payload: .block(.insert(after: nil, before: nil, attributes: attributes))))
                    registerAttributes(of: record, attributes, stamp: OpStamp(timestamp: record.timestamp, id: id))
                case .blockOp:
                    let op = Op(id: id, timestamp: record.timestamp, payload: .block(s.blockOps[b]))
                    records[i].start = try integrateBlock(s.blockOps[b], of: op, client: record.client).start
                    b += 1
                case .blockMove:
                    // The slot is a hidden character of the runs already.
                    guard case .move(let block, _, _) = s.blockOps[b] else { throw fail("record \(i) is no move") }
                    let op = Op(id: id, timestamp: record.timestamp, payload: .block(s.blockOps[b]))
                    blockOps.append(s.blockOps[b])
                    registerSlot(CharId(client: record.client, seq: record.seq), of: try movableBlock(block, of: op), stamp: OpStamp(timestamp: record.timestamp, id: id))
                    b += 1
                default:
                    continue
                }
            } catch {
                throw fail("op \(id) does not apply: \(error)")
            }
        }
        hasCompactedHistory = !s.base.isEmpty
        baseSeq = s.base.isEmpty ? Array(repeating: 0, count: clientCount) : s.base
        coalescingFloor = records.count
    }
}
