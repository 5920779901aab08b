/// One stretch of a track-changes diff (`Document.changes(from:)`), in the order the
/// text reads.
public struct DiffHunk: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// Text in both versions, formatted alike.
        case equal
        /// Text the newer version has and the older lacks.
        case insert
        /// Text the older version has and the newer lacks.
        case delete
        /// Text in both whose formatting changed (`changes`: attribute → old, new).
        case format
        /// A block in both whose attributes changed (`changes`); `text` is its marker.
        case block
        /// A block in both that was moved (`id`); shown where its text is, `text` empty.
        case move
        /// A comment thread added, edited, resolved, reopened or deleted (`comment`).
        case comment
    }

    public var kind: Kind
    public var text: String
    /// Who made the change, and when (nil for equal text).
    public var author: ClientId?
    public var time: Timestamp?
    /// Formatting or block attributes: each changed name with its old and new value
    /// (`.null` for none).
    public var changes: [String: (old: AttributeValue, new: AttributeValue)]
    /// The block (for `.block`) or the comment (for `.comment`).
    public var id: OpId?
    /// For `.comment`: what happened ("added", "edited", "resolved", "reopened",
    /// "deleted", "replied").
    public var action: String?

    public init(
        kind: Kind, text: String, author: ClientId? = nil, time: Timestamp? = nil,
        changes: [String: (old: AttributeValue, new: AttributeValue)] = [:], id: OpId? = nil, action: String? = nil
    ) {
        self.kind = kind
        self.text = text
        self.author = author
        self.time = time
        self.changes = changes
        self.id = id
        self.action = action
    }

    /// The text the older version had and the text the newer has, as `hunks` tell them
    /// (sequence order): what a diff promises, and what tests check it by.
    public static func texts(of hunks: [DiffHunk]) -> (old: String, new: String) {
        var old = ""
        var new = ""
        for hunk in hunks {
            switch hunk.kind {
            case .equal, .format, .block:
                old += hunk.text
                new += hunk.text
            case .delete: old += hunk.text
            case .insert: new += hunk.text
            case .comment, .move: break
            }
        }
        return (old, new)
    }

    public static func == (a: DiffHunk, b: DiffHunk) -> Bool {
        a.kind == b.kind && a.text == b.text && a.author == b.author && a.time == b.time && a.id == b.id && a.action == b.action
            && a.changes.count == b.changes.count
            && a.changes.allSatisfy { key, value in b.changes[key].map { $0.old == value.old && $0.new == value.new } ?? false }
    }
}

/// Track changes between two versions of one document: which characters came and went
/// (by id, so a character retyped elsewhere is not mistaken for one that stayed), whose
/// formatting or block attributes changed, and what happened to comments — each change
/// attributed to the op that made it.
extension Document {
    /// What changed from `old` to this document. `old` must be an earlier version of it
    /// (every op `old` has, this one has too); the text is read in sequence order.
    public func changes(from old: Document) throws -> [DiffHunk] {
        let oldVersion = old.version
        guard oldVersion.isIncluded(in: version) else {
            throw EngineError.invalidEdit("the older version \(oldVersion) is not part of the newer \(version)")
        }
        // Old's runs, in order, with this document's client numbers.
        let clientMap = old.clientNames.map { clientIndex(of: $0)! }
        var oldRuns: [(client: Int32, seq: Int32, length: Int32, deleted: Bool)] = []
        old.tree.forEachRun { oldRuns.append((clientMap[Int($0.client)], $0.seq, $0.length, $0.deleted)) }
        let oldSeen = clientNames.map { Int32(oldVersion[$0]) }
        let oldStyles = old.visibleStyles()
        let newStyles = visibleStyles()
        let deleters = DeleteIndex(self, after: oldSeen)

        var hunks: [DiffHunk] = []
        // Neighbouring stretches of one kind by one author read as one change.
        func add(_ hunk: DiffHunk) {
            if var last = hunks.last, last.kind == hunk.kind, last.author == hunk.author,
                [.equal, .insert, .delete].contains(hunk.kind) || (hunk.kind == .format && last == DiffHunk(kind: .format, text: last.text, author: hunk.author, time: last.time, changes: hunk.changes))
            {
                last.text += hunk.text
                hunks[hunks.count - 1] = last
            } else {
                hunks.append(hunk)
            }
        }
        func text(_ run: Run, _ offset: Int32, _ count: Int32) -> String {
            var view = String.UnicodeScalarView()
            for value in content[Int(run.content + offset)..<Int(run.content + offset + count)] { view.append(Unicode.Scalar(value)!) }
            return String(view)
        }
        var o = 0
        var oldOffset: Int32 = 0
        var oldPosition = 0  // visible characters of old passed
        var newPosition = 0
        tree.forEachRun { run in
            var offset: Int32 = 0
            while offset < run.length {
                let seq = run.seq + offset
                guard seq < oldSeen[Int(run.client)] else {
                    // Made after the old version: an insert if it is still there.
                    var take = run.length - offset
                    if !run.deleted {
                        let k = recordIndex(of: run.client, containing: seq)!
                        take = min(take, records[k].endSeq - seq)
                        add(DiffHunk(kind: .insert, text: text(run, offset, take), author: clientNames[Int(run.client)], time: records[k].timestamp))
                        newPosition += Int(take)
                    }
                    offset += take
                    continue
                }
                let oldRun = oldRuns[o]
                precondition(oldRun.client == run.client && oldRun.seq + oldOffset == seq, "the older version's characters are out of step")
                let take = min(run.length - offset, oldRun.length - oldOffset, oldSeen[Int(run.client)] - seq)
                switch (!oldRun.deleted, !run.deleted) {
                case (true, true):
                    // In both: equal, or formatted differently (pieces of equal styles).
                    var k: Int32 = 0
                    while k < take {
                        let before = oldStyles.perCharacter[oldPosition + Int(k)]
                        let after = newStyles.perCharacter[newPosition + Int(k)]
                        var end = k + 1
                        while end < take && oldStyles.perCharacter[oldPosition + Int(end)] == before
                            && newStyles.perCharacter[newPosition + Int(end)] == after
                        {
                            end += 1
                        }
                        let piece = text(run, offset + k, end - k)
                        if before < 0 || after < 0 {
                            // A block marker: its attributes may have changed.
                            let marker = CharId(client: run.client, seq: seq + k)
                            if let move = moveHunk(marker, old: old) { add(move) }
                            add(blockHunk(marker, old: old, text: piece, after: oldSeen))
                        } else if before == after || oldStyles.styles[Int(before)] == newStyles.styles[Int(after)] {
                            add(DiffHunk(kind: .equal, text: piece))
                        } else {
                            add(formatHunk(piece, from: oldStyles.styles[Int(before)], to: newStyles.styles[Int(after)], at: CharId(client: run.client, seq: seq + k), after: oldSeen))
                        }
                        k = end
                    }
                    oldPosition += Int(take)
                    newPosition += Int(take)
                case (true, false):
                    // Deleted since: by the first delete of it after the old version.
                    var k: Int32 = 0
                    while k < take {
                        let (record, end) = deleters.deleter(of: run.client, seq: seq + k, upTo: seq + take)
                        let r = records[record]
                        add(DiffHunk(kind: .delete, text: text(run, offset + k, end - (seq + k)), author: clientNames[Int(r.client)], time: r.timestamp))
                        k = end - seq
                    }
                    oldPosition += Int(take)
                case (false, true):
                    newPosition += Int(take)  // hidden then, shown now: cannot happen (deletes are final)
                case (false, false):
                    break
                }
                offset += take
                oldOffset += take
                if oldOffset == oldRun.length {
                    o += 1
                    oldOffset = 0
                }
            }
        }
        var result: [DiffHunk] = []
        func keep(_ hunk: DiffHunk) {
            if let before = result.last, before.kind == hunk.kind,
                hunk.kind == .equal || ([.insert, .delete].contains(hunk.kind) && before.author == hunk.author)
            {
                result[result.count - 1].text += hunk.text
            } else {
                result.append(hunk)
            }
        }
        var k = 0
        while k < hunks.count {
            // A stretch of inserts and deletes with nothing unchanged between.
            var end = k
            while end < hunks.count && (hunks[end].kind == .insert || hunks[end].kind == .delete) { end += 1 }
            if end > k + 1 {
                let stretch = hunks[k..<end]
                let deleted = stretch.filter { $0.kind == .delete }
                let inserted = stretch.filter { $0.kind == .insert }
                // The same text deleted and inserted again — what a restore does — is no
                // change to a reader.
                if !deleted.isEmpty && !inserted.isEmpty && deleted.map(\.text).joined() == inserted.map(\.text).joined() {
                    keep(DiffHunk(kind: .equal, text: inserted.map(\.text).joined()))
                    k = end
                    continue
                }
                // Otherwise what went, then what came: how track changes reads a
                // replacement, whichever order the sequence holds the two in (text typed
                // where other text was deleted goes before its tombstones: docs/engine.md).
                for hunk in deleted { keep(hunk) }
                for hunk in inserted { keep(hunk) }
                k = end
                continue
            }
            keep(hunks[k])
            k += 1
        }
        result += commentHunks(from: old)
        return result
    }

    /// The block at `marker` in both versions: a `.block` hunk when its attributes
    /// changed, else equal text.
    private func blockHunk(_ marker: CharId, old: Document, text: String, after oldSeen: [Int32]) -> DiffHunk {
        let id = opId(marker)!
        let oldMarker = CharId(client: old.clientIndex(of: id.client)!, seq: marker.seq)
        let before = old.blocks[oldMarker]?.attributes ?? [:]
        let after = blocks[marker]?.attributes ?? [:]
        var changes: [String: (old: AttributeValue, new: AttributeValue)] = [:]
        var latest: OpStamp?
        for key in Set(before.keys).union(after.keys) {
            let was = before[key]?.value ?? .null
            let now = after[key]?.value ?? .null
            guard was != now else { continue }
            changes[key] = (was, now)
            if let stamp = after[key]?.stamp, latest.map({ $0 < stamp }) ?? true { latest = stamp }
        }
        guard !changes.isEmpty else { return DiffHunk(kind: .equal, text: text) }
        return DiffHunk(kind: .block, text: text, author: latest?.id.client, time: latest?.timestamp, changes: changes, id: id)
    }

    /// A `.move` hunk when the block at `marker` was moved since `old`: its winning
    /// move is another one now.
    private func moveHunk(_ marker: CharId, old: Document) -> DiffHunk? {
        guard let now = blockSlots[marker] else { return nil }
        let id = opId(marker)!
        let oldMarker = CharId(client: old.clientIndex(of: id.client)!, seq: marker.seq)
        if let then = old.blockSlots[oldMarker], then.stamp.id == now.stamp.id { return nil }
        return DiffHunk(kind: .move, text: "", author: now.stamp.id.client, time: now.stamp.timestamp, id: id)
    }

    /// Text whose formatting changed, attributed to the latest `format_set` made after
    /// the old version that covers it and sets one of the changed attributes.
    private func formatHunk(
        _ text: String, from before: [String: AttributeValue], to after: [String: AttributeValue], at character: CharId, after oldSeen: [Int32]
    ) -> DiffHunk {
        var changes: [String: (old: AttributeValue, new: AttributeValue)] = [:]
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            changes[key] = (before[key] ?? .null, after[key] ?? .null)
        }
        let position = tree.position(of: tree.cursor(of: character)!)
        var author: ClientId?
        var time: Timestamp?
        for record in records where record.kind == .format && record.seq >= oldSeen[Int(record.client)] {
            let mark = marks[Int(record.start)]
            guard changes[mark.key] != nil else { continue }
            let from = mark.start.isNone ? 0 : tree.position(of: tree.cursor(of: mark.start)!) + (mark.startSide == .after ? 1 : 0)
            let to = mark.end.isNone ? tree.totalCount : tree.position(of: tree.cursor(of: mark.end)!) + (mark.endSide == .after ? 1 : 0)
            guard from <= position && position < to else { continue }
            if time.map({ $0 <= record.timestamp }) ?? true {
                author = clientNames[Int(record.client)]
                time = record.timestamp
            }
        }
        return DiffHunk(kind: .format, text: text, author: author, time: time, changes: changes)
    }

    /// Comments added, edited, resolved, reopened, replied to or deleted since `old`.
    private func commentHunks(from old: Document) -> [DiffHunk] {
        var hunks: [DiffHunk] = []
        var before: [OpId: CommentRecord] = [:]
        for comment in old.comments { before[comment.id] = comment }
        for comment in comments {
            let was = before[comment.id]
            let action: String
            var author = comment.id.client
            var time = comment.timestamp
            switch (was, comment) {
            case (nil, _) where comment.deleted: continue  // made and deleted in between
            case (nil, _): action = comment.replyTo == nil ? "added" : "replied"
            case (let was?, _) where comment.deleted && !was.deleted:
                action = "deleted"
                if let stamp = comment.deletedStamp { (author, time) = (stamp.1, stamp.0) }
            case (let was?, _) where was.resolved != comment.resolved:
                action = comment.resolved ? "resolved" : "reopened"
                if let stamp = comment.resolvedStamp { (author, time) = (stamp.1, stamp.0) }
            case (let was?, _) where was.text != comment.text:
                action = "edited"
                (author, time) = (comment.textStamp.1, comment.textStamp.0)
            default: continue
            }
            hunks.append(DiffHunk(kind: .comment, text: comment.text, author: author, time: time, id: comment.id, action: action))
        }
        return hunks
    }

    /// Each visible character's formatting, as an index into a list of distinct
    /// attribute sets (-1 for a block marker), in sequence order.
    func visibleStyles() -> (styles: [[String: AttributeValue]], perCharacter: [Int32]) {
        var styles: [[String: AttributeValue]] = [[:]]
        var numbers: [[String: AttributeValue]: Int32] = [[:]: 0]
        var perCharacter: [Int32] = []
        perCharacter.reserveCapacity(length)
        var current: Int32 = 0
        let formatting = FormattingSweep(self)
        let names = formatting.names
        sweepPieces(formatting) { piece in
            switch piece {
            case .formatting(let state):
                let attributes = names.attributes(of: state)
                if let number = numbers[attributes] {
                    current = number
                } else {
                    current = Int32(styles.count)
                    numbers[attributes] = current
                    styles.append(attributes)
                }
            case .marker: perCharacter.append(-1)
            case .text(let scalars, _, _): perCharacter.append(contentsOf: repeatElement(current, count: scalars.count))
            }
        }
        return (styles, perCharacter)
    }
}

/// Who deleted what: the delete records made after a version, as id intervals per
/// client, so the first delete of any character is found by binary search.
private struct DeleteIndex {
    /// Per client: intervals `[low, high)` of its ids and the record that deleted them,
    /// sorted by `low`, with the running maximum of `high` to bound the search.
    var intervals: [[(low: Int32, high: Int32, record: Int)]]
    var reach: [[Int32]]

    init(_ document: Document, after oldSeen: [Int32]) {
        intervals = Array(repeating: [], count: document.clientNames.count)
        for (index, record) in document.records.enumerated() where record.kind == .delete && record.seq >= oldSeen[Int(record.client)] {
            for target in document.targets[Int(record.start)..<Int(record.start + record.targetCount)] {
                intervals[Int(target.client)].append((target.lowestSeq, target.lowestSeq + target.length, index))
            }
        }
        reach = []
        for client in intervals.indices {
            // History order breaks ties, so the first delete of a character wins.
            intervals[client].sort { ($0.low, $0.record) < ($1.low, $1.record) }
            var highest = Int32.min
            reach.append(intervals[client].map { entry in
                highest = max(highest, entry.high)
                return highest
            })
        }
    }

    /// The record that first deleted `seq` of `client`, and where the stretch it deleted
    /// from there ends (at most `limit`).
    func deleter(of client: Int32, seq: Int32, upTo limit: Int32) -> (record: Int, end: Int32) {
        let list = intervals[Int(client)]
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].low <= seq { low = mid + 1 } else { high = mid }
        }
        var best: (record: Int, end: Int32)?
        var j = low - 1
        while j >= 0 && reach[Int(client)][j] > seq {
            if list[j].high > seq && (best.map { list[j].record < $0.record } ?? true) { best = (list[j].record, list[j].high) }
            j -= 1
        }
        guard let best else { preconditionFailure("a character deleted after the old version has no delete after it") }
        // The stretch also ends where an earlier delete of the next characters begins.
        var end = min(best.end, limit)
        var k = low
        while k < list.count && list[k].low < end {
            if list[k].record < best.record { end = list[k].low }
            k += 1
        }
        return (best.record, end)
    }
}
