import CCRC32
import CZlib

/// The checksums of the `.clog` format: zlib's CRC-32 (the IEEE polynomial, as in gzip
/// and PNG) for records and the header, FNV-1a for the document id's hash.
package enum Checksum {
    /// Whether the CPU can fold the CRC with carry-less multiplication, several times
    /// faster than zlib's tables on a long record.
    static let folds = collab_crc32_fold_available() != 0

    package static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc: UInt = 0
            var done = 0
            if folds && buffer.count >= 128 {
                done = buffer.count & ~15
                crc = UInt(collab_crc32_fold(0, buffer.baseAddress, done))
            }
            return UInt32(truncatingIfNeeded: zlibCRC32(crc, buffer.baseAddress.map { $0 + done }, buffer.count - done))
        }
    }

    /// zlib's table-driven CRC-32, continuing `crc`: the reference the folded one is
    /// tested against, and what checks short records and the rest of long ones.
    static func zlibCRC32(_ crc: UInt, _ bytes: UnsafePointer<UInt8>?, _ count: Int) -> UInt {
        CZlib.crc32(crc, bytes, UInt32(count))
    }

    package static func crc32(_ bytes: [UInt8]) -> UInt32 { crc32(bytes[...]) }

    /// 64-bit FNV-1a of the UTF-8 bytes.
    package static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
