/// The document's characters in order, as runs in a B-tree whose nodes carry the count of
/// visible and of all (visible and deleted) characters below them. Finding a visible
/// position, or the position of a character id, costs O(log n): descend by counts, or
/// walk up from the leaf that the id index names.
final class TreeNode {
    /// The parent, unretained: the tree owns every node, and walks up the tree (on every
    /// edit) should not pay for reference counting.
    @exclusivity(unchecked) var parentReference: Unmanaged<TreeNode>?
    var parent: TreeNode? {
        get { parentReference?.takeUnretainedValue() }
        set { parentReference = newValue.map { Unmanaged.passUnretained($0) } }
    }
    let isLeaf: Bool
    @exclusivity(unchecked) var runs: [Run] = []
    @exclusivity(unchecked) var children: [TreeNode] = []
    @exclusivity(unchecked) var visible = 0
    @exclusivity(unchecked) var total = 0
    /// Characters shown at the version a `HistoryWalker` prepared (runs with state 1).
    @exclusivity(unchecked) var prepared = 0
    /// Neighbouring leaves, so scans can walk the sequence without climbing the tree.
    unowned(unsafe) var next: TreeNode?
    unowned(unsafe) var prev: TreeNode?

    init(isLeaf: Bool) {
        self.isLeaf = isLeaf
    }

    /// The characters, visible or deleted, under the children before `child`. Compared
    /// by address through the buffer, so no child is retained on the way.
    func total(before child: TreeNode) -> Int {
        let target = ObjectIdentifier(child)
        return children.withUnsafeBufferPointer { children in
            var result = 0
            for node in children {
                if ObjectIdentifier(node) == target { break }
                result += node.total
            }
            return result
        }
    }

    func indexInParent() -> Int {
        guard let parent else { return 0 }
        var i = 0
        while parent.children[i] !== self { i += 1 }
        return i
    }
}

/// A place in the sequence: before character `offset` of run `index` of `leaf`.
/// The end of the sequence is `index == leaf.runs.count` on the last leaf.
struct Cursor {
    var leaf: TreeNode
    var index: Int
    var offset: Int32

    var isEnd: Bool { index == leaf.runs.count }
    var run: Run { leaf.runs[index] }
}

/// Where a run lives: its leaf and its index there. Like a cursor, valid only until the
/// tree changes (`SequenceTree.changes` tells).
struct RunPlace {
    var leaf: TreeNode
    var index: Int
}

/// Maps each client's id ranges to a leaf holding them: sorted range starts, each entry
/// covering up to the next start.
///
/// The index may lag behind leaf splits: a split moves runs only to the new leaf on its
/// right, so an entry names the leaf where its ids are or one to the left of it, and a
/// lookup walks right from there (and repairs the entry). Splits, which local editing
/// causes often, then cost nothing here.
struct LeafIndex {
    var starts: [Int32] = []
    var leaves: [TreeNode] = []
    /// One past the highest id assigned so far.
    var limit: Int32 = 0

    func entry(containing seq: Int32) -> Int {
        var low = 0
        var high = starts.count
        while low < high {
            let mid = (low + high) >> 1
            if starts[mid] <= seq { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    func leaf(for seq: Int32) -> TreeNode? {
        let i = entry(containing: seq)
        return i >= 0 ? leaves[i] : nil
    }

    /// Records that ids `[start, end)` now live in `leaf`.
    mutating func assign(_ start: Int32, _ end: Int32, to leaf: TreeNode) {
        // Typing on extends the newest ids: check the last entry before searching.
        let first = starts.last.map { start >= $0 } == true ? starts.count - 1 : entry(containing: start)
        if first == starts.count - 1 && end >= limit {
            // The common case: new ids past every known one.
            limit = end
            if first >= 0 && leaves[first] === leaf { return }
            if first >= 0 && starts[first] == start {
                leaves[first] = leaf
            } else {
                starts.append(start)
                leaves.append(leaf)
            }
            return
        }
        let atEnd = entry(containing: end)
        // Ids from `end` on keep their leaf: a boundary entry at `end` unless one exists.
        let keepsEndEntry = atEnd >= 0 && starts[atEnd] == end
        let needsEndBoundary = end < limit && atEnd >= 0 && !keepsEndEntry
        let lower = first >= 0 && starts[first] == start ? first : first + 1
        let upper = keepsEndEntry ? atEnd : atEnd + 1
        var newStarts: [Int32] = [start]
        var newLeaves: [TreeNode] = [leaf]
        if needsEndBoundary {
            newStarts.append(end)
            newLeaves.append(leaves[atEnd])
        }
        starts.replaceSubrange(lower..<max(lower, upper), with: newStarts)
        leaves.replaceSubrange(lower..<max(lower, upper), with: newLeaves)
        limit = max(limit, end)
    }
}

/// The B-tree itself, with the per-client id index kept in step with leaf splits.
final class SequenceTree {
    static let maxRuns = 64
    static let maxChildren = 32

    @exclusivity(unchecked) private(set) var root: TreeNode
    @exclusivity(unchecked) private(set) var firstLeaf: TreeNode
    @exclusivity(unchecked) private(set) var lastLeaf: TreeNode
    /// Per interned client: which leaf holds which of its ids.
    @exclusivity(unchecked) var index: [LeafIndex] = []
    /// The leaf the last position lookup ended in and how many visible characters come
    /// before it: edits cluster, so the next lookup usually lands in the same leaf. Any
    /// count change in another leaf forgets it (its start may have moved).
    private var cachedLeaf: TreeNode? {
        didSet { forgetCachedRun() }
    }
    @exclusivity(unchecked) private var cachedLeafStart = 0
    /// Within the cached leaf: a run index and how many visible characters of the leaf
    /// come before that run, so typing on does not rescan the leaf from its start.
    @exclusivity(unchecked) private var cachedRunIndex = 0
    @exclusivity(unchecked) private var cachedRunStart = 0
    /// Counts changes to the sequence, so a caller can tell whether a place it kept is
    /// still valid.
    @exclusivity(unchecked) var changes = 0

    init() {
        let leaf = TreeNode(isLeaf: true)
        root = leaf
        firstLeaf = leaf
        lastLeaf = leaf
    }

    /// Replaces the tree's structure (for a bulk load).
    func setRoot(_ root: TreeNode, first: TreeNode, last: TreeNode) {
        self.root = root
        firstLeaf = first
        lastLeaf = last
        cachedLeaf = nil
        changes &+= 1
    }

    var visibleCount: Int { root.visible }
    var totalCount: Int { root.total }

    var endCursor: Cursor { Cursor(leaf: lastLeaf, index: lastLeaf.runs.count, offset: 0) }
    var startCursor: Cursor { normalized(Cursor(leaf: firstLeaf, index: 0, offset: 0)) }

    // MARK: Finding places

    /// The visible character at `position`, or the end when `position == visibleCount`.
    func cursor(atVisible position: Int) -> Cursor {
        if position >= root.visible { return endCursor }
        if let leaf = cachedLeaf, position >= cachedLeafStart, position - cachedLeafStart < leaf.visible {
            return cursor(in: leaf, atVisible: position - cachedLeafStart)
        }
        var node = root
        var remaining = position
        while !node.isLeaf {
            var next = node.children[node.children.count - 1]
            for child in node.children {
                if remaining < child.visible {
                    next = child
                    break
                }
                remaining -= child.visible
            }
            node = next
        }
        cachedLeaf = node
        cachedLeafStart = position - remaining
        return cursor(in: node, atVisible: remaining)
    }

    /// The character at `position` among all characters, deleted ones included (for
    /// tools that work with tombstones; not cached: editing never asks).
    func cursor(atWhole position: Int) -> Cursor {
        guard position < root.total else { return endCursor }
        var node = root
        var remaining = position
        while !node.isLeaf {
            var next = node.children[node.children.count - 1]
            for child in node.children {
                if remaining < child.total {
                    next = child
                    break
                }
                remaining -= child.total
            }
            node = next
        }
        for (i, run) in node.runs.enumerated() {
            if remaining < Int(run.length) { return Cursor(leaf: node, index: i, offset: Int32(remaining)) }
            remaining -= Int(run.length)
        }
        preconditionFailure("total counts out of step with the runs")
    }

    /// The visible character at `position` counted from the start of the cached leaf.
    private func cursor(in leaf: TreeNode, atVisible position: Int) -> Cursor {
        if position < cachedRunStart { forgetCachedRun() }
        var remaining = Int32(position - cachedRunStart)
        let start = cachedRunIndex
        let (index, offset) = leaf.runs.withUnsafeBufferPointer { runs -> (Int, Int32) in
            for i in start..<runs.count where !runs[i].deleted {
                if remaining < runs[i].length { return (i, remaining) }
                remaining -= runs[i].length
            }
            preconditionFailure("visible counts out of step with the runs")
        }
        cachedRunIndex = index
        cachedRunStart = position - Int(offset)
        return Cursor(leaf: leaf, index: index, offset: offset)
    }

    private func forgetCachedRun() {
        cachedRunIndex = 0
        cachedRunStart = 0
    }

    /// Records that run `index` of `leaf` changed, or runs were inserted there: the runs
    /// after it may have moved, so a cached run past it is forgotten.
    func runsChanged(in leaf: TreeNode, at index: Int) {
        if leaf === cachedLeaf && index < cachedRunIndex { forgetCachedRun() }
    }

    /// The character with this id, or nil when no character has it.
    func cursor(of id: CharId) -> Cursor? {
        guard id.client >= 0, Int(id.client) < index.count, let indexed = index[Int(id.client)].leaf(for: id.seq) else {
            return nil
        }
        var candidate: TreeNode? = indexed
        while let leaf = candidate {
            if let i = leaf.runs.withUnsafeBufferPointer({ Self.index(of: id, in: $0) }) {
                let run = leaf.runs[i]
                if leaf !== indexed { index[Int(id.client)].assign(run.seq, run.seq + run.length, to: leaf) }
                return Cursor(leaf: leaf, index: i, offset: id.seq - run.seq)
            }
            candidate = leaf.next
        }
        return nil
    }

    /// The run of `runs` holding `id`: a plain loop over the buffer, since this runs for
    /// every anchor and origin looked up.
    private static func index(of id: CharId, in runs: UnsafeBufferPointer<Run>) -> Int? {
        for i in runs.indices where runs[i].contains(id) { return i }
        return nil
    }

    /// The number of characters, visible or deleted, before the cursor.
    func position(of cursor: Cursor) -> Int {
        var result = Int(cursor.offset)
        cursor.leaf.runs.withUnsafeBufferPointer { runs in
            for i in 0..<cursor.index { result += Int(runs[i].length) }
        }
        var node = cursor.leaf
        while let parent = node.parent {
            result += parent.total(before: node)
            node = parent
        }
        return result
    }

    /// The number of visible characters before the cursor.
    func visiblePosition(of cursor: Cursor) -> Int {
        var result = 0
        if !cursor.isEnd && !cursor.run.deleted { result = Int(cursor.offset) }
        for i in 0..<cursor.index { result += cursor.leaf.runs[i].visibleLength }
        var node = cursor.leaf
        while let parent = node.parent {
            for child in parent.children {
                if child === node { break }
                result += child.visible
            }
            node = parent
        }
        return result
    }

    /// The character just before the cursor, or `.none` at the start.
    func charBefore(_ cursor: Cursor) -> CharId {
        if cursor.offset > 0 {
            let run = cursor.leaf.runs[cursor.index]
            return CharId(client: run.client, seq: run.seq + cursor.offset - 1)
        }
        if cursor.index > 0 { return cursor.leaf.runs[cursor.index - 1].lastId }
        var leaf = cursor.leaf.prev
        while let current = leaf {
            if let last = current.runs.last { return last.lastId }
            leaf = current.prev
        }
        return .none
    }

    /// The id of the character at the cursor, or `.none` at the end.
    func charAt(_ cursor: Cursor) -> CharId {
        let cursor = normalized(cursor)
        if cursor.isEnd { return .none }
        let run = cursor.run
        return CharId(client: run.client, seq: run.seq + cursor.offset)
    }

    /// Moves a cursor off the end of a leaf onto the next leaf's first run.
    func normalized(_ cursor: Cursor) -> Cursor {
        var cursor = cursor
        while cursor.index == cursor.leaf.runs.count, let next = cursor.leaf.next {
            cursor = Cursor(leaf: next, index: 0, offset: 0)
        }
        return cursor
    }

    /// Moves `count` characters forward; `count` must not pass the end of the current run.
    func advance(_ cursor: inout Cursor, by count: Int32) {
        cursor.offset += count
        if cursor.offset >= cursor.leaf.runs[cursor.index].length {
            cursor.offset = 0
            cursor.index += 1
            cursor = normalized(cursor)
        }
    }

    // MARK: Changing the sequence

    /// Inserts `run` at `cursor`, growing the run just before it instead when `run`
    /// continues it (same client, next ids, next content, same right origin). Returns
    /// the place of the run that holds the new characters.
    @discardableResult
    func insert(_ run: Run, at cursor: Cursor) -> RunPlace {
        changes &+= 1
        let leaf = cursor.leaf
        let index: Int
        if cursor.offset == 0 {
            if cursor.index > 0 {
                if extend(leaf, at: cursor.index - 1, with: run) { return RunPlace(leaf: leaf, index: cursor.index - 1) }
            } else if var previous = leaf.prev {
                while previous.runs.isEmpty, let earlier = previous.prev { previous = earlier }
                if !previous.runs.isEmpty && extend(previous, at: previous.runs.count - 1, with: run) {
                    return RunPlace(leaf: previous, index: previous.runs.count - 1)
                }
            }
            runsChanged(in: leaf, at: cursor.index)
            leaf.runs.insert(run, at: cursor.index)
            index = cursor.index
        } else {
            runsChanged(in: leaf, at: cursor.index)
            let tail = leaf.runs[cursor.index].split(at: cursor.offset)
            leaf.runs.insert(tail, at: cursor.index + 1)
            leaf.runs.insert(run, at: cursor.index + 1)
            index = cursor.index + 1
        }
        assignIds(of: run, to: leaf)
        addCounts(leaf, visible: run.visibleLength, total: Int(run.length), prepared: run.preparedLength)
        if let (sibling, half) = splitIfNeeded(leaf), index >= half {
            return RunPlace(leaf: sibling, index: index - half)
        }
        return RunPlace(leaf: leaf, index: index)
    }

    /// Grows the visible run at `place` by `count` new ids and characters of its client,
    /// which must follow its last ones (typing on at its end, with nothing changed since
    /// `place` was found).
    func grow(_ place: RunPlace, by count: Int32) {
        changes &+= 1
        let leaf = place.leaf
        let i = place.index
        if leaf === cachedLeaf && i < cachedRunIndex { cachedRunStart += Int(count) }
        let end = leaf.runs[i].seq + leaf.runs[i].length
        leaf.runs[i].length += count
        index[Int(leaf.runs[i].client)].assign(end, end + count, to: leaf)
        addCounts(leaf, visible: Int(count), total: Int(count), prepared: leaf.runs[i].state == 1 ? Int(count) : 0)
    }

    private func extend(_ leaf: TreeNode, at i: Int, with run: Run) -> Bool {
        let previous = leaf.runs[i]
        guard previous.client == run.client, previous.seq + previous.length == run.seq,
            previous.content + previous.length == run.content, !previous.deleted, !run.deleted,
            run.origin == previous.lastId, run.rightOrigin == previous.rightOrigin, run.state == previous.state
        else { return false }
        // Typing on: the cached run after this one moves right by what was typed.
        if leaf === cachedLeaf && i < cachedRunIndex { cachedRunStart += Int(run.length) }
        leaf.runs[i].length += run.length
        index[Int(run.client)].assign(run.seq, run.seq + run.length, to: leaf)
        addCounts(leaf, visible: Int(run.length), total: Int(run.length), prepared: run.preparedLength)
        return true
    }

    /// Marks `count` characters from the cursor deleted; they must be visible and within
    /// the cursor's run.
    func markDeleted(at cursor: Cursor, count: Int32) {
        changes &+= 1
        let leaf = cursor.leaf
        let i = cursor.index
        addCounts(leaf, visible: -Int(count), total: 0, prepared: 0)
        // Backspace and Delete over typed text would leave one deleted run per character:
        // hand the characters to a deleted neighbour they continue instead.
        if moveTail(of: leaf, at: i, count: count, cursor: cursor) { return }
        if moveHead(of: leaf, at: i, count: count, cursor: cursor) { return }
        runsChanged(in: leaf, at: i)
        leaf.runs[isolate(cursor, count: count)].deleted = true
        splitIfNeeded(leaf)
    }

    /// Splits the cursor's run so that the `count` characters from the cursor (within
    /// the run) are a run of their own, and returns its index in the leaf.
    func isolate(_ cursor: Cursor, count: Int32) -> Int {
        let leaf = cursor.leaf
        var i = cursor.index
        if cursor.offset > 0 {
            let tail = leaf.runs[i].split(at: cursor.offset)
            i += 1
            leaf.runs.insert(tail, at: i)
        }
        if count < leaf.runs[i].length {
            let tail = leaf.runs[i].split(at: count)
            leaf.runs.insert(tail, at: i + 1)
        }
        return i
    }

    /// Deleting the end of a run whose deleted continuation follows it: the continuation
    /// takes the characters (it starts `count` ids earlier).
    private func moveTail(of leaf: TreeNode, at i: Int, count: Int32, cursor: Cursor) -> Bool {
        guard cursor.offset > 0, cursor.offset + count == leaf.runs[i].length, i + 1 < leaf.runs.count,
            leaf.runs[i + 1].deleted, leaf.runs[i].isContinued(by: leaf.runs[i + 1])
        else { return false }
        runsChanged(in: leaf, at: i)
        leaf.runs[i].length -= count
        leaf.runs[i + 1].seq -= count
        leaf.runs[i + 1].content -= count
        leaf.runs[i + 1].length += count
        leaf.runs[i + 1].origin = leaf.runs[i].lastId
        return true
    }

    /// Deleting the start of a run that continues a deleted run before it: that run takes
    /// the characters.
    private func moveHead(of leaf: TreeNode, at i: Int, count: Int32, cursor: Cursor) -> Bool {
        guard cursor.offset == 0, i > 0, leaf.runs[i - 1].deleted,
            leaf.runs[i - 1].isContinued(by: leaf.runs[i])
        else { return false }
        runsChanged(in: leaf, at: i - 1)
        leaf.runs[i - 1].length += count
        if count == leaf.runs[i].length {
            leaf.runs.remove(at: i)
        } else {
            leaf.runs[i].seq += count
            leaf.runs[i].content += count
            leaf.runs[i].length -= count
            leaf.runs[i].origin = leaf.runs[i - 1].lastId
        }
        return true
    }

    private func assignIds(of run: Run, to leaf: TreeNode) {
        let client = Int(run.client)
        while index.count <= client { index.append(LeafIndex()) }
        index[client].assign(run.seq, run.seq + run.length, to: leaf)
    }

    func addCounts(_ leaf: TreeNode, visible: Int, total: Int, prepared: Int) {
        if leaf !== cachedLeaf { cachedLeaf = nil }
        // The tree owns every node: walk up without reference counting.
        var node = Unmanaged.passUnretained(leaf)
        while true {
            let parent = node._withUnsafeGuaranteedRef { current -> Unmanaged<TreeNode>? in
                current.visible += visible
                current.total += total
                current.prepared += prepared
                return current.parentReference
            }
            guard let parent else { return }
            node = parent
        }
    }

    /// Splits a leaf that grew too big; returns the new right sibling and the index in
    /// the old leaf where its runs began.
    @discardableResult
    func splitIfNeeded(_ leaf: TreeNode) -> (sibling: TreeNode, half: Int)? {
        guard leaf.runs.count > Self.maxRuns else { return nil }
        let sibling = TreeNode(isLeaf: true)
        let half = leaf.runs.count / 2
        sibling.runs = Array(leaf.runs[half...])
        leaf.runs.removeSubrange(half...)
        if leaf === cachedLeaf && cachedRunIndex >= half { forgetCachedRun() }
        for run in sibling.runs {
            sibling.visible += run.visibleLength
            sibling.total += Int(run.length)
            sibling.prepared += run.preparedLength
        }
        leaf.visible -= sibling.visible
        leaf.total -= sibling.total
        leaf.prepared -= sibling.prepared
        sibling.next = leaf.next
        sibling.prev = leaf
        leaf.next?.prev = sibling
        leaf.next = sibling
        if lastLeaf === leaf { lastLeaf = sibling }
        attach(sibling, after: leaf)
        return (sibling, half)
    }

    /// Puts a node just split off `node` next to it in the parent, splitting upwards.
    private func attach(_ sibling: TreeNode, after node: TreeNode) {
        guard let parent = node.parent else {
            let newRoot = TreeNode(isLeaf: false)
            newRoot.children = [node, sibling]
            newRoot.visible = node.visible + sibling.visible
            newRoot.total = node.total + sibling.total
            newRoot.prepared = node.prepared + sibling.prepared
            node.parent = newRoot
            sibling.parent = newRoot
            root = newRoot
            return
        }
        parent.children.insert(sibling, at: node.indexInParent() + 1)
        sibling.parent = parent
        guard parent.children.count > Self.maxChildren else { return }
        let uncle = TreeNode(isLeaf: false)
        let half = parent.children.count / 2
        uncle.children = Array(parent.children[half...])
        parent.children.removeSubrange(half...)
        for child in uncle.children {
            child.parent = uncle
            uncle.visible += child.visible
            uncle.total += child.total
            uncle.prepared += child.prepared
        }
        parent.visible -= uncle.visible
        parent.total -= uncle.total
        parent.prepared -= uncle.prepared
        attach(uncle, after: parent)
    }

    /// Gives back spare room in the leaves' run arrays and the id index.
    func releaseSpareCapacity() {
        var leaf: TreeNode? = firstLeaf
        while let current = leaf {
            current.runs = current.runs.compacted()
            leaf = current.next
        }
        for c in index.indices {
            index[c].starts = index[c].starts.compacted()
            index[c].leaves = index[c].leaves.compacted()
        }
    }

    /// Every run in document order.
    func forEachRun(_ body: (Run) -> Void) {
        var leaf: TreeNode? = firstLeaf
        while let current = leaf {
            for run in current.runs { body(run) }
            leaf = current.next
        }
    }
}
