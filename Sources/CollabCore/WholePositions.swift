/// The positions of many characters among all characters (deleted ones included), found
/// without climbing the tree for each. One walk over the leaves notes where each starts;
/// a character's position is then its leaf's start plus the runs before it there, summed
/// in the same scan that finds its run. The formatting sweep places every mark and
/// comment anchor this way, once per rendering (docs/benchmarks.md, rich text).
struct WholePositions {
    private let tree: SequenceTree
    /// Open addressing on the leaf's address: (address, start) pairs, address 0 for a
    /// free slot. A `Dictionary` hashed each address through SipHash, which cost more
    /// than the scan of the leaf.
    private var slots: [(leaf: UInt, start: Int)]

    init(_ tree: SequenceTree) {
        self.tree = tree
        var leaves: [(leaf: UInt, start: Int)] = []
        var position = 0
        var leaf: TreeNode? = tree.firstLeaf
        while let current = leaf {
            leaves.append((Self.address(of: current), position))
            position += current.total
            leaf = current.next
        }
        var capacity = 16
        while capacity < 2 * leaves.count { capacity *= 2 }
        slots = Array(repeating: (0, 0), count: capacity)
        for entry in leaves {
            var slot = Self.slot(of: entry.leaf, mask: capacity - 1)
            while slots[slot].leaf != 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = entry
        }
    }

    private static func address(of leaf: TreeNode) -> UInt {
        UInt(bitPattern: ObjectIdentifier(leaf))
    }

    private static func slot(of address: UInt, mask: Int) -> Int {
        // Addresses are multiples of 16: a multiply spreads the high bits down.
        Int(truncatingIfNeeded: (address &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    /// Where `leaf` starts, or nil for a leaf not in the tree when this was made.
    private func start(of leaf: TreeNode) -> Int? {
        let address = Self.address(of: leaf)
        let mask = slots.count - 1
        var slot = Self.slot(of: address, mask: mask)
        while slots[slot].leaf != 0 {
            if slots[slot].leaf == address { return slots[slot].start }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The position of the character `id`; it must exist.
    func callAsFunction(_ id: CharId) -> Int {
        if let indexed = tree.leaf(indexedFor: id), let start = start(of: indexed) {
            let found: Int? = indexed.runs.withUnsafeBufferPointer { runs in
                var before = 0
                for run in runs {
                    if run.contains(id) { return start + before + Int(id.seq - run.seq) }
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
