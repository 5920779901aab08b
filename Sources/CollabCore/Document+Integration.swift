/// Ops from anywhere — another replica, a file, this replica's own history — integrated
/// idempotently and commutatively, with FugueMax ordering for concurrent inserts.
extension Document {
    /// What happened to an op handed to `apply`.
    public enum Outcome: Equatable, Sendable {
        /// Integrated now (and perhaps let waiting ops through).
        case applied
        /// Already known, with the same content: nothing changed.
        case duplicate
        /// Waits for a dependency that has not arrived.
        case pending
    }

    /// Integrates an op: idempotent, commutative with concurrent ops; an op whose
    /// dependencies are missing waits until they arrive.
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
        for op in pending {
            if let missing = op.dependencies.first(where: { !isSeen($0) }) { return (op.id, missing) }
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
        let record: OpRecord
        switch op.payload {
        case .textInsert(let insert):
            guard let left = seenCharacter(insert.after), let right = seenCharacter(insert.before) else { return .pending }
            record = try integrateInsert(insert, of: op, client: c, between: left, and: right)
            hideIfInDeletedBlock(CharId(client: c, seq: Int32(op.id.seq)), count: Int32(insert.length))
        case .textDelete(let delete):
            for target in delete.targets where !isSeen(target.first) || !isSeen(target.last) { return .pending }
            record = try integrateDelete(delete, of: op, client: c)
        case .formatSet(let format):
            for anchor in [format.start, format.end] where anchor.map({ !isSeen($0.id) }) ?? false { return .pending }
            record = try integrateFormat(format, of: op, client: c)
        case .comment(let comment):
            for id in comment.references where !isSeen(id) { return .pending }
            record = try integrateComment(comment, of: op, client: c)
        case .block(.insert(let after, let before, let attributes)):
            guard let left = seenCharacter(after), let right = seenCharacter(before) else { return .pending }
            try checkBlockAttributes(attributes, of: op)
            let marker = TextInsert(after: after, before: before, text: "\n")
            record = registerBlock(try integrateInsert(marker, of: op, client: c, between: left, and: right), attributes: attributes, of: op)
        case .block(.move(let block, let after, let before)):
            guard isSeen(block), let left = seenCharacter(after), let right = seenCharacter(before) else { return .pending }
            let moved = try movableBlock(block, of: op)
            let slot = TextInsert(after: after, before: before, text: "\n")
            record = registerMove(of: moved, slot: try integrateInsert(slot, of: op, client: c, between: left, and: right), op: op)
        case .block(let block):
            for id in block.references where !isSeen(id) { return .pending }
            record = try integrateBlock(block, of: op, client: c)
        }
        nextSeq[Int(c)] = Int32(op.endSeq)
        clock.observe(op.timestamp)
        append(record)
        return .applied
    }

    /// Whether this replica has applied the op holding `id`.
    public func isSeen(_ id: OpId) -> Bool {
        guard let c = clientIndex(of: id.client) else { return false }
        return id.seq < Int(nextSeq[Int(c)])
    }

    /// The engine id of an origin: `.none` for nil, nil when it has not been seen yet.
    private func seenCharacter(_ id: OpId?) -> CharId? {
        guard let id else { return CharId.none }
        guard let c = clientIndex(of: id.client), id.seq < Int(nextSeq[Int(c)]) else { return nil }
        return CharId(client: c, seq: Int32(id.seq))
    }

    private func integrateInsert(
        _ insert: TextInsert, of op: Op, client c: Int32, between left: CharId, and right: CharId
    ) throws -> OpRecord {
        guard insert.block == nil else { throw EngineError.invalidOp(op.id, "it names a block; this document has only its main text") }
        var scan: Cursor
        let leftPosition: Int
        if left.isNone {
            leftPosition = -1
            scan = tree.startCursor
        } else {
            // An id that was seen but is no character (it belongs to a delete) is found in
            // no leaf: the lookup costs a walk to the end, only for such a malformed op.
            guard let cursor = tree.cursor(of: left) else { throw notACharacter(insert.after!, in: op) }
            scan = cursor
            leftPosition = tree.position(of: scan)
            tree.advance(&scan, by: 1)
        }
        let rightPosition: Int
        if right.isNone {
            rightPosition = tree.totalCount
        } else {
            guard let cursor = tree.cursor(of: right) else { throw notACharacter(insert.before!, in: op) }
            rightPosition = tree.position(of: cursor)
        }
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
            // A squashed character between the origins: the op's author never saw it, so
            // was behind the compaction's cutoff, and its origins cannot be compared.
            if hasCompactedHistory && other.seq + scan.offset < baseSeq[Int(other.client)] {
                throw EngineError.compacted(op.id, needs: OpId(clientNames[Int(other.client)], Int(other.seq + scan.offset)))
            }
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
        return OpRecord(
            kind: .insert, client: c, seq: Int32(op.id.seq), span: Int32(insert.length), timestamp: op.timestamp,
            origin: left, rightOrigin: right, start: contentStart, targetCount: 0)
    }

    private func integrateDelete(_ delete: TextDelete, of op: Op, client c: Int32) throws -> OpRecord {
        // Check every target before changing anything, so a refused op leaves no trace.
        for target in delete.targets {
            guard target.length > 0 else { throw EngineError.invalidOp(op.id, "a delete target must not be empty") }
            let client = clientIndex(of: target.start.client)!
            let lowest = Int32(target.lowestSeq)
            if let seq = firstNonCharacter(of: client, from: lowest, to: lowest + Int32(target.length)) {
                throw notACharacter(OpId(target.start.client, Int(seq)), in: op)
            }
        }
        let firstTarget = targets.count
        for target in delete.targets {
            let client = clientIndex(of: target.start.client)!
            var seq = Int32(target.lowestSeq)
            var remaining = Int32(target.length)
            while remaining > 0 {
                let cursor = tree.cursor(of: CharId(client: client, seq: seq))!
                let run = cursor.run
                let taken = min(remaining, run.length - cursor.offset)
                if !run.deleted { tree.markDeleted(at: cursor, count: taken) }
                seq += taken
                remaining -= taken
            }
            targets.append(
                TargetRecord(
                    client: client, seq: Int32(target.start.seq), length: Int32(target.length), backward: target.backward))
        }
        return OpRecord(
            kind: .delete, client: c, seq: Int32(op.id.seq), span: Int32(op.span), timestamp: op.timestamp,
            origin: .none, rightOrigin: .none, start: Int32(firstTarget), targetCount: Int32(delete.targets.count))
    }

    private func notACharacter(_ id: OpId, in op: Op) -> EngineError {
        isCompacted(id) ? .compacted(op.id, needs: id) : .invalidOp(op.id, "it names \(id), which is not a character")
    }

    /// Whether `id` lies below the cutoff of a compaction (it may or may not still be a
    /// character).
    func isCompacted(_ id: OpId) -> Bool {
        guard hasCompactedHistory, let c = clientIndex(of: id.client), id.seq >= 0 else { return false }
        return id.seq < Int(baseSeq[Int(c)])
    }

    private func position(ofOrigin origin: CharId, none: Int) -> Int {
        origin.isNone ? none : tree.position(of: tree.cursor(of: origin)!)
    }
}
