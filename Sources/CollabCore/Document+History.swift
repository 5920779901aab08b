/// The ops a document has applied, in their public form.
extension Document {
    /// The ops applied, in the order they were applied (a causal order). Built on each
    /// read: O(number of ops).
    public var history: [Op] { history(from: 0) }

    /// How many ops `history` holds.
    public var historyCount: Int { records.count }

    /// The ops applied from the `index`-th on.
    public func history(from index: Int) -> [Op] {
        records[index...].filter(\.isOp).map(op(of:))
    }

    /// The ops a replica at `version` lacks, in a causal order: each op it has not seen
    /// at all, and the unseen end of one it has seen the start of.
    public func history(since version: VersionVector) -> [Op] {
        history.compactMap { op in
            let seen = version[op.id.client]
            guard op.endSeq > seen else { return nil }
            return op.id.seq < seen ? op.slice(from: seen, to: op.endSeq) : op
        }
    }

    /// The `index`-th entry of the history: its op, or nil for squashed history that a
    /// compaction left (no op).
    public func historyEntry(at index: Int) -> Op? {
        records[index].isOp ? op(of: records[index]) : nil
    }

    /// The op holding `id`, from `id` to its last id: the op a local edit just made, even
    /// when it was coalesced into the one before.
    public func op(from id: OpId) -> Op? {
        guard let c = clientIndex(of: id.client), let k = recordIndex(of: c, containing: Int32(id.seq)), records[k].isOp else { return nil }
        let whole = op(of: records[k])
        return whole.slice(from: id.seq, to: whole.endSeq)
    }

    /// The whole op holding `id`, or nil when no op has it.
    public func op(containing id: OpId) -> Op? {
        guard let c = clientIndex(of: id.client), id.seq >= 0, id.seq < Int(Int32.max),
            let k = recordIndex(of: c, containing: Int32(id.seq)), records[k].isOp
        else { return nil }
        return op(of: records[k])
    }

    /// The ops of one client covering its ids `[from, to)`, sliced at the ends.
    public func ops(of client: ClientId, from: Int, to: Int) -> [Op] {
        guard let c = clientIndex(of: client), from < to else { return [] }
        let indexes = recordsByClient[Int(c)]
        var k = firstRecordPosition(of: c, endingAfter: Int32(from))
        var result: [Op] = []
        while k < indexes.count {
            let record = records[Int(indexes[k])]
            guard Int(record.seq) < to else { break }
            k += 1
            guard record.isOp else { continue }
            let op = op(of: record)
            result.append(op.slice(from: max(from, op.id.seq), to: min(to, op.endSeq)))
        }
        return result
    }

    func append(_ record: OpRecord) {
        recordsByClient[Int(record.client)].append(Int32(records.count))
        records.append(record)
    }

    /// The public form of a record.
    func op(of record: OpRecord) -> Op {
        let id = OpId(clientNames[Int(record.client)], Int(record.seq))
        switch record.kind {
        case .insert:
            var utf8: [UInt8] = []
            utf8.reserveCapacity(Int(record.span))
            let start = Int(record.start)
            for scalar in content[start..<(start + Int(record.span))] { appendUTF8(scalar, to: &utf8) }
            let insert = TextInsert(
                after: opId(record.origin), before: opId(record.rightOrigin), text: String(decoding: utf8, as: UTF8.self))
            return Op(id: id, timestamp: record.timestamp, payload: .textInsert(insert))
        case .delete:
            let start = Int(record.start)
            let list = targets[start..<(start + Int(record.targetCount))].map { target in
                DeleteTarget(
                    start: OpId(clientNames[Int(target.client)], Int(target.seq)), length: Int(target.length),
                    backward: target.backward)
            }
            return Op(id: id, timestamp: record.timestamp, payload: .textDelete(TextDelete(targets: list)))
        case .format:
            return Op(id: id, timestamp: record.timestamp, payload: .formatSet(formatSet(of: marks[Int(record.start)])))
        case .comment:
            return Op(id: id, timestamp: record.timestamp, payload: .comment(commentOps[Int(record.start)]))
        case .block:
            let insert = BlockOp.insert(
                after: opId(record.origin), before: opId(record.rightOrigin), attributes: blockInserts[Int(record.targetCount)])
            return Op(id: id, timestamp: record.timestamp, payload: .block(insert))
        case .blockOp:
            return Op(id: id, timestamp: record.timestamp, payload: .block(blockOps[Int(record.start)]))
        case .blockMove:
            return Op(id: id, timestamp: record.timestamp, payload: .block(blockOps[Int(record.targetCount)]))
        case .compacted:
            preconditionFailure("squashed ids are no op")
        }
    }

    /// Where, among the client's records, the first one ending after `seq` is.
    /// The lists are borrowed once for the search: going through the class's arrays at
    /// every probe cost most of it (the formatting sweep looks up every anchor this way).
    private func firstRecordPosition(of client: Int32, endingAfter seq: Int32) -> Int {
        records.withUnsafeBufferPointer { records in
            recordsByClient[Int(client)].withUnsafeBufferPointer { indexes in
                var low = 0
                var high = indexes.count
                while low < high {
                    let mid = (low &+ high) >> 1
                    if records[Int(indexes[mid])].endSeq <= seq { low = mid &+ 1 } else { high = mid }
                }
                return low
            }
        }
    }

    /// The indexes in `records` of the client's records holding ids in `[from, to)`.
    func recordPositions(of client: Int32, from: Int32, to: Int32) -> [Int] {
        let indexes = recordsByClient[Int(client)]
        var k = firstRecordPosition(of: client, endingAfter: from)
        var result: [Int] = []
        while k < indexes.count, records[Int(indexes[k])].seq < to {
            result.append(Int(indexes[k]))
            k += 1
        }
        return result
    }

    /// The index in `records` of the client's record holding `seq`.
    func recordIndex(of client: Int32, containing seq: Int32) -> Int? {
        let indexes = recordsByClient[Int(client)]
        let k = firstRecordPosition(of: client, endingAfter: seq)
        guard k < indexes.count, records[Int(indexes[k])].seq <= seq else { return nil }
        return Int(indexes[k])
    }

    /// The first id in `[from, to)` of the client that is not an inserted character (it
    /// was never applied, or it belongs to a delete), or nil when all are characters.
    func firstNonCharacter(of client: Int32, from: Int32, to: Int32) -> Int32? {
        var seq = from
        while seq < to {
            guard let k = recordIndex(of: client, containing: seq) else { return seq }
            if records[k].kind == .compacted {
                // Squashed: only some of its ids are still characters.
                guard tree.cursor(of: CharId(client: client, seq: seq)) != nil else { return seq }
                seq += 1
                continue
            }
            guard records[k].isCharacters else { return seq }
            seq = records[k].endSeq
        }
        return nil
    }

    /// Refuses an op that reuses known ids for different content.
    func checkSameAsHistory(_ op: Op) throws {
        guard let c = clientIndex(of: op.id.client) else { return }
        let indexes = recordsByClient[Int(c)]
        var k = firstRecordPosition(of: c, endingAfter: Int32(op.id.seq))
        while k < indexes.count {
            let record = records[Int(indexes[k])]
            if Int(record.seq) >= op.endSeq { break }
            guard record.isOp else {
                k += 1
                continue  // squashed by compaction: nothing left to compare with
            }
            let stored = self.op(of: record)
            let from = max(stored.id.seq, op.id.seq)
            let to = min(stored.endSeq, op.endSeq)
            let mine = stored.slice(from: from, to: to)
            let theirs = op.slice(from: from, to: to)
            let sameStart = stored.id.seq == op.id.seq && from == op.id.seq
            if mine.payload != theirs.payload || (sameStart && mine.timestamp != theirs.timestamp) {
                throw EngineError.conflictingDuplicate(OpId(op.id.client, from))
            }
            k += 1
        }
    }
}
