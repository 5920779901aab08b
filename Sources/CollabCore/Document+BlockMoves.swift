/// Moving blocks (Kleppmann, "Moving elements in list CRDTs", 2020; docs/rich-text.md).
///
/// A move inserts a hidden slot character where the block is to be shown, and each
/// block's slot is a last-writer-wins register, so concurrent moves of one block leave
/// exactly one copy. A block's text stays where it was typed — text typed into it
/// concurrently with a move is not lost, it goes along — and the document is shown
/// block by block in the order of their slots: the *display order*. The plain text and
/// every position a local edit takes count in it. Until a block is moved the display
/// order is the sequence order and none of this runs.
///
/// Blocks are a flat list (nesting is by attributes such as `indent`), so a move cannot
/// make a cycle. The first block (the text before any marker) has no marker and stays
/// first; table parts are not moved one by one, since tables nest by order.
extension Document {
    /// A block as shown: its marker (`.none` for the first block) and the visible
    /// characters it covers in the sequence, marker included.
    struct BlockSegment {
        var marker: CharId
        /// The visible position in the sequence of its marker (0 for the first block).
        var start: Int
        var count: Int
    }

    /// Whether any block was ever moved: positions then count in display order.
    var hasMovedBlocks: Bool { !blockSlots.isEmpty }

    /// Moves `block` so that it is shown right after `target` (nil: the first block), as
    /// `client`. After a table part, it goes after the whole table.
    @discardableResult
    public func moveBlock(_ block: OpId, after target: OpId?, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        let moved = try shownBlock(block)
        guard !BlockOp.tableTypes.contains(type(of: moved)) else {
            throw EngineError.invalidEdit("\(block) is a \(type(of: moved)); table parts move with their table")
        }
        let targetMarker = try target.map(shownBlock) ?? .none
        guard targetMarker != moved else { throw EngineError.invalidEdit("a block cannot be moved after itself") }
        let segments = displaySegments()
        var k = segments.firstIndex { $0.marker == targetMarker }!
        // After a table part: after the whole table (its rows and cells that follow).
        while k + 1 < segments.count, BlockOp.tableTypes.contains(type(of: segments[k].marker)),
            ["row", "cell"].contains(type(of: segments[k + 1].marker))
        {
            k += 1
        }
        // The slot goes right after the character that shows where the target is: its
        // own slot when it was moved, else its marker (or the document's start).
        let target = segments[k].marker
        let anchor = blockSlots[target]?.slot ?? target
        var cursor = tree.startCursor
        if !anchor.isNone {
            cursor = tree.cursor(of: anchor)!
            tree.advance(&cursor, by: 1)
        }
        let op = BlockOp.move(block: block, after: opId(anchor), before: opId(tree.charAt(cursor)))
        return try makeBlockOp(op, by: client, timestamp: timestamp)
    }

    /// The marker of a block that is shown now, or an error saying why `id` is none.
    func shownBlock(_ id: OpId) throws -> CharId {
        guard let c = clientIndex(of: id.client), id.seq >= 0, id.seq < Int(Int32.max),
            blocks[CharId(client: c, seq: Int32(id.seq))] != nil
        else { throw EngineError.invalidEdit("\(id) is not a block") }
        let marker = CharId(client: c, seq: Int32(id.seq))
        guard let cursor = tree.cursor(of: marker), !cursor.run.deleted else { throw EngineError.invalidEdit("block \(id) is deleted") }
        return marker
    }

    /// The marker of the block a `block_move` names: any block, deleted or not (moving
    /// a deleted block changes nothing that is shown, on every replica alike).
    func movableBlock(_ id: OpId, of op: Op) throws -> CharId {
        guard let c = clientIndex(of: id.client), id.seq < Int(Int32.max), blocks[CharId(client: c, seq: Int32(id.seq))] != nil
        else {
            if isCompacted(id) { throw EngineError.compacted(op.id, needs: id) }
            throw EngineError.invalidOp(op.id, "\(id) is not a block")
        }
        return CharId(client: c, seq: Int32(id.seq))
    }

    /// Makes the record of a `block_move` whose slot (a one-character insert record) has
    /// just been integrated: the slot is hidden, and it becomes the block's place when
    /// this move is the block's latest.
    func registerMove(of block: CharId, slot: OpRecord, op: Op) -> OpRecord {
        let id = CharId(client: slot.client, seq: slot.seq)
        tree.markDeleted(at: tree.cursor(of: id)!, count: 1)
        typing = nil
        var record = slot
        record.kind = .blockMove
        record.targetCount = Int32(blockOps.count)
        guard case .block(let move) = op.payload else { preconditionFailure("a block_move record of another op") }
        blockOps.append(move)
        registerSlot(id, of: block, stamp: OpStamp(timestamp: op.timestamp, id: op.id))
        return record
    }

    /// The block's slot register: the latest move wins.
    func registerSlot(_ slot: CharId, of block: CharId, stamp: OpStamp) {
        if blockSlots[block].map({ $0.stamp < stamp }) ?? true { blockSlots[block] = (slot, stamp) }
    }

    /// `delete` in display order: each stretch of the sequence deleted on its own. When
    /// the range takes a block's marker but not all its text (Backspace at a block's
    /// start joins it to the block shown before), and that block is not the one before
    /// it in the sequence (one of them was moved), deleting the marker alone would join
    /// the text to the wrong block: the rest of its text is deleted too and typed again,
    /// with its formatting, at the end of the block shown before.
    func deleteInDisplayOrder(at position: Int, count: Int, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        let segments = displaySegments()
        let end = position + count
        var retyped: (text: String, formatting: [(count: Int, attributes: [String: AttributeValue])])?
        var deleteEnd = end
        let last = segmentIndex(atDisplay: end - 1, in: segments)
        let lastStart = segments[..<last].reduce(0) { $0 + $1.count }
        let lastEnd = lastStart + segments[last].count
        if last > 0, lastStart >= position, lastEnd > end {
            let shownBefore = position == 0 ? 0 : segmentIndex(atDisplay: position - 1, in: segments)
            let removed = Set(segments.indices.filter { k in
                let start = segments[..<k].reduce(0) { $0 + $1.count }
                return k > 0 && start >= position && start < end
            })
            let before = segments.indices
                .filter { $0 != last && !removed.contains($0) && segments[$0].start < segments[last].start }
                .max { segments[$0].start < segments[$1].start } ?? 0
            if before != shownBefore {
                let rest = (segments[last].start + end - lastStart)..<(segments[last].start + segments[last].count)
                retyped = (sequenceText(at: rest.lowerBound, count: rest.count), formatting(ofSequence: rest))
                deleteEnd = lastEnd
            }
        }
        let ranges = sequenceRanges(from: position, count: deleteEnd - position, in: segments)
        var first: OpId?
        // From the last stretch of the sequence back, so the others keep their positions.
        for range in ranges.sorted(by: { $0.lowerBound > $1.lowerBound }) {
            let made = deleteSequence(at: range.lowerBound, count: range.count, by: client, timestamp: timestamp)
            first = first ?? made
        }
        if let retyped {
            try insert(retyped.text, at: position, by: client, timestamp: timestamp)
            var offset = position
            for piece in retyped.formatting {
                for (key, value) in piece.attributes.sorted(by: { $0.key < $1.key }) {
                    try format(at: offset, count: piece.count, key: key, value: value, by: client, timestamp: timestamp)
                }
                offset += piece.count
            }
        }
        return first!
    }

    /// The formatting of the visible characters at sequence positions `range`, in pieces.
    func formatting(ofSequence range: Range<Int>) -> [(count: Int, attributes: [String: AttributeValue])] {
        var pieces: [(count: Int, attributes: [String: AttributeValue])] = []
        var position = 0
        for run in formattedRuns {
            let count = run.text.unicodeScalars.count
            let lower = max(position, range.lowerBound)
            let upper = min(position + count, range.upperBound)
            if lower < upper { pieces.append((upper - lower, run.attributes)) }
            position += count
        }
        return pieces
    }

    // MARK: The display order

    /// The blocks shown, in display order: the first block, then the others by the place
    /// of their slot (or marker, when never moved) in the sequence.
    func displaySegments() -> [BlockSegment] {
        var live: [(marker: CharId, whole: Int, visible: Int)] = []
        for marker in blocks.markers {
            guard let cursor = tree.cursor(of: marker), !cursor.run.deleted else { continue }
            live.append((marker, tree.position(of: cursor), tree.visiblePosition(of: cursor)))
        }
        live.sort { $0.whole < $1.whole }
        var keyed = [(key: -1, segment: BlockSegment(marker: .none, start: 0, count: live.first?.visible ?? length))]
        for (i, block) in live.enumerated() {
            let end = i + 1 < live.count ? live[i + 1].visible : length
            let key = blockSlots[block.marker].map { tree.position(of: tree.cursor(of: $0.slot)!) } ?? block.whole
            keyed.append((key, BlockSegment(marker: block.marker, start: block.visible, count: end - block.visible)))
        }
        if hasMovedBlocks { keyed.sort { $0.key < $1.key } }
        return keyed.map(\.segment)
    }

    /// The visible position in the sequence where an insert at display position
    /// `position` goes: inside the block shown there, or at the end of the block shown
    /// before a boundary.
    func sequencePosition(insertingAt position: Int, in segments: [BlockSegment]) -> Int {
        var displayStart = 0
        for (k, segment) in segments.enumerated() {
            let displayEnd = displayStart + segment.count
            if position <= displayEnd && (k == 0 || position > displayStart) { return segment.start + position - displayStart }
            displayStart = displayEnd
        }
        return length
    }

    /// The stretches of the sequence (visible positions) that display positions
    /// `[position, position + count)` cover, in display order.
    func sequenceRanges(from position: Int, count: Int, in segments: [BlockSegment]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var displayStart = 0
        for segment in segments {
            let lower = max(position, displayStart)
            let upper = min(position + count, displayStart + segment.count)
            if lower < upper {
                let range = (segment.start + lower - displayStart)..<(segment.start + upper - displayStart)
                if let last = ranges.last, last.upperBound == range.lowerBound {
                    ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
                } else {
                    ranges.append(range)
                }
            }
            displayStart += segment.count
        }
        return ranges
    }

    /// The display position of the visible character at sequence position `position`
    /// (`length` for the end).
    func displayPosition(ofSequence position: Int, in segments: [BlockSegment]) -> Int {
        var displayStart = 0
        for segment in segments {
            if position >= segment.start && position < segment.start + segment.count {
                return displayStart + position - segment.start
            }
            displayStart += segment.count
        }
        return length
    }

    /// The display index of the segment holding display position `position`'s character.
    func segmentIndex(atDisplay position: Int, in segments: [BlockSegment]) -> Int {
        var displayStart = 0
        for (k, segment) in segments.enumerated() {
            if position < displayStart + segment.count { return k }
            displayStart += segment.count
        }
        return segments.count - 1
    }

    /// A sequence-order string of the visible characters, rearranged into display order.
    func inDisplayOrder(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        for segment in displaySegments() { view.append(contentsOf: scalars[segment.start..<(segment.start + segment.count)]) }
        return String(view)
    }
}
