/// A replica of one document: the sequence CRDT, the version it has seen, the ops it
/// applied (its history) and the ops waiting for their dependencies.
///
/// Local edits at code-point positions produce ops; remote ops integrate idempotently
/// and commutatively with FugueMax ordering, so every replica that has seen the same
/// ops holds the same text, whatever order they arrived in.
public final class Document {
    let tree = SequenceTree()
    /// Every inserted scalar, in the order the runs were created; runs point into it.
    var content: [UInt32] = []
    var clientNames: [ClientId] = []
    var clientIndexes: [ClientId: Int32] = [:]
    /// Per interned client: how many of its ids have been applied.
    var nextSeq: [Int32] = []
    /// Per interned client: the positions in `history` of its ops, in id order.
    var opsByClient: [[Int32]] = []
    /// Ops whose dependencies have not all arrived.
    public private(set) var pending: [Op] = []

    /// The ops applied, in the order they were applied (a causal order).
    public private(set) var history: [Op] = []
    /// Local ops coalesce only into history entries at or after this index, so ops that
    /// were already written somewhere are never changed.
    public var coalescingFloor = 0
    /// The replica's clock: it has observed every op's timestamp.
    public var clock = HybridLogicalClock()

    public init() {}

    /// Loads ops that were written in a causal order; an op whose dependencies never
    /// arrive is an error naming the missing id.
    public convenience init(ops: some Sequence<Op>) throws {
        self.init()
        for op in ops { try apply(op) }
        if let (op, missing) = firstMissingDependency() { throw EngineError.missingDependency(op: op, missing: missing) }
        coalescingFloor = history.count
    }

    /// The state after exactly the ops of `version`, which must be causally closed.
    public static func at(_ version: VersionVector, of ops: some Sequence<Op>) throws -> Document {
        let document = Document()
        for op in ops {
            let limit = version[op.id.client]
            guard op.id.seq < limit else { continue }
            try document.apply(op.endSeq > limit ? op.slice(from: op.id.seq, to: limit) : op)
        }
        if let (op, missing) = document.firstMissingDependency() {
            throw EngineError.versionNotCausallyClosed(missing: missing, neededBy: op)
        }
        for (client, count) in version.counts where document.version[client] < count {
            throw EngineError.versionNotCausallyClosed(
                missing: OpId(client, document.version[client]), neededBy: OpId(client, count - 1))
        }
        document.coalescingFloor = document.history.count
        return document
    }

    // MARK: Reading

    /// The number of visible characters (Unicode code points).
    public var length: Int { tree.visibleCount }

    /// The version this replica has seen.
    public var version: VersionVector {
        var counts: [ClientId: Int] = [:]
        for (i, name) in clientNames.enumerated() where nextSeq[i] > 0 { counts[name] = Int(nextSeq[i]) }
        return VersionVector(counts)
    }

    /// The plain text at head.
    public var text: String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(length + length / 8)
        tree.forEachRun { run in
            guard !run.deleted else { return }
            let start = Int(run.content)
            for scalar in content[start..<(start + Int(run.length))] { appendUTF8(scalar, to: &utf8) }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The id of each visible character, in order (for tests and tools that need ids).
    public var characterIds: [OpId] {
        var ids: [OpId] = []
        tree.forEachRun { run in
            guard !run.deleted else { return }
            for k in 0..<run.length { ids.append(OpId(clientNames[Int(run.client)], Int(run.seq + k))) }
        }
        return ids
    }

    /// The number of runs the sequence is kept in (a measure of fragmentation).
    public var runCount: Int {
        var count = 0
        tree.forEachRun { _ in count += 1 }
        return count
    }

    // MARK: Local edits

    /// Inserts `text` at a code-point position, as `client`, and returns the new op.
    @discardableResult
    public func insert(_ text: String, at position: Int, by client: ClientId, timestamp: Timestamp) throws -> Op {
        guard position >= 0 && position <= length else {
            throw EngineError.positionOutOfRange(position: position, length: length)
        }
        let c = intern(client)
        let seq = nextSeq[Int(c)]
        let cursor = tree.cursor(atVisible: position)
        let left = tree.charBefore(cursor)
        let right = tree.charAt(cursor)
        let contentStart = Int32(content.count)
        for scalar in text.unicodeScalars { content.append(scalar.value) }
        let count = Int32(content.count) - contentStart
        guard count > 0 else { throw EngineError.invalidOp(OpId(client, Int(seq)), "an insert needs text") }
        let run = Run(
            client: c, seq: seq, length: count, content: contentStart, origin: left, rightOrigin: right,
            deleted: false)
        tree.insert(run, at: cursor)
        nextSeq[Int(c)] += count
        clock.observe(timestamp)
        let op = Op(
            id: OpId(client, Int(seq)), timestamp: timestamp,
            payload: .textInsert(TextInsert(after: opId(left), before: opId(right), text: text)))
        recordLocal(op)
        return op
    }

    /// Deletes `count` code points from `position`, as `client`, and returns the new op.
    @discardableResult
    public func delete(at position: Int, count: Int, by client: ClientId, timestamp: Timestamp) throws -> Op {
        guard position >= 0, count > 0, position + count <= length else {
            throw EngineError.positionOutOfRange(position: position + max(count, 0), length: length)
        }
        let c = intern(client)
        let seq = nextSeq[Int(c)]
        var targets: [DeleteTarget] = []
        var remaining = Int32(count)
        while remaining > 0 {
            let cursor = tree.cursor(atVisible: position)
            let run = cursor.run
            let taken = min(remaining, run.length - cursor.offset)
            tree.markDeleted(at: cursor, count: taken)
            let target = DeleteTarget(
                start: OpId(clientNames[Int(run.client)], Int(run.seq + cursor.offset)), length: Int(taken))
            if targets.isEmpty || !Self.join(&targets[targets.count - 1], target) { targets.append(target) }
            remaining -= taken
        }
        nextSeq[Int(c)] += Int32(count)
        clock.observe(timestamp)
        let op = Op(id: OpId(client, Int(seq)), timestamp: timestamp, payload: .textDelete(TextDelete(targets: targets)))
        recordLocal(op)
        return op
    }

    // MARK: Remote ops

    /// What happened to an op handed to `apply`.
    public enum Outcome: Equatable, Sendable {
        /// Integrated now (and perhaps let waiting ops through).
        case applied
        /// Already known, with the same content: nothing changed.
        case duplicate
        /// Waits for a dependency that has not arrived.
        case pending
    }

    /// Integrates an op from anywhere: idempotent, commutative with concurrent ops; an op
    /// whose dependencies are missing waits until they arrive.
    @discardableResult
    public func apply(_ op: Op) throws -> Outcome {
        let outcome = try integrate(op)
        if outcome == .pending {
            pending.append(op)
        } else if outcome == .applied && !pending.isEmpty {
            try drainPending()
        }
        return outcome
    }

    /// The first waiting op's first missing dependency, if any op waits.
    public func firstMissingDependency() -> (op: OpId, missing: OpId)? {
        let seen = version
        for op in pending {
            if let missing = op.dependencies.first(where: { !seen.includes($0) }) { return (op.id, missing) }
        }
        return nil
    }

    private func drainPending() throws {
        var progress = true
        while progress && !pending.isEmpty {
            progress = false
            var still: [Op] = []
            for op in pending {
                switch try integrate(op) {
                case .pending: still.append(op)
                case .applied, .duplicate: progress = true
                }
            }
            pending = still
        }
    }

    private func integrate(_ incoming: Op) throws -> Outcome {
        var op = incoming
        guard op.span > 0, op.id.seq >= 0 else { throw EngineError.invalidOp(op.id, "an op must cover at least one id") }
        guard op.endSeq <= Int(Int32.max) else { throw EngineError.invalidOp(op.id, "its ids pass the largest sequence number") }
        let c = intern(op.id.client)
        let next = Int(nextSeq[Int(c)])
        if op.endSeq <= next {
            try checkSameAsHistory(op)
            return .duplicate
        }
        if op.id.seq < next {
            try checkSameAsHistory(op.slice(from: op.id.seq, to: next))
            op = op.slice(from: next, to: op.endSeq)
        }
        if op.id.seq > next { return .pending }
        for dependency in op.dependencies where !isSeen(dependency) { return .pending }
        switch op.payload {
        case .textInsert(let insert): try integrateInsert(insert, of: op, client: c)
        case .textDelete(let delete): try integrateDelete(delete, of: op)
        }
        nextSeq[Int(c)] = Int32(op.endSeq)
        clock.observe(op.timestamp)
        opsByClient[Int(c)].append(Int32(history.count))
        history.append(op)
        return .applied
    }

    private func isSeen(_ id: OpId) -> Bool {
        guard let c = clientIndexes[id.client] else { return false }
        return id.seq < Int(nextSeq[Int(c)])
    }

    private func integrateInsert(_ insert: TextInsert, of op: Op, client c: Int32) throws {
        guard insert.block == nil else { throw EngineError.invalidOp(op.id, "it names a block; this document has only its main text") }
        let left = try characterId(insert.after, in: op)
        let right = try characterId(insert.before, in: op)
        var scan: Cursor
        let leftPosition: Int
        if left.isNone {
            leftPosition = -1
            scan = tree.startCursor
        } else {
            scan = tree.cursor(of: left)!
            leftPosition = tree.position(of: scan)
            tree.advance(&scan, by: 1)
        }
        let rightPosition = right.isNone ? tree.totalCount : tree.position(of: tree.cursor(of: right)!)
        guard leftPosition < rightPosition else {
            throw EngineError.invalidOp(op.id, "its left origin \(insert.after!) is not before its right origin \(insert.before!)")
        }
        // FugueMax (YjsMod) integration: scan the characters between the origins and stop
        // where the new run sorts; a whole run is decided by its first character.
        var i = leftPosition + 1
        var destination = scan
        var scanning = false
        while true {
            if !scanning { destination = scan }
            if i == rightPosition || scan.isEnd { break }
            let other = scan.run
            let otherLeft = scan.offset > 0 ? i - 1 : position(ofOrigin: other.origin, none: -1)
            if otherLeft < leftPosition { break }
            if otherLeft == leftPosition {
                let otherRight = position(ofOrigin: other.rightOrigin, none: tree.totalCount)
                if otherRight < rightPosition {
                    scanning = true
                } else if otherRight == rightPosition {
                    if op.id.client < clientNames[Int(other.client)] { break }
                    scanning = false
                } else {
                    scanning = false
                }
            }
            let step = min(Int(other.length - scan.offset), rightPosition - i)
            i += step
            tree.advance(&scan, by: Int32(step))
        }
        let contentStart = Int32(content.count)
        for scalar in insert.text.unicodeScalars { content.append(scalar.value) }
        let run = Run(
            client: c, seq: Int32(op.id.seq), length: Int32(insert.length), content: contentStart, origin: left,
            rightOrigin: right, deleted: false)
        tree.insert(run, at: destination)
    }

    private func integrateDelete(_ delete: TextDelete, of op: Op) throws {
        for target in delete.targets {
            guard target.length > 0 else { throw EngineError.invalidOp(op.id, "a delete target must not be empty") }
            var seq = Int32(target.lowestSeq)
            var remaining = Int32(target.length)
            let client = try characterId(OpId(target.start.client, Int(seq)), in: op).client
            while remaining > 0 {
                guard let cursor = tree.cursor(of: CharId(client: client, seq: seq)) else {
                    throw EngineError.invalidOp(op.id, "it deletes \(target.start.client):\(seq), which is not a character")
                }
                let run = cursor.run
                let taken = min(remaining, run.length - cursor.offset)
                if !run.deleted { tree.markDeleted(at: cursor, count: taken) }
                seq += taken
                remaining -= taken
            }
        }
    }

    /// The engine id of a character an op names, which must exist and be a character.
    private func characterId(_ id: OpId?, in op: Op) throws -> CharId {
        guard let id else { return .none }
        let charId = CharId(client: clientIndexes[id.client] ?? -1, seq: Int32(id.seq))
        guard tree.cursor(of: charId) != nil else {
            throw EngineError.invalidOp(op.id, "it names \(id), which is not a character")
        }
        return charId
    }

    private func position(ofOrigin origin: CharId, none: Int) -> Int {
        origin.isNone ? none : tree.position(of: tree.cursor(of: origin)!)
    }

    /// Refuses an op that reuses known ids for different content.
    private func checkSameAsHistory(_ op: Op) throws {
        guard let c = clientIndexes[op.id.client] else { return }
        let indexes = opsByClient[Int(c)]
        // The last stored op starting at or before the incoming op's first id.
        var low = 0
        var high = indexes.count
        while low < high {
            let mid = (low + high) >> 1
            if history[Int(indexes[mid])].id.seq <= op.id.seq { low = mid + 1 } else { high = mid }
        }
        var k = max(low - 1, 0)
        while k < indexes.count {
            let stored = history[Int(indexes[k])]
            if stored.id.seq >= op.endSeq { break }
            let from = max(stored.id.seq, op.id.seq)
            let to = min(stored.endSeq, op.endSeq)
            if from < to {
                let mine = stored.slice(from: from, to: to)
                let theirs = op.slice(from: from, to: to)
                let sameStart = stored.id.seq == op.id.seq && from == op.id.seq
                if mine.payload != theirs.payload || (sameStart && mine.timestamp != theirs.timestamp) {
                    throw EngineError.conflictingDuplicate(OpId(op.id.client, from))
                }
            }
            k += 1
        }
    }

    // MARK: History

    /// The ops of one client covering its ids `[from, to)`, sliced at the ends.
    public func ops(of client: ClientId, from: Int, to: Int) -> [Op] {
        guard let c = clientIndexes[client], from < to else { return [] }
        var result: [Op] = []
        for index in opsByClient[Int(c)] {
            let op = history[Int(index)]
            guard op.endSeq > from else { continue }
            guard op.id.seq < to else { break }
            result.append(op.slice(from: max(from, op.id.seq), to: min(to, op.endSeq)))
        }
        return result
    }

    /// Appends a local op, coalescing it into the client's previous op when it continues
    /// it (typing on, or deleting on), so a typed run is one op.
    private func recordLocal(_ op: Op) {
        let c = Int(clientIndexes[op.id.client]!)
        if let lastIndex = opsByClient[c].last.map(Int.init), lastIndex == history.count - 1, lastIndex >= coalescingFloor {
            var last = history[lastIndex]
            if last.endSeq == op.id.seq, Self.coalesce(&last, with: op) {
                history[lastIndex] = last
                return
            }
        }
        opsByClient[c].append(Int32(history.count))
        history.append(op)
    }

    private static func coalesce(_ last: inout Op, with op: Op) -> Bool {
        switch (last.payload, op.payload) {
        case (.textInsert(var previous), .textInsert(let next)):
            guard next.block == previous.block, next.before == previous.before,
                next.after == OpId(op.id.client, op.id.seq - 1)
            else { return false }
            previous = TextInsert(block: previous.block, after: previous.after, before: previous.before, text: previous.text + next.text)
            last.payload = .textInsert(previous)
            return true
        case (.textDelete(var previous), .textDelete(let next)):
            for target in next.targets where !join(&previous.targets[previous.targets.count - 1], target) {
                previous.targets.append(target)
            }
            last.payload = .textDelete(previous)
            return true
        default:
            return false
        }
    }

    /// Extends `target` by `next` when `next` continues it, forwards or backwards.
    static func join(_ target: inout DeleteTarget, _ next: DeleteTarget) -> Bool {
        guard target.start.client == next.start.client else { return false }
        let last = target.last.seq
        let forwardOK = (target.length == 1 || !target.backward) && (next.length == 1 || !next.backward)
        if forwardOK && next.start.seq == last + 1 {
            target.length += next.length
            target.backward = false
            return true
        }
        let backwardOK = (target.length == 1 || target.backward) && (next.length == 1 || next.backward)
        if backwardOK && next.start.seq == last - 1 {
            target.length += next.length
            target.backward = true
            return true
        }
        return false
    }

    // MARK: Clients

    func intern(_ client: ClientId) -> Int32 {
        if let c = clientIndexes[client] { return c }
        let c = Int32(clientNames.count)
        clientNames.append(client)
        clientIndexes[client] = c
        nextSeq.append(0)
        opsByClient.append([])
        return c
    }

    private func opId(_ id: CharId) -> OpId? {
        id.isNone ? nil : OpId(clientNames[Int(id.client)], Int(id.seq))
    }
}

@inline(__always)
func appendUTF8(_ value: UInt32, to bytes: inout [UInt8]) {
    switch value {
    case 0..<0x80:
        bytes.append(UInt8(value))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | (value >> 6)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | (value >> 12)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    default:
        bytes.append(UInt8(0xF0 | (value >> 18)))
        bytes.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    }
}
