/// The sequence as it was at another version, kept in the same tree: every run carries
/// its characters' state at the prepared version and every node counts the characters
/// shown there, so a position at that version is found by descending, like one at head
/// (Eg-walker's prepare state; docs/engine.md).
extension SequenceTree {
    var preparedCount: Int { root.prepared }

    /// Sets every run's state to 1 (inserted, shown) and the counts to match.
    func resetStates() {
        changes &+= 1
        func reset(_ node: TreeNode) {
            if node.isLeaf {
                for i in node.runs.indices { node.runs[i].state = 1 }
                node.prepared = node.total
            } else {
                for child in node.children { reset(child) }
                node.prepared = node.total
            }
        }
        reset(root)
    }

    /// Adds `delta` to the state of `count` characters of `client` from `seq`: one op
    /// retreated (-1) or advanced (+1). The characters must exist. Runs are split where
    /// the state now changes, and joined back where it no longer does.
    func shiftState(client: Int32, seq first: Int32, count: Int32, by delta: Int16) {
        changes &+= 1
        var seq = first
        var remaining = count
        // Where the last piece ended: a run's characters mostly go on in the next run.
        var after: (leaf: TreeNode, index: Int)?
        while remaining > 0 {
            let id = CharId(client: client, seq: seq)
            let cursor: Cursor
            if let (leaf, index) = after, index < leaf.runs.count, leaf.runs[index].contains(id) {
                cursor = Cursor(leaf: leaf, index: index, offset: id.seq - leaf.runs[index].seq)
            } else {
                guard let found = self.cursor(of: id) else {
                    preconditionFailure("a tracked op names a character the tree lacks")
                }
                cursor = found
            }
            let leaf = cursor.leaf
            runsChanged(in: leaf, at: max(cursor.index - 1, 0))
            let taken = min(remaining, cursor.run.length - cursor.offset)
            var i = isolate(cursor, count: taken)
            let before = leaf.runs[i].preparedLength
            // Saturating: a character deleted by more than 32,766 ops (only a crafted log
            // does that) may show wrongly at older versions, rather than trap.
            let state = Int32(leaf.runs[i].state) + Int32(delta)
            leaf.runs[i].state = Int16(clamping: state)
            let change = leaf.runs[i].preparedLength - before
            if change != 0 { addCounts(leaf, visible: 0, total: 0, prepared: change) }
            // Join with neighbours now in the same state, so going back and forth over
            // the same history does not leave the tree in pieces.
            if i + 1 < leaf.runs.count, joinable(leaf.runs[i], leaf.runs[i + 1]) {
                leaf.runs[i].length += leaf.runs[i + 1].length
                leaf.runs.remove(at: i + 1)
            }
            if i > 0, joinable(leaf.runs[i - 1], leaf.runs[i]) {
                leaf.runs[i - 1].length += leaf.runs[i].length
                leaf.runs.remove(at: i)
                i -= 1
            }
            after = splitIfNeeded(leaf) == nil ? (leaf, i + 1) : nil
            seq += taken
            remaining -= taken
        }
    }

    private func joinable(_ run: Run, _ next: Run) -> Bool {
        run.isContinued(by: next) && run.deleted == next.deleted
    }

    /// The character shown at prepared position `position`, or the end.
    func cursor(atPrepared position: Int) -> Cursor {
        if position >= root.prepared { return endCursor }
        var node = root
        var remaining = position
        while !node.isLeaf {
            let k = node.children.withUnsafeBufferPointer { children -> Int in
                for k in 0..<(children.count - 1) {
                    let count = children[k].prepared
                    if remaining < count { return k }
                    remaining -= count
                }
                return children.count - 1
            }
            node = node.children[k]
        }
        let (index, offset) = node.runs.withUnsafeBufferPointer { runs -> (Int, Int32) in
            for i in 0..<runs.count where runs[i].state == 1 {
                if remaining < Int(runs[i].length) { return (i, Int32(remaining)) }
                remaining -= Int(runs[i].length)
            }
            preconditionFailure("prepared counts out of step with the runs")
        }
        return Cursor(leaf: node, index: index, offset: offset)
    }

    /// The first character at or after the cursor that the prepared version holds (shown
    /// or deleted there), or `.none`: the right origin an insert there gets.
    func preparedChar(atOrAfter cursor: Cursor) -> CharId {
        var cursor = normalized(cursor)
        while !cursor.isEnd {
            let run = cursor.run
            if run.state != 0 { return CharId(client: run.client, seq: run.seq + cursor.offset) }
            cursor = normalized(Cursor(leaf: cursor.leaf, index: cursor.index + 1, offset: 0))
        }
        return .none
    }

    /// The characters shown at prepared positions `[position, position + count)`, as
    /// runs of consecutive ids in sequence order, with where their text starts in the
    /// content buffer.
    func preparedPieces(from position: Int, count: Int) -> [(id: CharId, length: Int32, content: Int32)] {
        var pieces: [(id: CharId, length: Int32, content: Int32)] = []
        var cursor = cursor(atPrepared: position)
        var remaining = Int32(count)
        while remaining > 0 {
            let run = cursor.run
            if run.state == 1 {
                let taken = min(remaining, run.length - cursor.offset)
                pieces.append((CharId(client: run.client, seq: run.seq + cursor.offset), taken, run.content + cursor.offset))
                remaining -= taken
            }
            cursor = normalized(Cursor(leaf: cursor.leaf, index: cursor.index + 1, offset: 0))
        }
        return pieces
    }
}
