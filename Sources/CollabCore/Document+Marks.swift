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
public struct IdSpan: Hashable, Sendable, CustomStringConvertible {
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
        let formatting = FormattingSweep(self, excluding: excluded)
        let names = formatting.names
        var shown = formatting.state
        var pending: FormattingSweep.State?
        sweepPieces(formatting) { piece in
            switch piece {
            case .formatting(let state):
                pending = state
            case .marker(let block):
                flush()
                emit("\n", current, currentComments, blocks.records[block].id, [])
            case .text(let scalars, let client, let seq):
                if let state = pending {
                    if state != shown {
                        flush()
                        shown = state
                        current = names.attributes(of: state)
                        currentComments = names.comments(of: state)
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
        /// The formatting from here on (only when it changed), in the numbers of the
        /// sweep's `names`.
        case formatting(FormattingSweep.State)
        /// A block's marker: the index of its record in `blocks.records`.
        case marker(Int)
        /// Visible text: consecutive characters of one client from `seq`.
        case text(UnsafeBufferPointer<UInt32>, client: Int32, seq: Int32)
    }

    /// The visible text in pieces, with the formatting wherever it changes and the block
    /// markers, in one pass over the runs (`FormattingSweep` decides the formatting).
    func sweepPieces(_ formatting: consuming FormattingSweep, _ body: (SweepPiece) -> Void) {
        var formatting = formatting
        if formatting.passStart() { body(.formatting(formatting.state)) }
        // Read once: a stored property of this class read in the loop would be retained
        // and released on every run.
        let blocks = blocks
        let anchorBits = formatting.anchorBits
        content.withUnsafeBufferPointer { scalars in
            blocks.withMarkerBits { markerBits in
                anchorBits.withUnsafeBufferPointer { anchorBits in
                    tree.forEachRun { run in
                        let start = Int(run.content)
                        let range = start..<(start &+ Int(run.length))
                        guard !run.deleted else {
                            // Anchors on deleted characters open and close spans all the
                            // same; the change is told before the next visible text.
                            ContentBits.forEach(in: anchorBits, ContentBits.none, range: range) { k in
                                let found = formatting.ends(at: start &+ k)
                                let before = formatting.pass(found, after: false)
                                if formatting.pass(found, after: true) || before { body(.formatting(formatting.state)) }
                            }
                            return
                        }
                        var from = 0  // the first character not passed on yet
                        func text(upTo k: Int) {
                            if k > from {
                                body(.text(UnsafeBufferPointer(rebasing: scalars[(start &+ from)..<(start &+ k)]), client: run.client, seq: run.seq &+ Int32(truncatingIfNeeded: from)))
                            }
                            from = k
                        }
                        ContentBits.forEach(in: markerBits, anchorBits, range: range) { k in
                            text(upTo: k)
                            let anchored = ContentBits.contains(anchorBits, start &+ k)
                            let found = anchored ? formatting.ends(at: start &+ k) : 0..<0
                            if anchored && formatting.pass(found, after: false) { body(.formatting(formatting.state)) }
                            if ContentBits.contains(markerBits, start &+ k) {
                                body(.marker(blocks.index(of: CharId(client: run.client, seq: run.seq &+ Int32(truncatingIfNeeded: k)))!))
                                from = k &+ 1
                            }
                            if anchored && formatting.anyAfter(found) {
                                text(upTo: k &+ 1)
                                if formatting.pass(found, after: true) { body(.formatting(formatting.state)) }
                            }
                        }
                        text(upTo: range.count)
                    }
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
}
