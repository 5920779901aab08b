/// Building a tree from runs in document order at once, for opening a checkpoint
/// without replaying the history that made it.
extension SequenceTree {
    /// Leaves are filled to this many runs, leaving room to grow before they split.
    static let bulkLeafRuns = 48

    convenience init(runs: [Run], clientCount: Int) {
        self.init()
        index = Array(repeating: LeafIndex(), count: clientCount)
        guard !runs.isEmpty else { return }
        var leaves: [TreeNode] = []
        var start = 0
        while start < runs.count {
            let leaf = TreeNode(isLeaf: true)
            leaf.runs = Array(runs[start..<min(start + Self.bulkLeafRuns, runs.count)])
            for run in leaf.runs {
                leaf.visible += run.visibleLength
                leaf.total += Int(run.length)
            }
            if let previous = leaves.last {
                previous.next = leaf
                leaf.prev = previous
            }
            leaves.append(leaf)
            start += Self.bulkLeafRuns
        }
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
                }
                parents.append(parent)
                k += Self.maxChildren
            }
            level = parents
        }
        setRoot(level[0], first: leaves[0], last: leaves[leaves.count - 1])
        // The id index: every run's ids, by client, in id order.
        var entries = Array(repeating: [(start: Int32, end: Int32, leaf: TreeNode)](), count: clientCount)
        for leaf in leaves {
            for run in leaf.runs { entries[Int(run.client)].append((run.seq, run.seq + run.length, leaf)) }
        }
        for client in 0..<clientCount {
            let sorted = entries[client].sorted { $0.start < $1.start }
            var starts: [Int32] = []
            var owners: [TreeNode] = []
            for entry in sorted where owners.last !== entry.leaf {
                starts.append(entry.start)
                owners.append(entry.leaf)
            }
            index[client] = LeafIndex(starts: starts, leaves: owners, limit: sorted.map(\.end).max() ?? 0)
        }
    }
}
