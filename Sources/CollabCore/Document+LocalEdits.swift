/// Edits made on this replica, at code-point positions of its text.
extension Document {
    /// A timestamp for a local edit made at wall-clock `now` (milliseconds): later than
    /// every op this replica has seen, except one stamped beyond `ClockSkew.limit`.
    public func tick(now: Int64) -> Timestamp {
        clock.tick(now: now)
    }

    /// Makes a one-id op of `client` with `payload` and applies it. A local op never
    /// waits: the ids it names must be here already.
    func makeLocalOp(_ payload: Op.Payload, naming references: [OpId], by client: ClientId, timestamp: Timestamp) throws -> OpId {
        let c = intern(client)
        let made = Op(id: OpId(client, Int(nextSeq[Int(c)])), timestamp: timestamp, payload: payload)
        if let missing = references.first(where: { !isSeen($0) }) {
            throw EngineError.invalidOp(made.id, "\(missing) is not in this document")
        }
        try apply(made)
        return made.id
    }

    /// Inserts `text` at a code-point position, as `client`, and returns the id of its
    /// first character. The op is in `history`; `op(from:)` returns it on its own.
    @discardableResult
    public func insert(_ text: String, at position: Int, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        guard position >= 0 && position <= length else {
            throw EngineError.positionOutOfRange(position: position, length: length)
        }
        let position = hasMovedBlocks ? sequencePosition(insertingAt: position, in: displaySegments()) : position
        return try insertSequence(text, at: position, by: client, timestamp: timestamp)
    }

    /// `insert` at a visible position of the sequence.
    @discardableResult
    func insertSequence(_ text: String, at position: Int, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        let c = intern(client)
        let seq = nextSeq[Int(c)]
        if deletedBlockRanges.isEmpty, let point = typing, point.continues(position: position, client: c, treeChanges: tree.changes),
            let last = records.last, canGrowLastRecord(last, client: c, seq: seq)
        {
            return typeOn(text, at: point, client: c, timestamp: timestamp)
        }
        let cursor = insertionCursor(atVisible: position)
        let (place, count) = try insertRun(text, at: cursor, after: tree.charBefore(cursor), before: tree.charAt(cursor), client: c, timestamp: timestamp)
        typing = TypingPoint(client: c, position: position + Int(count), place: place, treeChanges: tree.changes)
        return OpId(client, Int(seq))
    }

    /// Puts a new run of `client`'s next ids at `cursor`, between origins `left` and
    /// `right` that nothing lies between (so no concurrent insert needs ordering), and
    /// records it, growing the last record when typing on. Returns where the run went
    /// and its length.
    func insertRun(
        _ text: String, at cursor: Cursor, after left: CharId, before right: CharId, client c: Int32, timestamp: Timestamp
    ) throws -> (RunPlace, Int32) {
        let seq = nextSeq[Int(c)]
        let contentStart = Int32(content.count)
        var utf8 = text.utf8.makeIterator()
        if text.utf8.count == 1, let byte = utf8.next(), byte < 0x80 {
            content.append(UInt32(byte))  // a keystroke: most edits
        } else {
            for scalar in text.unicodeScalars { content.append(scalar.value) }
        }
        let count = Int32(content.count) - contentStart
        guard count > 0 else { throw EngineError.invalidOp(OpId(clientNames[Int(c)], Int(seq)), "an insert needs text") }
        let run = Run(
            client: c, seq: seq, length: count, content: contentStart, origin: left, rightOrigin: right,
            deleted: false)
        let place = tree.insert(run, at: cursor)
        hideIfInDeletedBlock(CharId(client: c, seq: seq), count: count)
        nextSeq[Int(c)] += count
        clock.observe(timestamp)
        let record = OpRecord(
            kind: .insert, client: c, seq: seq, span: count, timestamp: timestamp, origin: left, rightOrigin: right,
            start: contentStart, targetCount: 0)
        if !coalesceInsert(record) { append(record) }
        return (place, count)
    }

    /// Whether the last record is this client's insert that typing on may grow: not yet
    /// written anywhere, ending at `seq`, its text at the end of the content buffer.
    private func canGrowLastRecord(_ last: OpRecord, client: Int32, seq: Int32) -> Bool {
        records.count > coalescingFloor && last.kind == .insert && last.client == client && last.endSeq == seq
            && Int(last.start + last.span) == content.count
    }

    /// The fast path of `insert` for typing on: the new characters go right after the
    /// last ones, between the same neighbours, so they grow the same run and record.
    private func typeOn(_ text: String, at point: TypingPoint, client c: Int32, timestamp: Timestamp) -> OpId {
        let seq = nextSeq[Int(c)]
        let before = content.count
        var utf8 = text.utf8.makeIterator()
        if text.utf8.count == 1, let byte = utf8.next(), byte < 0x80 {
            content.append(UInt32(byte))
        } else {
            for scalar in text.unicodeScalars { content.append(scalar.value) }
        }
        let count = Int32(content.count - before)
        tree.grow(point.place, by: count)
        nextSeq[Int(c)] += count
        clock.observe(timestamp)
        records[records.count - 1].span += count
        typing = TypingPoint(
            client: c, position: point.position + Int(count), place: point.place, treeChanges: tree.changes)
        return OpId(clientNames[Int(c)], Int(seq))
    }

    /// Deletes `count` code points from `position`, as `client`, and returns the id of
    /// the op's first deletion. The op is in `history`; `op(from:)` returns it on its own.
    @discardableResult
    public func delete(at position: Int, count: Int, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        guard position >= 0, count > 0, position + count <= length else {
            throw EngineError.rangeOutOfRange(position: position, count: count, length: length)
        }
        guard hasMovedBlocks else { return deleteSequence(at: position, count: count, by: client, timestamp: timestamp) }
        return try deleteInDisplayOrder(at: position, count: count, by: client, timestamp: timestamp)
    }

    /// `delete` at visible positions of the sequence.
    @discardableResult
    func deleteSequence(at position: Int, count: Int, by client: ClientId, timestamp: Timestamp) -> OpId {
        let c = intern(client)
        let seq = nextSeq[Int(c)]
        let coalescing = continuesLastRecord(of: c, kind: .delete, at: seq)
        let firstTarget = targets.count
        var remaining = Int32(count)
        while remaining > 0 {
            let cursor = tree.cursor(atVisible: position)
            let run = cursor.run
            let taken = min(remaining, run.length - cursor.offset)
            tree.markDeleted(at: cursor, count: taken)
            let target = TargetRecord(client: run.client, seq: run.seq + cursor.offset, length: taken, backward: false)
            // Join onto the previous target: of this op, or of the op this one coalesces into.
            let joined = (targets.count > firstTarget || coalescing) && targets[targets.count - 1].join(target)
            if !joined { targets.append(target) }
            remaining -= taken
        }
        nextSeq[Int(c)] += Int32(count)
        clock.observe(timestamp)
        if coalescing {
            records[records.count - 1].span += Int32(count)
            records[records.count - 1].targetCount += Int32(targets.count - firstTarget)
        } else {
            append(
                OpRecord(
                    kind: .delete, client: c, seq: seq, span: Int32(count), timestamp: timestamp, origin: .none,
                    rightOrigin: .none, start: Int32(firstTarget), targetCount: Int32(targets.count - firstTarget)))
        }
        return OpId(client, Int(seq))
    }

    /// Whether a new local op of `client` may grow the last record: it is the client's
    /// own, of the same kind, not yet written anywhere, and ends at `seq`, where the new
    /// op starts.
    private func continuesLastRecord(of client: Int32, kind: OpRecord.Kind, at seq: Int32) -> Bool {
        guard records.count > coalescingFloor, let last = records.last else { return false }
        return last.client == client && last.kind == kind && last.endSeq == seq
    }

    /// Folds the last record into the one before when it continues it as local editing
    /// would have grown it (`coalesceInsert`, `coalesceDelete`). For ops made one patch
    /// at a time (`HistoryWalker`), so a log keeps one op per stretch of typing.
    func coalesceLastRecords() {
        guard let last = records.last, last.kind == .insert || last.kind == .delete else { return }
        records.removeLast()
        recordsByClient[Int(last.client)].removeLast()
        if !(last.kind == .insert ? coalesceInsert(last) : coalesceDelete(last)) { append(last) }
    }

    /// Grows the last record by a delete record (its targets already at the end of the
    /// target buffer) that continues it, joining the targets where they meet.
    private func coalesceDelete(_ record: OpRecord) -> Bool {
        guard continuesLastRecord(of: record.client, kind: .delete, at: record.seq) else { return false }
        let last = records[records.count - 1]
        guard last.start + last.targetCount == record.start, Int(record.start + record.targetCount) == targets.count else { return false }
        records[records.count - 1].span += record.span
        records[records.count - 1].targetCount += record.targetCount
        let boundary = Int(record.start)
        if boundary > 0, targets[boundary - 1].join(targets[boundary]) {
            targets.remove(at: boundary)
            records[records.count - 1].targetCount -= 1
        }
        return true
    }

    /// Grows the last record by a local insert that continues it: typing on at its end,
    /// towards the same right origin.
    private func coalesceInsert(_ record: OpRecord) -> Bool {
        guard continuesLastRecord(of: record.client, kind: .insert, at: record.seq) else { return false }
        let last = records[records.count - 1]
        guard record.origin == CharId(client: record.client, seq: record.seq - 1),
            record.rightOrigin == last.rightOrigin, last.start + last.span == record.start
        else { return false }
        records[records.count - 1].span += record.span
        return true
    }
}

/// Where a local insert left off: the next insert there, by the same client, with the
/// tree unchanged since, continues it.
struct TypingPoint {
    var client: Int32
    /// The visible position just after the inserted characters.
    var position: Int
    var place: RunPlace
    var treeChanges: Int

    func continues(position: Int, client: Int32, treeChanges: Int) -> Bool {
        self.position == position && self.client == client && self.treeChanges == treeChanges
    }
}
