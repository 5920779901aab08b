/// Undoing ops with new ops: history is never rewritten. An operator's tool for undoing
/// a bad actor or a bad import, and the engine of a client's undo.
extension Document {
    /// What a revert did: the ops it made, and the ops (or parts) it could not undo.
    public struct RevertResult: Sendable {
        public var made: [Op]
        public var skipped: [(op: OpId, reason: String)]
    }

    /// Makes and applies, as `client`, the ops that undo `targets` (ops of this document's
    /// history, or slices of them) at head:
    /// - inserted text still visible is deleted;
    /// - deleted text comes back as new characters where it was (unless an op that is
    ///   not being reverted deleted it too, or it was inserted by an op being reverted);
    /// - formatting goes back to what the other ops give each character;
    /// - a comment made by a reverted op is deleted.
    /// Other ops' later work survives: only what the targets did is undone.
    public func revert(_ targets: [Op], by client: ClientId, now: Int64) throws -> RevertResult {
        let start = historyCount
        coalescingFloor = start  // revert ops never merge into ops already written
        var skipped: [(OpId, String)] = []
        func ids(of op: Op) -> [CharId] {
            guard let c = clientIndex(of: op.id.client) else { return [] }
            return (op.id.seq..<op.endSeq).map { CharId(client: c, seq: Int32($0)) }
        }
        // Deleted characters come back when every delete of them is being reverted and no
        // reverted op inserted them (those are to be gone anyway).
        var revertedInserts = Set<CharId>()
        var revertedDeletes = [CharId: Int]()
        for op in targets {
            switch op.payload {
            case .textInsert, .block(.insert): revertedInserts.formUnion(ids(of: op))
            case .textDelete(let delete):
                for target in delete.targets {
                    guard let c = clientIndex(of: target.start.client) else { continue }
                    for j in 0..<target.length {
                        let seq = target.backward ? target.start.seq - j : target.start.seq + j
                        revertedDeletes[CharId(client: c, seq: Int32(seq)), default: 0] += 1
                    }
                }
            default: break
            }
        }
        let deleteCounts = countDeletes()
        let restore = revertedDeletes.compactMap { id, times in
            !revertedInserts.contains(id) && deleteCounts[id, default: 0] <= times ? id : nil
        }

        // Latest first: each inverse is made against the document as the later ones left it.
        var formatRecords = Set<Int>()
        for op in targets.sorted(by: { historyPosition(of: $0) > historyPosition(of: $1) }) {
            switch op.payload {
            case .block(let block):
                if case .move = block {
                    skipped.append((op.id, "block_move is not reverted (move the block back)"))
                    continue
                }
                guard case .insert = block else {
                    skipped.append((op.id, "\(block.typeName) is not reverted (set the attribute back, or restore the text)"))
                    continue
                }
                // A block's marker goes like inserted text: the block joins the one before.
                fallthrough
            case .textInsert:
                var positions: [Int] = []
                for id in ids(of: op) {
                    if let cursor = tree.cursor(of: id), !cursor.run.deleted { positions.append(tree.visiblePosition(of: cursor)) }
                }
                for (position, count) in Self.groups(of: positions).reversed() {
                    deleteSequence(at: position, count: count, by: client, timestamp: tick(now: now))
                }
            case .textDelete:
                break  // all restored at once below, in document order
            case .formatSet:
                if let c = clientIndex(of: op.id.client), let k = recordIndex(of: c, containing: Int32(op.id.seq)) {
                    formatRecords.insert(k)
                }
            case .comment(let comment):
                if case .add = comment, let index = commentIndex[op.id], !comments[index].deleted {
                    try makeCommentOp(.delete(comment: op.id), by: client, timestamp: tick(now: now))
                } else if case .add = comment {
                    continue
                } else {
                    skipped.append((op.id, "\(comment.typeName) is not reverted (make the comment op that undoes it)"))
                }
            }
        }
        try reinsert(restore, by: client, now: now)
        try restoreFormatting(without: formatRecords, by: client, now: now)
        return RevertResult(made: history(from: start), skipped: skipped)
    }

    /// Undoes `client`'s last `count` ops, as `client`, leaving everyone else's work.
    public func undo(client: ClientId, count: Int, now: Int64) throws -> RevertResult {
        guard let c = clientIndex(of: client) else { return RevertResult(made: [], skipped: []) }
        let own = recordsByClient[Int(c)].suffix(count).map { op(of: records[Int($0)]) }
        return try revert(Array(own), by: client, now: now)
    }

    /// How many delete ops target each character.
    private func countDeletes() -> [CharId: Int] {
        var counts: [CharId: Int] = [:]
        for record in records where record.kind == .delete {
            for k in 0..<Int(record.targetCount) {
                let target = targets[Int(record.start) + k]
                for j in 0..<target.length {
                    counts[CharId(client: target.client, seq: target.backward ? target.seq - j : target.seq + j), default: 0] += 1
                }
            }
        }
        return counts
    }

    /// Where an op stands in the history (its record's index), for ordering.
    private func historyPosition(of op: Op) -> Int {
        guard let c = clientIndex(of: op.id.client), let k = recordIndex(of: c, containing: Int32(op.id.seq)) else { return -1 }
        return k
    }

    /// Sorted positions as `(first, count)` runs of consecutive ones.
    static func groups(of positions: [Int]) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        for position in positions.sorted() {
            if let last = result.last, last.0 + last.1 == position { result[result.count - 1].1 += 1 } else { result.append((position, 1)) }
        }
        return result
    }

    /// Inserts new characters with the text of the deleted characters `ids`, where they
    /// stood: each stretch of them that is contiguous in the sequence becomes one insert.
    func reinsert(_ ids: [CharId], by client: ClientId, now: Int64) throws {
        // A block's marker comes back as a new block with the attributes it had.
        var placed: [(whole: Int, scalar: UInt32, block: [String: AttributeValue]?)] = []
        for id in ids {
            guard let cursor = tree.cursor(of: id) else { continue }
            let block = blocks[id].map { Self.shown($0.attributes) }
            placed.append((tree.position(of: cursor), content[Int(cursor.run.content + cursor.offset)], block))
        }
        placed.sort { $0.whole < $1.whole }
        var stretches: [(first: Int, pieces: [(scalars: [UInt32], block: [String: AttributeValue]?)])] = []
        for entry in placed {
            if let last = stretches.last, last.first + last.pieces.reduce(0, { $0 + $1.scalars.count }) == entry.whole {
                if entry.block == nil && last.pieces.last?.block == nil {
                    stretches[stretches.count - 1].pieces[last.pieces.count - 1].scalars.append(entry.scalar)
                } else {
                    stretches[stretches.count - 1].pieces.append(([entry.scalar], entry.block))
                }
            } else {
                stretches.append((entry.whole, [([entry.scalar], entry.block)]))
            }
        }
        // From the end backwards, so the places of the ones before stay right; within a
        // stretch, piece by piece from its start. Each piece goes exactly where its
        // characters stood, just before them (whatever tombstones lie around).
        let c = intern(client)
        for stretch in stretches.reversed() {
            var whole = stretch.first
            for piece in stretch.pieces {
                let cursor = tree.cursor(atWhole: whole)
                let (left, right) = (tree.charBefore(cursor), tree.charAt(cursor))
                if let attributes = piece.block {
                    try makeBlockOp(BlockOp.insert(after: opId(left), before: opId(right), attributes: attributes), by: client, timestamp: tick(now: now))
                } else {
                    var text = String.UnicodeScalarView()
                    for scalar in piece.scalars { text.append(Unicode.Scalar(scalar)!) }
                    _ = try insertRun(String(text), at: cursor, after: left, before: right, client: c, timestamp: tick(now: now))
                }
                whole += piece.scalars.count
            }
        }
    }

    /// Sets, over every stretch of characters whose formatting the `format_set` records
    /// `excluded` decide, the values the other records give them.
    private func restoreFormatting(without excluded: Set<Int>, by client: ClientId, now: Int64) throws {
        guard !excluded.isEmpty else { return }
        let keys = Set(excluded.map { marks[Int(records[$0].start)].key })
        func values(_ runs: [FormattedRun]) -> [[String: AttributeValue]] {
            runs.flatMap { run in Array(repeating: run.attributes.filter { keys.contains($0.key) }, count: run.text.unicodeScalars.count) }
        }
        let current = values(formattedRuns)
        let wanted = values(formattedRuns(excluding: excluded))
        for key in keys.sorted() {
            var k = 0
            while k < current.count {
                guard current[k][key] != wanted[k][key] else {
                    k += 1
                    continue
                }
                var end = k + 1
                while end < current.count && current[end][key] != wanted[end][key] && wanted[end][key] == wanted[k][key] { end += 1 }
                try formatSequence(at: k, count: end - k, key: key, value: wanted[k][key] ?? .null, by: client, timestamp: tick(now: now))
                k = end
            }
        }
    }
}
