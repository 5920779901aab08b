/// One operation of the document's history: an id range, a timestamp and what it does.
/// The JSON-lines form is specified in docs/ops.md.
public struct Op: Hashable, Sendable {
    /// The id of the op's first sequence number; the op covers `span` consecutive ids.
    public var id: OpId
    public var timestamp: Timestamp
    public var payload: Payload

    public enum Payload: Hashable, Sendable {
        case textInsert(TextInsert)
        case textDelete(TextDelete)
        case formatSet(FormatSet)
        case comment(CommentOp)
        case block(BlockOp)

        /// The op type's name in the JSON form.
        public var typeName: String {
            switch self {
            case .textInsert: "text_insert"
            case .textDelete: "text_delete"
            case .formatSet: "format_set"
            case .comment(let comment): comment.typeName
            case .block(let block): block.typeName
            }
        }
    }

    public init(id: OpId, timestamp: Timestamp, payload: Payload) {
        self.id = id
        self.timestamp = timestamp
        self.payload = payload
    }

    /// The op type's name in the JSON form.
    public var typeName: String { payload.typeName }

    /// How many consecutive sequence numbers the op uses.
    public var span: Int {
        switch payload {
        case .textInsert(let insert): insert.length
        case .textDelete(let delete): delete.length
        case .formatSet, .comment, .block: 1
        }
    }

    /// The id one past the op's last: where the client's next op starts.
    public var endSeq: Int { id.seq + span }

    /// The ids that must be applied before this op: the client's previous id, the
    /// insert's neighbours, the deleted characters.
    public var dependencies: [OpId] {
        var deps: [OpId] = id.seq > 0 ? [OpId(id.client, id.seq - 1)] : []
        switch payload {
        case .textInsert(let insert):
            if let after = insert.after { deps.append(after) }
            if let before = insert.before { deps.append(before) }
        case .textDelete(let delete):
            for target in delete.targets { deps.append(contentsOf: [target.first, target.last]) }
        case .formatSet(let format):
            if let start = format.start { deps.append(start.id) }
            if let end = format.end { deps.append(end.id) }
        case .comment(let comment):
            deps += comment.references
        case .block(let block):
            deps += block.references
        }
        return deps
    }

    /// The part of the op covering ids `[from, to)` (absolute sequence numbers), as the
    /// client would have sent it had it split the op there.
    public func slice(from: Int, to: Int) -> Op {
        precondition(from >= id.seq && to <= endSeq && from < to, "slice out of the op's range")
        if from == id.seq && to == endSeq { return self }
        switch payload {
        case .textInsert(let insert):
            let scalars = Array(insert.text.unicodeScalars)
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[(from - id.seq)..<(to - id.seq)])
            let after = from == id.seq ? insert.after : OpId(id.client, from - 1)
            let sliced = TextInsert(block: insert.block, after: after, before: insert.before, text: String(text))
            return Op(id: OpId(id.client, from), timestamp: timestamp, payload: .textInsert(sliced))
        case .textDelete(let delete):
            let sliced = TextDelete(targets: delete.slice(from: from - id.seq, to: to - id.seq))
            return Op(id: OpId(id.client, from), timestamp: timestamp, payload: .textDelete(sliced))
        case .formatSet, .comment, .block:
            return self  // one id: never cut
        }
    }
}

/// Inserts a run of characters between two existing characters (FugueMax origins).
public struct TextInsert: Hashable, Sendable {
    /// The block the text belongs to; `nil` is the document's main text.
    public var block: OpId?
    /// The character immediately left of the insertion when it was made (left origin).
    public var after: OpId?
    /// The character immediately right of the insertion when it was made (right origin).
    public var before: OpId?
    public var text: String
    /// The number of Unicode scalars (code points) in `text`.
    public let length: Int

    public init(block: OpId? = nil, after: OpId?, before: OpId?, text: String) {
        self.block = block
        self.after = after
        self.before = before
        self.text = text
        self.length = text.unicodeScalars.count
    }
}

/// Deletes characters named by id ranges. The op's k-th id deletes the k-th character
/// of its targets, in the order listed.
public struct TextDelete: Hashable, Sendable {
    public var targets: [DeleteTarget]

    public init(targets: [DeleteTarget]) {
        self.targets = targets
    }

    public var length: Int { targets.reduce(0) { $0 + $1.length } }

    /// Targets for characters `[from, to)` of this delete, counted in the op's own order.
    func slice(from: Int, to: Int) -> [DeleteTarget] {
        var result: [DeleteTarget] = []
        var offset = 0
        for target in targets {
            let lower = max(from, offset)
            let upper = min(to, offset + target.length)
            if lower < upper { result.append(target.slice(from: lower - offset, to: upper - offset)) }
            offset += target.length
        }
        return result
    }
}

/// A range of character ids of one client: `length` ids starting at `start`, going up,
/// or down when `backward` (how repeated Backspace deletes a typed run).
public struct DeleteTarget: Hashable, Sendable {
    public var start: OpId
    public var length: Int
    public var backward: Bool

    public init(start: OpId, length: Int, backward: Bool = false) {
        self.start = start
        self.length = length
        self.backward = backward
    }

    /// The first id deleted, in the target's own order.
    public var first: OpId { start }
    /// The last id deleted, in the target's own order.
    public var last: OpId { OpId(start.client, backward ? start.seq - length + 1 : start.seq + length - 1) }
    /// The lowest sequence number covered.
    public var lowestSeq: Int { backward ? start.seq - length + 1 : start.seq }

    func slice(from: Int, to: Int) -> DeleteTarget {
        let seq = backward ? start.seq - from : start.seq + from
        return DeleteTarget(start: OpId(start.client, seq), length: to - from, backward: backward && to - from > 1)
    }
}
