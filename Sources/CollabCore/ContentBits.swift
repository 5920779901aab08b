/// Bit sets over the document's content buffer, a bit per scalar: which scalars are block
/// markers (`BlockTable`), which characters anchor a mark or a comment
/// (`FormattingSweep`). A walk over the runs checks each run a word at a time against
/// them instead of looking at its characters (docs/benchmarks.md, rich text).
enum ContentBits {
    /// No bit set: for a walk that checks one set only.
    static var none: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(start: nil, count: 0) }

    /// Whether scalar `index`'s bit is set; bits past the set's end read as clear.
    @inline(__always)
    static func contains(_ bits: UnsafeBufferPointer<UInt64>, _ index: Int) -> Bool {
        let word = index >> 6
        return word < bits.count && bits[word] >> UInt64(index & 63) & 1 != 0
    }

    /// Calls `body` with the offset (from `range`'s start) of each scalar in `range` whose
    /// bit is set in `a` or in `b`, in order. Most runs lie in one word and have no bit
    /// set: two loads, a shift and a mask decide them.
    @inline(__always)
    static func forEach(in a: UnsafeBufferPointer<UInt64>, _ b: UnsafeBufferPointer<UInt64>, range: Range<Int>, _ body: (Int) -> Void) {
        let lower = range.lowerBound
        let shift = lower & 63
        var word = lower >> 6
        // The bits of the range from its first scalar on, a word at a time.
        var left = range.count
        var bits = (Self.word(a, word) | Self.word(b, word)) >> UInt64(shift)
        var base = 0  // the offset of `bits`' lowest bit
        var width = 64 &- shift
        while true {
            if left < width { bits &= (1 << UInt64(left)) &- 1 }
            while bits != 0 {
                body(base &+ bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
            guard left > width else { return }
            left &-= width
            base &+= width
            word &+= 1
            bits = Self.word(a, word) | Self.word(b, word)
            width = 64
        }
    }

    @inline(__always)
    private static func word(_ bits: UnsafeBufferPointer<UInt64>, _ index: Int) -> UInt64 {
        index < bits.count ? bits[index] : 0
    }
}
