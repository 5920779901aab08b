/// The positions of many characters among all characters (deleted ones included), found
/// without climbing the tree for each. One walk over the leaves notes where each starts;
/// a character's position is then its leaf's start plus the runs before it there, summed
/// in the same scan that finds its run. The formatting sweep places every mark and
/// comment anchor this way: a lookup and a climb each cost it more than the rest of
/// setting up (docs/benchmarks.md, rich text).
struct WholePositions {
    private let tree: SequenceTree
    private var leafStarts: [ObjectIdentifier: Int] = [:]

    init(_ tree: SequenceTree) {
        self.tree = tree
        var position = 0
        var leaf: TreeNode? = tree.firstLeaf
        while let current = leaf {
            leafStarts[ObjectIdentifier(current)] = position
            position += current.total
            leaf = current.next
        }
    }

    /// The position of the character `id`; it must exist.
    func callAsFunction(_ id: CharId) -> Int {
        if let indexed = tree.leaf(indexedFor: id), let start = leafStarts[ObjectIdentifier(indexed)] {
            let found: Int? = indexed.runs.withUnsafeBufferPointer { runs in
                var before = 0
                for run in runs {
                    if run.client == id.client && UInt32(bitPattern: id.seq &- run.seq) < UInt32(bitPattern: run.length) {
                        return start + before + Int(id.seq - run.seq)
                    }
                    before += Int(run.length)
                }
                return nil
            }
            if let found { return found }
        }
        // The index points at a leaf the id has since moved on from: the general way.
        return tree.position(of: tree.cursor(of: id)!)
    }
}
