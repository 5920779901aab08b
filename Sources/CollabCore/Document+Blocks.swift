/// A block's attributes, each a last-writer-wins register.
struct BlockRecord {
    var id: OpId
    var attributes: [String: (value: AttributeValue, stamp: OpStamp)] = [:]
}

/// Last-writer-wins order of ops: timestamp, then client id, then seq.
struct OpStamp: Comparable {
    var timestamp: Timestamp
    var id: OpId

    static func < (a: OpStamp, b: OpStamp) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id
    }
}

/// Blocks: made at positions, integrated by id, rendered as a list of blocks.
extension Document {
    /// Splits the text at `position` with a new block carrying `attributes`: the text
    /// after the position is the new block's. Returns the block's id.
    @discardableResult
    public func insertBlock(
        at position: Int, attributes: [String: AttributeValue], by client: ClientId, timestamp: Timestamp
    ) throws -> OpId {
        guard position >= 0 && position <= length else { throw EngineError.positionOutOfRange(position: position, length: length) }
        let position = hasMovedBlocks ? sequencePosition(insertingAt: position, in: displaySegments()) : position
        let cursor = insertionCursor(atVisible: position)
        let op = BlockOp.insert(after: opId(tree.charBefore(cursor)), before: opId(tree.charAt(cursor)), attributes: attributes)
        return try makeBlockOp(op, by: client, timestamp: timestamp)
    }

    /// Where a local insert at a visible position goes, as FugueMax defines it (docs/engine.md,
    /// the tie-break rule): right after the visible character before the position (its left
    /// origin; the start at 0), before whatever follows that, deleted or not (its right
    /// origin). So text typed at the end of a block never lands among the hidden
    /// characters of a deleted block that follows either.
    func insertionCursor(atVisible position: Int) -> Cursor {
        guard position > 0 else { return tree.startCursor }
        var cursor = tree.cursor(atVisible: position - 1)
        tree.advance(&cursor, by: 1)
        return cursor
    }

    /// The id of the block holding the character at `position` (its marker, when the
    /// position is a block boundary), or nil for the document's first block. Walks back
    /// to the marker: O(the block's length), for edits made by hand.
    public func block(atVisible position: Int) -> OpId? {
        if hasMovedBlocks {
            let segments = displaySegments()
            return opId(segments[segmentIndex(atDisplay: position, in: segments)].marker)
        }
        var cursor = tree.cursor(atVisible: min(position, max(length - 1, 0)))
        guard length > 0 else { return nil }
        // Walk left to the nearest marker that is shown.
        while true {
            let run = cursor.run
            if !run.deleted {
                var offset = cursor.offset
                while offset >= 0 {
                    let id = CharId(client: run.client, seq: run.seq + offset)
                    if content[Int(run.content + offset)] == 0x0A, blocks[id] != nil { return opId(id) }
                    offset -= 1
                }
            }
            guard cursor.index > 0 || cursor.leaf.prev != nil else { return nil }
            if cursor.index > 0 {
                cursor = Cursor(leaf: cursor.leaf, index: cursor.index - 1, offset: 0)
            } else {
                let leaf = cursor.leaf.prev!
                cursor = Cursor(leaf: leaf, index: leaf.runs.count - 1, offset: 0)
            }
            cursor.offset = cursor.run.length - 1
        }
    }

    /// Makes a block op as `client`; what it names must be here already.
    @discardableResult
    public func makeBlockOp(_ op: BlockOp, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        try makeLocalOp(.block(op), naming: op.references, by: client, timestamp: timestamp)
    }

    /// Deletes `block` and its text up to the next block shown now.
    @discardableResult
    public func deleteBlock(_ block: OpId, by client: ClientId, timestamp: Timestamp) throws -> OpId {
        guard let c = clientIndex(of: block.client), let marker = tree.cursor(of: CharId(client: c, seq: Int32(block.seq))),
            blocks[CharId(client: c, seq: Int32(block.seq))] != nil
        else { throw EngineError.invalidOp(block, "it is not a block") }
        let from = tree.position(of: marker)
        // A row takes its cells with it, and a table its rows and cells.
        let children: Set<String> = switch type(of: CharId(client: c, seq: Int32(block.seq))) {
        case "table": ["row", "cell"]
        case "row": ["cell"]
        default: []
        }
        let until = liveMarkers().first { marker in
            guard marker.whole > from else { return false }
            let id = CharId(client: clientIndex(of: marker.id.client)!, seq: Int32(marker.id.seq))
            return !children.contains(type(of: id))
        }?.id
        return try makeBlockOp(.delete(block: block, until: until), by: client, timestamp: timestamp)
    }

    /// A block's type attribute (paragraph when unset).
    func type(of marker: CharId) -> String {
        if case .string(let type)? = blocks[marker]?.attributes["type"]?.value { return type }
        return "paragraph"
    }

    /// Refuses block attributes a block cannot have, before anything changes.
    func checkBlockAttributes(_ attributes: [String: AttributeValue], of op: Op) throws {
        for key in attributes.keys where key.isEmpty || key.utf8.count > 256 {
            throw EngineError.invalidOp(op.id, "an attribute name is 1 to 256 bytes")
        }
    }

    /// Makes the record of a `block_insert` whose marker `marker` (a one-character
    /// insert record) has just been integrated, and registers the block.
    func registerBlock(_ marker: OpRecord, attributes: [String: AttributeValue], of op: Op) -> OpRecord {
        var record = marker
        record.kind = .block
        record.targetCount = Int32(blockInserts.count)
        blockInserts.append(attributes)
        registerAttributes(of: marker, attributes, stamp: OpStamp(timestamp: op.timestamp, id: op.id))
        hideIfInDeletedBlock(CharId(client: marker.client, seq: marker.seq), count: 1)
        return record
    }

    /// Registers the block whose marker `record` inserted, with its attribute registers,
    /// each set by the op that made it.
    func registerAttributes(of record: OpRecord, _ attributes: [String: AttributeValue], stamp: OpStamp) {
        var registers = BlockRecord(id: stamp.id)
        for (key, value) in attributes { registers.attributes[key] = (value, stamp) }
        assert(content[Int(record.start)] == 0x0A, "a block marker is a line feed")
        blocks.set(registers, for: CharId(client: record.client, seq: record.seq), content: Int(record.start))
    }

    /// Applies a `block_set` or `block_delete` whose references have all been seen.
    func integrateBlock(_ block: BlockOp, of op: Op, client c: Int32) throws -> OpRecord {
        let stamp = OpStamp(timestamp: op.timestamp, id: op.id)
        func existing(_ id: OpId) throws -> CharId {
            guard let known = clientIndex(of: id.client), id.seq < Int(Int32.max), blocks[CharId(client: known, seq: Int32(id.seq))] != nil
            else {
                if isCompacted(id) { throw EngineError.compacted(op.id, needs: id) }
                throw EngineError.invalidOp(op.id, "\(id) is not a block")
            }
            return CharId(client: known, seq: Int32(id.seq))
        }
        switch block {
        case .insert, .move:
            throw EngineError.invalidOp(op.id, "a \(block.typeName) is integrated as a character")
        case .set(let id, let key, let value):
            guard !key.isEmpty, key.utf8.count <= 256 else { throw EngineError.invalidOp(op.id, "an attribute name is 1 to 256 bytes") }
            if let id {
                let marker = try existing(id)
                blocks.update(marker) { block in
                    if block.attributes[key].map({ $0.stamp < stamp }) ?? true { block.attributes[key] = (value, stamp) }
                }
            } else if firstBlock[key].map({ $0.stamp < stamp }) ?? true {
                firstBlock[key] = (value, stamp)
            }
        case .delete(let id, let until):
            let marker = try existing(id)
            let end = try until.map(existing)
            let from = tree.position(of: tree.cursor(of: marker)!)
            let to = end.map { tree.position(of: tree.cursor(of: $0)!) } ?? tree.totalCount
            guard from < to else { throw EngineError.invalidOp(op.id, "its end \(until!) is not after the block") }
            deletedBlockRanges.append((marker, end))
            hideWhole(from: from, to: to)
        }
        blockOps.append(block)
        return OpRecord(
            kind: .blockOp, client: c, seq: Int32(op.id.seq), span: 1, timestamp: op.timestamp, origin: .none,
            rightOrigin: .none, start: Int32(blockOps.count - 1), targetCount: 0)
    }

    /// Hides a character just integrated when it landed inside a deleted block's range:
    /// what is typed concurrently into a deleted block goes with it.
    func hideIfInDeletedBlock(_ id: CharId, count: Int32) {
        guard !deletedBlockRanges.isEmpty, let cursor = tree.cursor(of: id), !cursor.run.deleted else { return }
        let position = tree.position(of: cursor)
        for (marker, end) in deletedBlockRanges {
            let from = tree.position(of: tree.cursor(of: marker)!)
            let to = end.map { tree.position(of: tree.cursor(of: $0)!) } ?? tree.totalCount
            if from <= position && position < to {
                // The characters of one insert sit together: all inside or all outside.
                hideWhole(from: position, to: position + Int(count))
                return
            }
        }
    }

    /// Marks deleted every character at whole positions `[from, to)`.
    private func hideWhole(from: Int, to: Int) {
        var position = from
        while position < to {
            let cursor = tree.cursor(atWhole: position)
            let run = cursor.run
            let count = min(Int(run.length - cursor.offset), to - position)
            if !run.deleted { tree.markDeleted(at: cursor, count: Int32(count)) }
            position += count
        }
        typing = nil
    }

    /// The markers of the blocks not deleted, in document order, with their positions
    /// among all characters.
    func liveMarkers() -> [(id: OpId, whole: Int)] {
        var result: [(OpId, Int)] = []
        for (marker, record) in blocks {
            guard let cursor = tree.cursor(of: marker), !cursor.run.deleted else { continue }
            result.append((record.id, tree.position(of: cursor)))
        }
        return result.sorted { $0.1 < $1.1 }
    }

    /// The document as blocks: each with its attributes and formatted text (markers left
    /// out). The text before the first marker is the first block, without an id.
    public var blockContents: [BlockContent] { blockContents(withIds: false) }

    /// The blocks, each run also listing the ids of its characters when `withIds`.
    public func blockContents(withIds: Bool) -> [BlockContent] {
        var result = [BlockContent(id: nil, attributes: Self.shown(firstBlock), runs: [])]
        sweep(withIds: withIds) { text, attributes, comments, marker, ids in
            if let marker {
                let id = CharId(client: clientIndex(of: marker.client)!, seq: Int32(marker.seq))
                result.append(BlockContent(id: marker, attributes: Self.shown(blocks[id]!.attributes), runs: []))
                return
            }
            result[result.count - 1].runs.append(FormattedRun(text: text, attributes: attributes, comments: comments, ids: ids))
        }
        if hasMovedBlocks {
            var shown: [OpId?: Int] = [:]
            for (k, segment) in displaySegments().enumerated() { shown[opId(segment.marker)] = k }
            result.sort { shown[$0.id]! < shown[$1.id]! }
        }
        // An empty first block before another (the document starts with a marker) is
        // left out.
        if result.count > 1 && result[0].runs.isEmpty { result.removeFirst() }
        return result
    }
}
