/// A `format_set` as the engine keeps it: anchors as engine ids.
struct MarkRecord {
    /// `.none` is the document's start (for `start`) or end (for `end`).
    var start: CharId
    var startSide: MarkAnchor.Side
    var end: CharId
    var endSide: MarkAnchor.Side
    var key: String
    var value: AttributeValue
}

/// A stretch of visible text whose characters all have the same formatting.
public struct FormattedRun: Equatable, Sendable {
    public var text: String
    /// The attributes in effect, null values left out.
    public var attributes: [String: AttributeValue]
    /// The live comments anchored on this text, oldest first.
    public var comments: [OpId]
    /// The ids of the characters, in order, when asked for (`blockContents(withIds:)`).
    public var ids: [IdSpan]

    public init(text: String, attributes: [String: AttributeValue], comments: [OpId] = [], ids: [IdSpan] = []) {
        self.text = text
        self.attributes = attributes
        self.comments = comments
        self.ids = ids
    }
}

/// `length` consecutive ids of one client from `start`.
public struct IdSpan: Equatable, Sendable, CustomStringConvertible {
    public var start: OpId
    public var length: Int

    /// `client:seq`, or `client:first-last` for more than one.
    public var description: String {
        length == 1 ? start.description : "\(start.client):\(start.seq)-\(start.seq + length - 1)"
    }
}

/// Formatting marks: made at positions, integrated by id, resolved per character.
extension Document {
    /// Sets `key` to `value` on `count` characters from `position` (null removes it), as
    /// `client`. The span starts before its first character; it ends before the next
    /// character when the attribute expands (so typing on at its end joins it) and after
    /// its last character when it does not (links).
    @discardableResult
    public func format(
        at position: Int, count: Int, key: String, value: AttributeValue, by client: ClientId, timestamp: Timestamp
    ) throws -> OpId {
        guard position >= 0, count >= 1, position + count <= length else {
            throw EngineError.rangeOutOfRange(position: position, count: count, length: length)
        }
        guard hasMovedBlocks else { return try formatSequence(at: position, count: count, key: key, value: value, by: client, timestamp: timestamp) }
        // One op per stretch of the sequence that the displayed range covers.
        let ranges = sequenceRanges(from: position, count: count, in: displaySegments())
        var first: OpId?
        for range in ranges {
            let made = try formatSequence(at: range.lowerBound, count: range.count, key: key, value: value, by: client, timestamp: timestamp)
            first = first ?? made
        }
        return first!
    }

    /// `format` at visible positions of the sequence.
    func formatSequence(
        at position: Int, count: Int, key: String, value: AttributeValue, by client: ClientId, timestamp: Timestamp
    ) throws -> OpId {
        let first = tree.charAt(tree.cursor(atVisible: position))
        let start = MarkAnchor(opId(first)!, .before)
        let end: MarkAnchor?
        if FormatSet.expandsAtEnd(key) {
            let next = tree.charAt(tree.cursor(atVisible: position + count))
            end = opId(next).map { MarkAnchor($0, .before) }
        } else {
            end = MarkAnchor(opId(tree.charAt(tree.cursor(atVisible: position + count - 1)))!, .after)
        }
        return try makeLocalOp(
            .formatSet(FormatSet(start: start, end: end, key: key, value: value)), naming: [], by: client, timestamp: timestamp)
    }

    /// The record of a `format_set` whose anchors have all been seen, or an error when
    /// one names no character.
    func integrateFormat(_ format: FormatSet, of op: Op, client c: Int32) throws -> OpRecord {
        guard !format.key.isEmpty, format.key.utf8.count <= 256 else {
            throw EngineError.invalidOp(op.id, "an attribute name is 1 to 256 bytes")
        }
        func character(_ anchor: MarkAnchor?) throws -> CharId {
            guard let anchor else { return .none }
            return try self.character(anchoring: anchor, of: op)
        }
        let mark = MarkRecord(
            start: try character(format.start), startSide: format.start?.side ?? .before, end: try character(format.end),
            endSide: format.end?.side ?? .after, key: format.key, value: format.value)
        marks.append(mark)
        return OpRecord(
            kind: .format, client: c, seq: Int32(op.id.seq), span: 1, timestamp: op.timestamp, origin: .none,
            rightOrigin: .none, start: Int32(marks.count - 1), targetCount: 0)
    }

    /// The character an anchor of `op` names, or an error when it names no character.
    func character(anchoring anchor: MarkAnchor, of op: Op) throws -> CharId {
        guard let known = clientIndex(of: anchor.id.client), anchor.id.seq < Int(Int32.max),
            tree.cursor(of: CharId(client: known, seq: Int32(anchor.id.seq))) != nil
        else {
            if isCompacted(anchor.id) { throw EngineError.compacted(op.id, needs: anchor.id) }
            throw EngineError.invalidOp(op.id, "its anchor \(anchor.id) is not a character")
        }
        return CharId(client: known, seq: Int32(anchor.id.seq))
    }

    /// The public form of a mark record.
    func formatSet(of mark: MarkRecord) -> FormatSet {
        FormatSet(
            start: opId(mark.start).map { MarkAnchor($0, mark.startSide) },
            end: opId(mark.end).map { MarkAnchor($0, mark.endSide) }, key: mark.key, value: mark.value)
    }

    /// The visible text in runs of equal formatting: each character gets, for each
    /// attribute, the value of the latest `format_set` (by timestamp, then client id)
    /// whose span covers it.
    public var formattedRuns: [FormattedRun] { formattedRuns(excluding: []) }

    /// The formatted runs as they would be without the `format_set` records at the
    /// given indexes of `records` (for reverting them). Block markers are `\n` here.
    func formattedRuns(excluding excluded: Set<Int>) -> [FormattedRun] {
        var result: [FormattedRun] = []
        sweep(excluding: excluded) { text, attributes, comments, _, _ in
            if let last = result.last, last.attributes == attributes, last.comments == comments {
                result[result.count - 1].text += text
            } else {
                result.append(FormattedRun(text: text, attributes: attributes, comments: comments))
            }
        }
        return result
    }

    /// The visible text in pieces of equal formatting, in order: `emit(text, attributes,
    /// comments, marker, ids)`, where `marker` is the block whose marker (`text` "\n")
    /// this piece is, nil for text.
    func sweep(
        excluding excluded: Set<Int> = [], withIds: Bool = false,
        emit: (String, [String: AttributeValue], [OpId], OpId?, [IdSpan]) -> Void
    ) {
        var current: [String: AttributeValue] = [:]
        var currentComments: [OpId] = []
        var utf8: [UInt8] = []
        utf8.reserveCapacity(256)
        var ids: [IdSpan] = []
        func flush() {
            if !utf8.isEmpty { emit(String(decoding: utf8, as: UTF8.self), current, currentComments, nil, ids) }
            utf8.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
        }
        // A change of formatting takes effect at the next text: formatting that changes
        // and changes back over deleted characters does not cut the text shown.
        var pending: ([String: AttributeValue], [OpId])?
        sweepPieces(excluding: excluded) { piece in
            switch piece {
            case .formatting(let attributes, let comments):
                pending = (attributes, comments)
            case .marker(let block):
                flush()
                emit("\n", current, currentComments, block.id, [])
            case .text(let scalars, let client, let seq):
                if let (attributes, comments) = pending {
                    if attributes != current || comments != currentComments {
                        flush()
                        current = attributes
                        currentComments = comments
                    }
                    pending = nil
                }
                for value in scalars {
                    if value < 0x80 { utf8.append(UInt8(truncatingIfNeeded: value)) } else { appendUTF8(value, to: &utf8) }
                }
                guard withIds else { return }
                let name = clientNames[Int(client)]
                if let last = ids.last, last.start.client == name, last.start.seq + last.length == Int(seq) {
                    ids[ids.count - 1].length += scalars.count
                } else {
                    ids.append(IdSpan(start: OpId(name, Int(seq)), length: scalars.count))
                }
            }
        }
        flush()
    }

    /// What `sweepPieces` finds, in order.
    enum SweepPiece {
        /// The formatting from here on (only when it changed).
        case formatting([String: AttributeValue], [OpId])
        /// A block's marker, with the block's attribute registers.
        case marker(BlockRecord)
        /// Visible text: consecutive characters of one client from `seq`.
        case text(UnsafeBufferPointer<UInt32>, client: Int32, seq: Int32)
    }

    /// The visible text in pieces, with the formatting wherever it changes and the block
    /// markers. One pass over the runs: the places where formatting can change are the
    /// marks' and comments' ends, found first as positions among all characters (deleted
    /// ones included, so anchors on deleted characters keep their place); between them
    /// each character gets, per attribute, the latest covering `format_set` by
    /// (timestamp, clientId).
    func sweepPieces(excluding excluded: Set<Int> = [], _ body: (SweepPiece) -> Void) {
        struct Span {
            var from: Int
            var to: Int
            var record: Int  // index in `records`, or in `comments` for comment spans
        }
        var spans: [Span] = []
        for (index, record) in records.enumerated() where record.kind == .format && !excluded.contains(index) {
            let mark = marks[Int(record.start)]
            let from = mark.start.isNone ? 0 : wholePosition(of: mark.start) + (mark.startSide == .after ? 1 : 0)
            let to = mark.end.isNone ? tree.totalCount : wholePosition(of: mark.end) + (mark.endSide == .after ? 1 : 0)
            if from < to { spans.append(Span(from: from, to: to, record: index)) }
        }
        var commentSpans: [Span] = []
        for (index, comment) in comments.enumerated() where !comment.deleted && comment.replyTo == nil {
            guard let start = comment.start, let end = comment.end else { continue }
            let from = wholePosition(of: start.id) + (start.side == .after ? 1 : 0)
            let to = wholePosition(of: end.id) + (end.side == .after ? 1 : 0)
            if from < to { commentSpans.append(Span(from: from, to: to, record: index)) }
        }
        // Oldest first, the same on every replica whatever order the comments arrived in.
        commentSpans.sort { comments[$0.record].isOlder(than: comments[$1.record]) }
        var boundaries = Set<Int>()
        for span in spans + commentSpans {
            boundaries.insert(span.from)
            boundaries.insert(span.to)
        }
        let cuts = boundaries.sorted()
        // The covering marks and comments, kept up to date cut by cut: each span enters
        // once and leaves once, and only the attributes whose covering set changed are
        // decided again (by last writer wins among that attribute's covering marks).
        let byStart = spans.indices.sorted { spans[$0].from < spans[$1].from }
        let byEnd = spans.indices.sorted { spans[$0].to < spans[$1].to }
        let commentsByStart = commentSpans.indices.sorted { commentSpans[$0].from < commentSpans[$1].from }
        let commentsByEnd = commentSpans.indices.sorted { commentSpans[$0].to < commentSpans[$1].to }
        var nextStart = 0, nextEnd = 0, nextCommentStart = 0, nextCommentEnd = 0
        // Attributes by number, so the sweep hashes no strings.
        var keyNames: [String] = []
        var keyNumbers: [String: Int] = [:]
        let spanKeys = spans.map { span in
            let name = marks[Int(records[span.record].start)].key
            if let number = keyNumbers[name] { return number }
            keyNames.append(name)
            keyNumbers[name] = keyNames.count - 1
            return keyNames.count - 1
        }
        var covering = Array(repeating: [Int](), count: keyNames.count)  // by attribute: indexes into `spans`
        var coveringComments = Set<Int>()  // indexes into `commentSpans`
        var winning: [String: AttributeValue] = [:]
        var winningComments: [OpId] = []
        var changed: [Int] = []
        /// Moves the covering sets to `position`; the attributes and comments there.
        func advance(to position: Int) -> ([String: AttributeValue], [OpId]) {
            changed.removeAll(keepingCapacity: true)
            while nextEnd < byEnd.count && spans[byEnd[nextEnd]].to <= position {
                let span = byEnd[nextEnd]
                let key = spanKeys[span]
                if spans[span].from < spans[span].to, let k = covering[key].firstIndex(of: span) {
                    covering[key].remove(at: k)
                    if !changed.contains(key) { changed.append(key) }
                }
                nextEnd += 1
            }
            while nextStart < byStart.count && spans[byStart[nextStart]].from <= position {
                let span = byStart[nextStart]
                if spans[span].to > position {
                    let key = spanKeys[span]
                    covering[key].append(span)
                    if !changed.contains(key) { changed.append(key) }
                }
                nextStart += 1
            }
            for key in changed {
                var best: OpRecord?
                for span in covering[key] {
                    let record = records[spans[span].record]
                    if best.map({ isLater(record, than: $0) }) ?? true { best = record }
                }
                let value = best.map { marks[Int($0.start)].value } ?? .null
                winning[keyNames[key]] = value == .null ? nil : value
            }
            var commentsChanged = false
            while nextCommentEnd < commentsByEnd.count && commentSpans[commentsByEnd[nextCommentEnd]].to <= position {
                commentsChanged = coveringComments.remove(commentsByEnd[nextCommentEnd]) != nil || commentsChanged
                nextCommentEnd += 1
            }
            while nextCommentStart < commentsByStart.count && commentSpans[commentsByStart[nextCommentStart]].from <= position {
                if commentSpans[commentsByStart[nextCommentStart]].to > position {
                    coveringComments.insert(commentsByStart[nextCommentStart])
                    commentsChanged = true
                }
                nextCommentStart += 1
            }
            if commentsChanged {
                // commentSpans are oldest first: their indexes in order are the order shown.
                winningComments = coveringComments.sorted().map { comments[commentSpans[$0].record].id }
            }
            return (winning, winningComments)
        }
        var current: [String: AttributeValue] = [:]
        var currentComments: [OpId] = []
        let hasBlocks = !blocks.isEmpty
        var nextCut = 0
        var position = 0
        content.withUnsafeBufferPointer { scalars in
            tree.forEachRun { run in
                var offset: Int32 = 0
                while offset < run.length {
                    // Up to the next cut, everything in this run is formatted alike.
                    while nextCut < cuts.count && cuts[nextCut] <= position {
                        let (updated, updatedComments) = advance(to: cuts[nextCut])
                        if updated != current || updatedComments != currentComments {
                            current = updated
                            currentComments = updatedComments
                            body(.formatting(current, currentComments))
                        }
                        nextCut += 1
                    }
                    let limit = nextCut < cuts.count ? cuts[nextCut] - position : Int.max
                    let take = Int32(min(Int(run.length - offset), limit))
                    if !run.deleted {
                        let start = Int(run.content + offset)
                        var from = 0  // the first character not passed on yet
                        if hasBlocks {
                            Self.forEachLineFeed(in: UnsafeBufferPointer(rebasing: scalars[start..<(start + Int(take))])) { k in
                                guard let block = blocks[CharId(client: run.client, seq: run.seq + offset + Int32(k))] else { return }
                                if k > from {
                                    body(.text(UnsafeBufferPointer(rebasing: scalars[(start + from)..<(start + k)]), client: run.client, seq: run.seq + offset + Int32(from)))
                                }
                                body(.marker(block))
                                from = k + 1
                            }
                        }
                        if Int(take) > from {
                            body(.text(UnsafeBufferPointer(rebasing: scalars[(start + from)..<(start + Int(take))]), client: run.client, seq: run.seq + offset + Int32(from)))
                        }
                    }
                    offset += take
                    position += Int(take)
                }
            }
        }
    }

    /// The visible positions a span covers now, or nil when an anchor is unknown.
    public func visibleRange(of format: FormatSet) -> Range<Int>? {
        func edge(_ anchor: MarkAnchor?, default value: Int) -> Int? {
            guard let anchor else { return value }
            guard let c = clientIndex(of: anchor.id.client), anchor.id.seq < Int(Int32.max),
                let cursor = tree.cursor(of: CharId(client: c, seq: Int32(anchor.id.seq)))
            else { return nil }
            let position = tree.visiblePosition(of: cursor)
            return anchor.side == .after && !cursor.run.deleted ? position + 1 : position
        }
        guard let from = edge(format.start, default: 0), let to = edge(format.end, default: length) else { return nil }
        guard hasMovedBlocks, to > from else { return from..<max(from, to) }
        let segments = displaySegments()
        let start = displayPosition(ofSequence: from, in: segments)
        return start..<max(start, displayPosition(ofSequence: to - 1, in: segments) + 1)
    }

    /// Last-writer-wins order of two ops: timestamp, then client id, then (for ops of
    /// one client with equal timestamps, which a sound clock never makes) seq.
    private func isLater(_ a: OpRecord, than b: OpRecord) -> Bool {
        if a.timestamp != b.timestamp { return a.timestamp > b.timestamp }
        if a.client != b.client { return clientNames[Int(a.client)] > clientNames[Int(b.client)] }
        return a.seq > b.seq
    }

    /// A character's position among all characters, deleted ones included.
    private func wholePosition(of id: CharId) -> Int {
        tree.position(of: tree.cursor(of: id)!)
    }

    private func wholePosition(of id: OpId) -> Int {
        wholePosition(of: CharId(client: clientIndex(of: id.client)!, seq: Int32(id.seq)))
    }

    /// Calls `body` with the offset of each line feed (where block markers may be) in
    /// `scalars`, found eight at a time: most of the text has none.
    @inline(__always)
    static func forEachLineFeed(in scalars: UnsafeBufferPointer<UInt32>, _ body: (Int) -> Void) {
        var k = 0
        if let base = scalars.baseAddress {
            let raw = UnsafeRawPointer(base)
            let lineFeed = SIMD8<UInt32>(repeating: 0x0A)
            while k + 8 <= scalars.count {
                let eight = raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<UInt32>.self)
                if any(eight .== lineFeed) {
                    for j in k..<(k + 8) where base[j] == 0x0A { body(j) }
                }
                k += 8
            }
        }
        while k < scalars.count {
            if scalars[k] == 0x0A { body(k) }
            k += 1
        }
    }
}
