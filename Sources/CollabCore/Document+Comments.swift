/// A comment's state: the latest text and resolution, by `(timestamp, clientId)`.
struct CommentRecord {
    var id: OpId
    var timestamp: Timestamp
    var start: MarkAnchor?
    var end: MarkAnchor?
    var replyTo: OpId?
    var text: String
    var textStamp: (Timestamp, ClientId, Int)
    var resolved = false
    var resolvedStamp: (Timestamp, ClientId, Int)?
    var deleted = false
    /// The earliest delete of it (the same on every replica, whatever the arrival order).
    var deletedStamp: (Timestamp, ClientId, Int)?

    /// Made before `other`: by timestamp, then client and seq. Lists of comments are in
    /// this order, so every replica shows them alike whatever order they arrived in.
    func isOlder(than other: CommentRecord) -> Bool {
        timestamp != other.timestamp ? timestamp < other.timestamp : id < other.id
    }
}

/// Comment threads: made at positions or by id, integrated by id.
extension Document {
    /// Comments `text` on `count` characters from `position`; returns the comment's id.
    @discardableResult
    public func comment(
        at position: Int, count: Int, text: String, by client: ClientId, timestamp: Timestamp
    ) throws -> OpId {
        guard position >= 0, count >= 1, position + count <= length else {
            throw EngineError.rangeOutOfRange(position: position, count: count, length: length)
        }
        var position = position
        if hasMovedBlocks {
            let ranges = sequenceRanges(from: position, count: count, in: displaySegments())
            guard ranges.count == 1 else {
                throw EngineError.invalidEdit("characters \(position)..<\(position + count) cross a moved block: comment on each part")
            }
            position = ranges[0].lowerBound
        }
        let first = opId(tree.charAt(tree.cursor(atVisible: position)))!
        let last = opId(tree.charAt(tree.cursor(atVisible: position + count - 1)))!
        return try makeCommentOp(
            .add(start: MarkAnchor(first, .before), end: MarkAnchor(last, .after), replyTo: nil, text: text), by: client,
            timestamp: timestamp)
    }

    /// Makes a comment op (a reply, an edit, a resolve or a delete) as `client`.
    @discardableResult
    public func makeCommentOp(_ op: CommentOp, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        try makeLocalOp(.comment(op), naming: op.references, by: client, timestamp: timestamp)
    }

    /// Applies a comment op whose references have all been seen.
    func integrateComment(_ comment: CommentOp, of op: Op, client c: Int32) throws -> OpRecord {
        func existing(_ id: OpId) throws -> Int {
            guard let index = commentIndex[id] else {
                if isCompacted(id) { throw EngineError.compacted(op.id, needs: id) }
                throw EngineError.invalidOp(op.id, "\(id) is not a comment")
            }
            return index
        }
        // Last writer wins by timestamp, then client id, then seq.
        let stamp = (op.timestamp, op.id.client, op.id.seq)
        func later(_ a: (Timestamp, ClientId, Int), than b: (Timestamp, ClientId, Int)?) -> Bool {
            guard let b else { return true }
            return a.0 != b.0 ? a.0 > b.0 : a.1 != b.1 ? a.1 > b.1 : a.2 > b.2
        }
        switch comment {
        case .add(let start, let end, let replyTo, let text):
            guard !text.isEmpty else { throw EngineError.invalidOp(op.id, "a comment needs text") }
            if let replyTo {
                guard start == nil, end == nil else { throw EngineError.invalidOp(op.id, "a reply has no anchors of its own") }
                let parent = comments[try existing(replyTo)]
                guard parent.replyTo == nil else { throw EngineError.invalidOp(op.id, "replies answer the thread's first comment") }
            } else {
                guard let start, let end else { throw EngineError.invalidOp(op.id, "a comment needs both anchors (or replyTo)") }
                for anchor in [start, end] { _ = try character(anchoring: anchor, of: op) }
            }
            commentIndex[op.id] = comments.count
            comments.append(CommentRecord(
                id: op.id, timestamp: op.timestamp, start: start, end: end, replyTo: replyTo, text: text, textStamp: stamp))
        case .edit(let id, let text):
            guard !text.isEmpty else { throw EngineError.invalidOp(op.id, "a comment needs text") }
            let index = try existing(id)
            if later(stamp, than: comments[index].textStamp) {
                comments[index].text = text
                comments[index].textStamp = stamp
            }
        case .resolve(let id, let resolved):
            let index = try existing(id)
            if later(stamp, than: comments[index].resolvedStamp) {
                comments[index].resolved = resolved
                comments[index].resolvedStamp = stamp
            }
        case .delete(let id):
            let index = try existing(id)
            comments[index].deleted = true
            if comments[index].deletedStamp.map({ later($0, than: stamp) }) ?? true { comments[index].deletedStamp = stamp }
        }
        commentOps.append(comment)
        return OpRecord(
            kind: .comment, client: c, seq: Int32(op.id.seq), span: 1, timestamp: op.timestamp, origin: .none,
            rightOrigin: .none, start: Int32(commentOps.count - 1), targetCount: 0)
    }

    /// The live comment threads, in the order they were made (by timestamp, then client
    /// and seq, so every replica lists them alike), replies in theirs.
    public var commentThreads: [CommentThread] {
        var threads: [CommentThread] = []
        var position: [OpId: Int] = [:]
        // Threads first, then their replies (whatever clocks their authors had).
        let ordered = comments.sorted { a, b in
            (a.replyTo == nil) != (b.replyTo == nil) ? a.replyTo == nil : a.isOlder(than: b)
        }
        for record in ordered where !record.deleted {
            var thread = CommentThread(
                id: record.id, author: record.id.client, timestamp: record.timestamp, text: record.text,
                resolved: record.resolved, range: nil, isOrphaned: false, replies: [])
            if let replyTo = record.replyTo {
                if let k = position[replyTo] { threads[k].replies.append(thread) }
                continue
            }
            let range = visibleRange(of: FormatSet(start: record.start, end: record.end, key: "comment", value: .null))
            thread.range = range
            thread.isOrphaned = range?.isEmpty ?? true
            position[record.id] = threads.count
            threads.append(thread)
        }
        return threads
    }
}
