/// Edits at code-point positions of the text as it was at any version of a document,
/// without building the document at that version (docs/engine.md).
///
/// The walker keeps, in the document's own sequence tree, every character's state at
/// one *prepared* version: not inserted yet, shown, or deleted (and by how many ops).
/// Moving to another version retreats the ops it lacks and advances the ops it adds
/// (Eg-walker's technique), so walking a history in causal order costs amortized
/// O(log n) per op. An edit made at the prepared version becomes an op with the
/// origins and targets a replica at that version would have given it; the document
/// integrates it as usual, and the prepared version moves on to include it.
///
/// The document may take other ops (`apply`) between uses: `catchUp()` accounts for
/// them; the walker must be at head then, as it is after `moveToHead()`.
public final class HistoryWalker {
    public let document: Document
    /// Per interned client: how many of its ids the prepared version holds.
    @exclusivity(unchecked) private var prepared: [Int32] = []
    /// Per interned client: how many of its ids the states account for.
    @exclusivity(unchecked) private var accounted: [Int32] = []
    /// The records before this index are accounted for (the last one maybe in part).
    @exclusivity(unchecked) private var accountedRecords = 0

    /// Starts tracking `document` at its head. Documents whose blocks were moved or
    /// deleted are shown in an order the sequence does not have: refused.
    public init(_ document: Document) throws {
        self.document = document
        try Self.checkSupported(document)
        document.tree.resetStates()
        try catchUp()
        // A character deleted by history compaction squashed: no record says so.
        var squashed: [(client: Int32, seq: Int32, length: Int32)] = []
        document.tree.forEachRun { run in
            if run.deleted && run.state == 1 { squashed.append((run.client, run.seq, run.length)) }
        }
        for run in squashed { document.tree.shiftState(client: run.client, seq: run.seq, count: run.length, by: 1) }
    }

    private static func checkSupported(_ document: Document) throws {
        if document.hasMovedBlocks || !document.deletedBlockRanges.isEmpty {
            throw EngineError.invalidEdit(
                "edits at an earlier version are not supported on a document whose blocks were moved or deleted: send ops instead")
        }
    }

    /// Accounts for the ops the document took since the walker last looked (the walker
    /// must be at head): their inserts are shown already, their deletes are counted now.
    public func catchUp() throws {
        let records = document.records
        var k = max(accountedRecords - 1, 0)
        while k < records.count {
            let record = records[k]
            let c = Int(record.client)
            while accounted.count < document.clientNames.count { accounted.append(0) }
            if record.endSeq > accounted[c] {
                if record.kind == .blockMove { try Self.checkSupported(document) }
                if record.kind == .delete {
                    shiftTargets(of: record, from: max(record.seq, accounted[c]), to: record.endSeq, by: 1)
                }
                accounted[c] = record.endSeq
            }
            k += 1
        }
        accountedRecords = records.count
        if !document.deletedBlockRanges.isEmpty { try Self.checkSupported(document) }
        prepared = document.nextSeq
    }

    // MARK: Versions

    /// The version prepared: the one positions are read against.
    public var version: VersionVector {
        var counts: [ClientId: Int] = [:]
        for (c, count) in prepared.enumerated() where count > 0 { counts[document.clientNames[c]] = Int(count) }
        return VersionVector(counts)
    }

    /// The interned index of `client`, for `move(toCounts:)`.
    public func clientIndex(_ client: ClientId) -> Int {
        let c = Int(document.intern(client))
        while prepared.count <= c { prepared.append(0) }
        while accounted.count <= c { accounted.append(0) }
        return c
    }

    /// How many of each interned client's ids the prepared version holds.
    public var preparedCounts: [Int32] { prepared }

    /// Prepares `version`, which must be causally closed and seen by the document
    /// (`problem(with:)` checks a version that came from outside).
    public func move(to version: VersionVector) throws {
        var counts = [Int32](repeating: 0, count: document.clientNames.count)
        for (client, count) in version.counts {
            guard let c = document.clientIndex(of: client), count <= Int(document.nextSeq[Int(c)]) else {
                throw EngineError.invalidEdit("version names \(client):\(count), which this document has not seen")
            }
            counts[Int(c)] = Int32(count)
        }
        try move(toCounts: counts)
    }

    /// Prepares the version holding `counts[c]` ids of interned client `c` (missing
    /// entries: none).
    public func move(toCounts counts: [Int32]) throws {
        while prepared.count < document.clientNames.count { prepared.append(0) }
        // Walking a history, the next transaction most often follows the last one.
        if counts.count == prepared.count && counts == prepared { return }
        // The records to retreat and to advance, by their index in the history.
        var retreats: [(record: Int, from: Int32, to: Int32)] = []
        var advances: [(record: Int, from: Int32, to: Int32)] = []
        for c in prepared.indices {
            let target = c < counts.count ? counts[c] : 0
            let current = prepared[c]
            guard target != current else { continue }
            if target < document.baseSeq[c] {
                let client = document.clientNames[c]
                throw EngineError.invalidEdit(
                    "the version holds \(client):\(target), before this document's compaction cutoff (\(client):\(document.baseSeq[c])): that history was squashed")
            }
            let (low, high) = (min(target, current), max(target, current))
            for k in document.recordPositions(of: Int32(c), from: low, to: high) {
                let record = document.records[k]
                let piece = (k, max(record.seq, low), min(record.endSeq, high))
                if target < current { retreats.append(piece) } else { advances.append(piece) }
            }
            prepared[c] = target
        }
        // Undo in reverse causal order, redo in causal order: a delete is retreated before
        // the insert of what it deleted, and advanced after it.
        retreats.sort { $0.record > $1.record }
        advances.sort { $0.record < $1.record }
        for piece in retreats { shift(piece, by: -1) }
        for piece in advances { shift(piece, by: 1) }
    }

    /// Why `version` is no version of this document, or nil: it names ids the document
    /// has not seen, or ops whose dependencies it leaves out (not causally closed).
    /// Only the records after the first one the version leaves out can depend on what it
    /// leaves out, so the check costs what moving there costs.
    public func problem(with version: VersionVector) -> EngineError? {
        let document = self.document
        var counts = [Int32](repeating: 0, count: document.clientNames.count)
        for (client, count) in version.counts {
            guard let c = document.clientIndex(of: client), count <= Int(document.nextSeq[Int(c)]) else {
                return .invalidEdit("version names \(client):\(count), which this document has not seen")
            }
            counts[Int(c)] = Int32(count)
        }
        func holds(_ id: CharId) -> Bool { id.isNone || id.seq < counts[Int(id.client)] }
        let records = document.records
        guard let first = records.firstIndex(where: { $0.endSeq > counts[Int($0.client)] }) else { return nil }
        for record in records[first...] where record.seq < counts[Int(record.client)] {
            var missing: CharId?
            switch record.kind {
            case .insert, .block, .blockMove:
                missing = [record.origin, record.rightOrigin].first { !holds($0) }
            case .delete:
                // The characters the ids the version holds deleted.
                forEachTarget(of: record, from: record.seq, to: min(record.endSeq, counts[Int(record.client)])) { client, first, count in
                    let highest = CharId(client: client, seq: first + count - 1)
                    if !holds(highest) { missing = highest }
                }
            case .format, .comment, .blockOp:
                let op = document.op(of: record)
                if let id = op.dependencies.first(where: { !version.includes($0) }) {
                    return .versionNotCausallyClosed(missing: id, neededBy: op.id)
                }
            case .compacted:
                break
            }
            if let missing {
                return .versionNotCausallyClosed(
                    missing: document.opId(missing)!, neededBy: OpId(document.clientNames[Int(record.client)], Int(record.seq)))
            }
        }
        return nil
    }

    /// Prepares the document's head again.
    public func moveToHead() throws {
        try move(toCounts: document.nextSeq)
    }

    private func shift(_ piece: (record: Int, from: Int32, to: Int32), by delta: Int16) {
        let record = document.records[piece.record]
        switch record.kind {
        case .insert, .block, .blockMove:
            document.tree.shiftState(client: record.client, seq: piece.from, count: piece.to - piece.from, by: delta)
        case .delete:
            shiftTargets(of: record, from: piece.from, to: piece.to, by: delta)
        case .format, .comment, .blockOp, .compacted:
            break  // no character changes (squashed ids are never crossed: see move)
        }
    }

    /// Shifts the characters that ids `[from, to)` of a delete record deleted.
    private func shiftTargets(of record: OpRecord, from: Int32, to: Int32, by delta: Int16) {
        forEachTarget(of: record, from: from, to: to) { client, first, count in
            document.tree.shiftState(client: client, seq: first, count: count, by: delta)
        }
    }

    /// The characters that ids `[from, to)` of a delete record deleted, as ranges of
    /// consecutive ids (client, lowest seq, count): its k-th id deletes the k-th
    /// character of its targets.
    private func forEachTarget(of record: OpRecord, from: Int32, to: Int32, _ body: (Int32, Int32, Int32) -> Void) {
        var offset = record.seq
        for t in Int(record.start)..<Int(record.start + record.targetCount) {
            let target = document.targets[t]
            let lower = max(from, offset)
            let upper = min(to, offset + target.length)
            if lower < upper {
                let (a, b) = (lower - offset, upper - offset)
                body(target.client, target.backward ? target.seq - b + 1 : target.seq + a, b - a)
            }
            offset += target.length
        }
    }

    // MARK: Edits at the prepared version

    /// The number of characters shown at the prepared version.
    public var length: Int { document.tree.preparedCount }

    /// The text at the prepared version.
    public var text: String { text(at: 0, count: length)! }

    /// `count` characters of the prepared version's text from `position`, or nil when
    /// out of range.
    public func text(at position: Int, count: Int) -> String? {
        guard position >= 0, count >= 0, position + count <= length else { return nil }
        var scalars = String.UnicodeScalarView()
        for piece in document.tree.preparedPieces(from: position, count: count) {
            let start = Int(piece.content)
            for value in document.content[start..<(start + Int(piece.length))] { scalars.append(Unicode.Scalar(value)!) }
        }
        return String(scalars)
    }

    /// Inserts `text` at a position of the prepared version, as `client` (whose every
    /// op the prepared version must hold), and returns the op's id. The document
    /// integrates the op; the prepared version then includes it.
    @discardableResult
    public func insert(_ text: String, at position: Int, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        guard position >= 0 && position <= length else { throw EngineError.positionOutOfRange(position: position, length: length) }
        guard !text.isEmpty else { throw EngineError.invalidEdit("an insert needs text") }
        let c = try ownClient(client)
        let tree = document.tree
        // As a replica at the prepared version would (`insertionCursor`): after the
        // character shown before the position, before the next one it holds at all.
        var cursor = tree.startCursor
        var left = CharId.none
        if position > 0 {
            cursor = tree.cursor(atPrepared: position - 1)
            left = tree.charAt(cursor)
            tree.advance(&cursor, by: 1)
        }
        let right = tree.preparedChar(atOrAfter: cursor)
        let id = OpId(client, Int(document.nextSeq[c]))
        if tree.charAt(cursor) == right {
            // Nothing the prepared version lacks lies between the origins: no concurrent
            // insert to order against, the run goes right there (most edits).
            _ = try document.insertRun(text, at: cursor, after: left, before: right, client: Int32(c), timestamp: timestamp)
            madeOwnOp(client: c)
            return id
        }
        let insert = TextInsert(after: document.opId(left), before: document.opId(right), text: text)
        try integrate(Op(id: id, timestamp: timestamp, payload: .textInsert(insert)), client: c)
        return id
    }

    /// Deletes `count` characters from a position of the prepared version, as `client`,
    /// and returns the op's id.
    @discardableResult
    public func delete(at position: Int, count: Int, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        guard position >= 0, count > 0, position + count <= length else {
            throw EngineError.rangeOutOfRange(position: position, count: count, length: length)
        }
        let c = try ownClient(client)
        var targets: [TargetRecord] = []
        for piece in document.tree.preparedPieces(from: position, count: count) {
            let target = TargetRecord(client: piece.id.client, seq: piece.id.seq, length: piece.length, backward: false)
            if targets.isEmpty || !targets[targets.count - 1].join(target) { targets.append(target) }
        }
        let delete = TextDelete(targets: targets.map {
            DeleteTarget(start: OpId(document.clientNames[Int($0.client)], Int($0.seq)), length: Int($0.length), backward: $0.backward)
        })
        let id = OpId(client, Int(document.nextSeq[c]))
        try integrate(Op(id: id, timestamp: timestamp, payload: .textDelete(delete)), client: c)
        return id
    }

    /// The interned index of the editing client, whose ids the prepared version must all
    /// hold: its new op continues them.
    private func ownClient(_ client: ClientId) throws -> Int {
        let c = clientIndex(client)
        guard prepared[c] == document.nextSeq[c] else {
            throw EngineError.invalidEdit(
                "the version holds \(prepared[c]) of \(client)'s \(document.nextSeq[c]) ids: an edit is made at a version holding all of its author's own ops")
        }
        return c
    }

    private func integrate(_ op: Op, client c: Int) throws {
        guard try document.apply(op) == .applied else {
            preconditionFailure("an op made at a prepared version has every dependency")
        }
        let record = document.records[document.records.count - 1]
        if record.kind == .delete { shiftTargets(of: record, from: record.seq, to: record.endSeq, by: 1) }
        document.coalesceLastRecords()
        madeOwnOp(client: c)
    }

    /// After an op of `c` made here: the prepared version and the states include it.
    private func madeOwnOp(client c: Int) {
        prepared[c] = document.nextSeq[c]
        accounted[c] = prepared[c]
        accountedRecords = document.records.count
    }
}

