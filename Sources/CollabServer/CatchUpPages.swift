import CollabCore
import CollabLog

/// Ops as JSON in pages for `sync_response`: each page holds op objects separated by
/// commas, at most `budget` bytes of them, so that every message fits the message
/// limit (docs/protocol.md, "Catch-up in pages"). An op too large for a page alone is
/// cut into pieces that fit where it can be cut (a run of text, a delete: `Op.slice`).
struct CatchUpPages {
    let budget: Int
    private(set) var pages: [String] = []

    init(budget: Int) {
        self.budget = max(256, budget)
    }

    init(_ ops: some Sequence<Op>, budget: Int) {
        self.init(budget: budget)
        for op in ops { append(op) }
    }

    mutating func append(_ op: Op) {
        for json in Self.encoded(op, fitting: budget) { append(json: json) }
    }

    /// Adds JSON already encoded (an op, or a page of them) to the last page, or starts a
    /// page when it would not fit.
    mutating func append(json: String) {
        if let last = pages.last, last.utf8.count + 1 + json.utf8.count <= budget {
            pages[pages.count - 1] += "," + json
        } else {
            pages.append(json)
        }
    }

    /// `op` as JSON, in pieces of at most `budget` bytes when it can be cut.
    static func encoded(_ op: Op, fitting budget: Int) -> [String] {
        let json = OpJSON.line(op)
        guard json.utf8.count > budget, op.endSeq - op.id.seq > 1 else { return [json] }
        switch op.payload {
        case .textInsert, .textDelete:
            let middle = op.id.seq + (op.endSeq - op.id.seq) / 2
            return encoded(op.slice(from: op.id.seq, to: middle), fitting: budget) + encoded(op.slice(from: middle, to: op.endSeq), fitting: budget)
        case .formatSet, .comment, .block:
            return [json]
        }
    }
}
