extension [UInt64] {
    /// Sorts keys by their high 32 bits (the low bits, ties, keep their order): LSD radix
    /// sort, a byte per pass, skipping bytes every key shares. For opening a checkpoint,
    /// where the comparison sort of run ids was a tenth of the time.
    mutating func sortByHighWord() {
        let n = count
        guard n > 1 else { return }
        var buffer = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 256)
        for shift in stride(from: UInt64(32), to: 64, by: 8) {
            var sorted = false
            withUnsafeMutableBufferPointer { keys in
                buffer.withUnsafeMutableBufferPointer { out in
                    counts.withUnsafeMutableBufferPointer { counts in
                        for i in 0..<256 { counts[i] = 0 }
                        for key in keys { counts[Int((key >> shift) & 0xFF)] += 1 }
                        if counts.contains(n) { return }  // one bucket holds every key
                        var total = 0
                        for i in 0..<256 {
                            let c = counts[i]
                            counts[i] = total
                            total += c
                        }
                        for key in keys {
                            let digit = Int((key >> shift) & 0xFF)
                            out[counts[digit]] = key
                            counts[digit] += 1
                        }
                        sorted = true
                    }
                }
            }
            if sorted { swap(&self, &buffer) }
        }
    }
}
