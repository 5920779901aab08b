/// Building a tree from runs in document order at once, for opening a checkpoint
/// without replaying the history that made it.
extension SequenceTree {
    /// Leaves are filled to this many runs, leaving room to grow before they split.
    static let bulkLeafRuns = 48

    /// The tree of `runs`. `idOrder` holds, per client, `seq << 32 | index` of each of
    /// its runs, sorted: the runs' ids, in id order, for the id index.
    convenience init(runs: [Run], clientCount: Int, idOrder: [[UInt64]]) {
        self.init()
        var leaves: [TreeNode] = []
        leaves.reserveCapacity(runs.count / Self.bulkLeafRuns + 1)
        var start = 0
        while start < runs.count {
            let leaf = TreeNode(isLeaf: true)
            leaf.runs = Array(runs[start..<min(start + Self.bulkLeafRuns, runs.count)])
            for run in leaf.runs {
                leaf.visible += run.visibleLength
                leaf.total += Int(run.length)
                leaf.prepared += run.preparedLength
            }
            if let previous = leaves.last {
                previous.next = leaf
                leaf.prev = previous
            }
            leaves.append(leaf)
            start += Self.bulkLeafRuns
        }
        if !leaves.isEmpty {
            var level = leaves
            while level.count > 1 {
                var parents: [TreeNode] = []
                var k = 0
                while k < level.count {
                    let parent = TreeNode(isLeaf: false)
                    parent.children = Array(level[k..<min(k + Self.maxChildren, level.count)])
                    for child in parent.children {
                        child.parent = parent
                        parent.visible += child.visible
                        parent.total += child.total
                        parent.prepared += child.prepared
                    }
                    parents.append(parent)
                    k += Self.maxChildren
                }
                level = parents
            }
            setRoot(level[0], first: leaves[0], last: leaves[leaves.count - 1])
        }
        // Run i went to leaf i / bulkLeafRuns.
        index = idOrder.map { keys in
            var starts: [Int32] = []
            var owners: [TreeNode] = []
            var lastLeaf = -1
            for key in keys {
                let leaf = Int(key & 0xFFFF_FFFF) / Self.bulkLeafRuns
                guard leaf != lastLeaf else { continue }
                starts.append(Int32(key >> 32))
                owners.append(leaves[leaf])
                lastLeaf = leaf
            }
            let limit = keys.last.map { runs[Int($0 & 0xFFFF_FFFF)].seq + runs[Int($0 & 0xFFFF_FFFF)].length } ?? 0
            return LeafIndex(starts: starts, leaves: owners, limit: limit)
        }
    }
}
