import CZstd
import Dispatch
import Synchronization

/// Whole-buffer zstd compression for op-batch columns and checkpoint sections.
enum Zstd {
    /// Level 15 for the op batches of bulk writes (imports, compactions), where size
    /// matters and the work is done once (a trace's log within 4% of level 19's, and its
    /// import within 150 ms: docs/benchmarks.md); a fast level for the small batches an
    /// append writes while a client waits.
    static func level(forSize size: Int) -> Int32 { size >= 16 << 10 ? 15 : 3 }

    static func compress(_ input: [UInt8], level: Int32) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { source in
                ZSTD_compress(out.baseAddress, bound, source.baseAddress, source.count, level)
            }
        }
        precondition(ZSTD_isError(written) == 0, "zstd compress failed: \(String(cString: ZSTD_getErrorName(written)))")
        output.removeSubrange(written...)
        return output
    }

    /// Each buffer compressed, or itself where that does not make it smaller (or it is
    /// too small to try). A bulk write's buffers are compressed on all cores at once.
    static func compressEach(_ buffers: [[UInt8]]) -> [[UInt8]] {
        let total = buffers.reduce(0) { $0 + $1.count }
        let level = level(forSize: total)
        @Sendable func stored(_ buffer: [UInt8]) -> [UInt8] {
            guard buffer.count > 32 else { return buffer }
            let compressed = compress(buffer, level: level)
            return compressed.count < buffer.count ? compressed : buffer
        }
        guard total >= 64 << 10 else { return buffers.map(stored) }
        var results = buffers
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: buffers.count) { index in slots[index] = stored(buffers[index]) }
        }
        return results
    }

    /// Inflates one frame into exactly `size` bytes; anything else (damage, a different
    /// size, bytes after the frame) fails.
    static func decompress(_ input: ArraySlice<UInt8>, size: Int) -> [UInt8]? {
        let context = idleContexts.withLock { $0.popLast() } ?? Context()
        defer { idleContexts.withLock { if $0.count < 8 { $0.append(context) } } }
        var output = [UInt8](repeating: 0, count: max(size, 1))
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { source in
                ZSTD_decompressDCtx(context.pointer, out.baseAddress, size, source.baseAddress, source.count)
            }
        }
        guard ZSTD_isError(written) == 0, written == size else { return nil }
        output.removeSubrange(size...)
        return output
    }

    /// A decompression context. Making one allocates some 100 KB, which glibc maps and
    /// unmaps each time, so opening a log would pay for it per column: they are kept
    /// (a few) for the next decompression.
    final class Context: @unchecked Sendable {
        let pointer: OpaquePointer

        init() { pointer = ZSTD_createDCtx()! }

        deinit { ZSTD_freeDCtx(pointer) }
    }

    private static let idleContexts = Mutex<[Context]>([])
}
