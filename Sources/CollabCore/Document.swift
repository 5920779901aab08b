/// A replica of one document: the sequence CRDT, the version it has seen, the ops it
/// applied (its history) and the ops waiting for their dependencies.
///
/// Local edits at code-point positions produce ops; remote ops integrate idempotently
/// and commutatively with FugueMax ordering, so every replica that has seen the same
/// ops holds the same text, whatever order they arrived in.
public final class Document {
    @exclusivity(unchecked) var tree = SequenceTree()
    /// Every inserted scalar, in the order the runs were created; runs and insert
    /// records point into it.
    @exclusivity(unchecked) var content: [UInt32] = []
    @exclusivity(unchecked) var clientNames: [ClientId] = []
    @exclusivity(unchecked) var clientIndexes: [ClientId: Int32] = [:]
    /// The client interned last: local typing names the same client edit after edit.
    @exclusivity(unchecked) var lastClient: (name: ClientId, index: Int32)?
    /// Per interned client: how many of its ids have been applied.
    @exclusivity(unchecked) var nextSeq: [Int32] = []
    /// The ops applied, in the order they were applied (a causal order).
    @exclusivity(unchecked) var records: [OpRecord] = []
    /// The targets of the delete records, in record order.
    @exclusivity(unchecked) var targets: [TargetRecord] = []
    /// The spans and values of the `format_set` records, in record order.
    @exclusivity(unchecked) var marks: [MarkRecord] = []
    /// The comment ops, in record order, and the comments they made.
    @exclusivity(unchecked) var commentOps: [CommentOp] = []
    @exclusivity(unchecked) var comments: [CommentRecord] = []
    @exclusivity(unchecked) var commentIndex: [OpId: Int] = [:]
    /// Blocks by their marker character: attribute registers.
    @exclusivity(unchecked) var blocks = BlockTable()
    /// The attributes of the document's first block (the text before any marker).
    @exclusivity(unchecked) var firstBlock: [String: (value: AttributeValue, stamp: OpStamp)] = [:]
    /// The attributes of each `block_insert`, and the `block_set`/`block_delete` ops, in
    /// record order.
    @exclusivity(unchecked) var blockInserts: [[String: AttributeValue]] = []
    @exclusivity(unchecked) var blockOps: [BlockOp] = []
    /// Where moved blocks are shown: per block marker, the slot character of the move
    /// that won (docs/rich-text.md). Empty until a block is moved.
    @exclusivity(unchecked) var blockSlots: [CharId: (slot: CharId, stamp: OpStamp)] = [:]
    /// The ranges deleted blocks cover, `[marker, until)`: text arriving there is hidden.
    @exclusivity(unchecked) var deletedBlockRanges: [(marker: CharId, until: CharId?)] = []
    /// Whether compaction squashed part of the history (docs/versions.md): then ops that
    /// need what it removed are refused.
    @exclusivity(unchecked) var hasCompactedHistory = false
    /// Per interned client: the ids below which history was squashed (0: none).
    @exclusivity(unchecked) var baseSeq: [Int32] = []
    /// Per interned client: the positions in `records` of its ops, in id order.
    @exclusivity(unchecked) var recordsByClient: [[Int32]] = []
    /// Where the last local insert put its characters, so that typing on (the next
    /// insert right after it, with nothing else changed) grows that run directly.
    @exclusivity(unchecked) var typing: TypingPoint?
    /// Ops whose dependencies have not all arrived.
    @exclusivity(unchecked) public internal(set) var pending: [Op] = []

    /// Local ops coalesce only into history entries at or after this index, so ops that
    /// were already written somewhere are never changed.
    @exclusivity(unchecked) public var coalescingFloor = 0
    /// The replica's clock: it has observed every op's timestamp.
    @exclusivity(unchecked) public var clock = HybridLogicalClock()

    public init() {}

    /// Loads ops that were written in a causal order; an op whose dependencies never
    /// arrive is an error naming the missing id.
    public convenience init(ops: some Sequence<Op>) throws {
        self.init()
        for op in ops { try apply(op) }
        if let (op, missing) = firstMissingDependency() { throw EngineError.missingDependency(op: op, missing: missing) }
        coalescingFloor = records.count
        releaseSpareCapacity()
    }

    /// The state after exactly the ops of `version`, which must be causally closed.
    public static func at(_ version: VersionVector, of ops: some Sequence<Op>) throws -> Document {
        let document = Document()
        try document.apply(ops, upTo: version)
        document.releaseSpareCapacity()
        return document
    }

    /// Applies the parts of `ops` inside `version`, after which this replica must be
    /// exactly at `version` (causally closed, nothing missing).
    public func apply(_ ops: some Sequence<Op>, upTo version: VersionVector) throws {
        for op in ops {
            let limit = version[op.id.client]
            guard op.id.seq < limit else { continue }
            try apply(op.endSeq > limit ? op.slice(from: op.id.seq, to: limit) : op)
        }
        if let (op, missing) = firstMissingDependency() {
            throw EngineError.versionNotCausallyClosed(missing: missing, neededBy: op)
        }
        for (client, count) in version.counts where self.version[client] < count {
            throw EngineError.versionNotCausallyClosed(missing: OpId(client, self.version[client]), neededBy: OpId(client, count - 1))
        }
        coalescingFloor = records.count
    }

    /// Gives back the room arrays grew into while loading: a loaded document is mostly
    /// read, and its buffers are its biggest part (docs/benchmarks.md, memory).
    func releaseSpareCapacity() {
        content = content.compacted()
        records = records.compacted()
        targets = targets.compacted()
        recordsByClient = recordsByClient.map { $0.compacted() }
        tree.releaseSpareCapacity()
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

    /// The version a compaction squashed the history before (nil: never compacted). A
    /// replica that lacks part of it cannot be caught up with ops: it must resync from a
    /// snapshot.
    public var compactionCutoff: VersionVector? {
        guard hasCompactedHistory else { return nil }
        var counts: [ClientId: Int] = [:]
        for (i, name) in clientNames.enumerated() where baseSeq[i] > 0 { counts[name] = Int(baseSeq[i]) }
        return VersionVector(counts)
    }

    /// How many ids of `client` this replica has seen.
    public func seen(_ client: ClientId) -> Int {
        clientIndex(of: client).map { Int(nextSeq[Int($0)]) } ?? 0
    }

    /// The plain text at head: the blocks in display order, each after a `\n` but the first.
    public var text: String {
        hasMovedBlocks ? inDisplayOrder(Array(sequenceText.unicodeScalars)) : sequenceText
    }

    /// The visible characters in sequence order (the plain text while no block was moved).
    var sequenceText: String {
        // Written straight into the string's storage: at most 4 bytes per code point.
        String(unsafeUninitializedCapacity: length * 4) { utf8 in
            var n = 0
            content.withUnsafeBufferPointer { scalars in
                tree.forEachRun { run in
                    guard !run.deleted else { return }
                    n += writeUTF8(UnsafeBufferPointer(rebasing: scalars[Int(run.content)..<Int(run.content + run.length)]), to: utf8.baseAddress! + n)
                }
            }
            return n
        }
    }

    /// The id of each visible character, in order (for tests and tools that need ids).
    public var characterIds: [OpId] {
        var ids: [OpId] = []
        tree.forEachRun { run in
            guard !run.deleted else { return }
            for k in 0..<run.length { ids.append(OpId(clientNames[Int(run.client)], Int(run.seq + k))) }
        }
        guard hasMovedBlocks else { return ids }
        return displaySegments().flatMap { ids[$0.start..<($0.start + $0.count)] }
    }

    /// The number of runs the sequence is kept in (a measure of fragmentation).
    public var runCount: Int {
        var count = 0
        tree.forEachRun { _ in count += 1 }
        return count
    }

    // MARK: Clients

    /// The interned index of a known client. Documents have few clients, and comparing
    /// short strings is cheaper than hashing them, so small documents scan.
    func clientIndex(of client: ClientId) -> Int32? {
        guard clientNames.count <= 8 else { return clientIndexes[client] }
        for (i, name) in clientNames.enumerated() where name == client { return Int32(i) }
        return nil
    }

    func intern(_ client: ClientId) -> Int32 {
        if let last = lastClient, last.name == client { return last.index }
        let c: Int32
        if let known = clientIndex(of: client) {
            c = known
        } else {
            c = Int32(clientNames.count)
            clientNames.append(client)
            clientIndexes[client] = c
            nextSeq.append(0)
            baseSeq.append(0)
            recordsByClient.append([])
        }
        lastClient = (client, c)
        return c
    }

    func opId(_ id: CharId) -> OpId? {
        id.isNone ? nil : OpId(clientNames[Int(id.client)], Int(id.seq))
    }
}

/// Writes code points' UTF-8 at `out` and says how many bytes it took (at most 4 a
/// code point).
@inline(__always)
func writeUTF8(_ scalars: UnsafeBufferPointer<UInt32>, to out: UnsafeMutablePointer<UInt8>) -> Int {
    var n = 0
    for value in scalars {
        if value < 0x80 {
            out[n] = UInt8(truncatingIfNeeded: value)
            n += 1
        } else {
            n += writeUTF8(value, to: out + n)
        }
    }
    return n
}

/// Writes a code point's UTF-8 at `out` and says how many bytes it took.
func writeUTF8(_ value: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
    switch value {
    case 0..<0x80:
        out[0] = UInt8(value)
        return 1
    case 0x80..<0x800:
        out[0] = UInt8(0xC0 | (value >> 6))
        out[1] = UInt8(0x80 | (value & 0x3F))
        return 2
    case 0x800..<0x10000:
        out[0] = UInt8(0xE0 | (value >> 12))
        out[1] = UInt8(0x80 | ((value >> 6) & 0x3F))
        out[2] = UInt8(0x80 | (value & 0x3F))
        return 3
    default:
        out[0] = UInt8(0xF0 | (value >> 18))
        out[1] = UInt8(0x80 | ((value >> 12) & 0x3F))
        out[2] = UInt8(0x80 | ((value >> 6) & 0x3F))
        out[3] = UInt8(0x80 | (value & 0x3F))
        return 4
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

extension Array {
    /// A copy without spare capacity (`Array(self)` would share this buffer).
    func compacted() -> [Element] {
        capacity > count ? withUnsafeBufferPointer { Array($0) } : self
    }
}

extension Document {
    /// The code-point index in the current text of the character `id`, or nil when it is
    /// deleted or unknown (for exporting position-based formats).
    public func visibleIndex(of id: OpId) -> Int? {
        guard let c = clientIndex(of: id.client), id.seq >= 0, id.seq < Int(Int32.max),
            let cursor = tree.cursor(of: CharId(client: c, seq: Int32(id.seq))), !cursor.run.deleted
        else { return nil }
        let position = tree.visiblePosition(of: cursor)
        return hasMovedBlocks ? displayPosition(ofSequence: position, in: displaySegments()) : position
    }

    /// The character `id` inserted, deleted or not; nil when `id` is no character.
    public func scalar(of id: OpId) -> Unicode.Scalar? {
        guard let c = clientIndex(of: id.client), id.seq >= 0, id.seq < Int(Int32.max),
            let cursor = tree.cursor(of: CharId(client: c, seq: Int32(id.seq)))
        else { return nil }
        return Unicode.Scalar(content[Int(cursor.run.content + cursor.offset)])
    }
}

extension Document {
    /// `count` code points of the text from `position`, or nil when out of range.
    public func text(at position: Int, count: Int) -> String? {
        guard position >= 0, count >= 0, position + count <= length else { return nil }
        if hasMovedBlocks {
            return sequenceRanges(from: position, count: count, in: displaySegments())
                .map { sequenceText(at: $0.lowerBound, count: $0.count) }.joined()
        }
        return sequenceText(at: position, count: count)
    }

    /// `count` code points of the visible characters in sequence order from `position`.
    func sequenceText(at position: Int, count: Int) -> String {
        var scalars = String.UnicodeScalarView()
        var remaining = count
        var cursor = tree.cursor(atVisible: position)
        while remaining > 0 {
            let run = cursor.run
            if !run.deleted {
                let take = min(remaining, Int(run.length - cursor.offset))
                let start = Int(run.content + cursor.offset)
                for value in content[start..<(start + take)] { scalars.append(Unicode.Scalar(value)!) }
                remaining -= take
            }
            cursor = tree.normalized(Cursor(leaf: cursor.leaf, index: cursor.index + 1, offset: 0))
        }
        return String(scalars)
    }
}
