import CZlib

/// Whole-buffer zlib compression for op-batch and checkpoint payloads.
enum Zlib {
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var length = compressBound(UInt(input.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                compress2(out.baseAddress, &length, source.baseAddress, UInt(source.count), 6)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        output.removeSubrange(Int(length)...)
        return output
    }

    /// Inflates into exactly `size` bytes; anything else (damage, a different size) fails.
    static func decompress(_ input: ArraySlice<UInt8>, size: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var length = UInt(size)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                uncompress(out.baseAddress, &length, source.baseAddress, UInt(source.count))
            }
        }
        guard status == Z_OK, Int(length) == size else { return nil }
        output.removeSubrange(size...)
        return output
    }
}
