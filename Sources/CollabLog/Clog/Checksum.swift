import CZlib

/// The checksums of the `.clog` format: zlib's CRC-32 (the IEEE polynomial, as in gzip
/// and PNG) for records and the header, FNV-1a for the document id's hash.
package enum Checksum {
    package static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: CZlib.crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
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
