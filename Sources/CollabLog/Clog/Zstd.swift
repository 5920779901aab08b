import CZstd

/// Whole-buffer zstd compression for op-batch columns and checkpoint sections.
enum Zstd {
    /// Level 19 for bulk writes (imports, compactions, checkpoints of long documents),
    /// where size matters and the work is done once; a fast level for the small batches
    /// an append writes while a client waits.
    static func level(forSize size: Int) -> Int32 { size >= 16 << 10 ? 19 : 3 }

    static func compress(_ input: [UInt8], level: Int32? = nil) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { source in
                ZSTD_compress(out.baseAddress, bound, source.baseAddress, source.count, level ?? Self.level(forSize: input.count))
            }
        }
        precondition(ZSTD_isError(written) == 0, "zstd compress failed: \(String(cString: ZSTD_getErrorName(written)))")
        output.removeSubrange(written...)
        return output
    }

    /// Inflates one frame into exactly `size` bytes; anything else (damage, a different
    /// size, bytes after the frame) fails.
    static func decompress(_ input: ArraySlice<UInt8>, size: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: max(size, 1))
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { source in
                ZSTD_decompress(out.baseAddress, size, source.baseAddress, source.count)
            }
        }
        guard ZSTD_isError(written) == 0, written == size else { return nil }
        output.removeSubrange(size...)
        return output
    }
}
