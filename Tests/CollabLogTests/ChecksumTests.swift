import CollabTestSupport
import Testing

@testable import CollabLog

/// Records are checked with CRC-32 folded by carry-less multiplication when the CPU can;
/// it must be zlib's CRC-32 exactly, or every log written before would read as damaged.
@Suite struct ChecksumTests {
    @Test func theFoldedCRCIsZlibsForEveryLengthAndAlignment() {
        var random = SplitMix(seed: 42)
        let bytes = (0..<5_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        func zlib(_ slice: ArraySlice<UInt8>) -> UInt32 {
            slice.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: Checksum.zlibCRC32(0, $0.baseAddress, $0.count)) }
        }
        for start in 0..<17 {
            for length in Array(0..<300) + [511, 512, 513, 1_023, 1_024, 4_095, 4_096, 4_983 - start] {
                let slice = bytes[start..<(start + length)]
                #expect(Checksum.crc32(slice) == zlib(slice), "start \(start), length \(length)")
            }
        }
        // The check value of the CRC-32 catalogue.
        #expect(Checksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Checksum.crc32(Array(repeating: UInt8(0x61), count: 1_000)) == zlib(Array(repeating: UInt8(0x61), count: 1_000)[...]))
    }
}
