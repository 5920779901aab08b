/// Little-endian integers and LEB128 varints, for the `.clog` format (docs/format.md).
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func varint(_ value: Int) {
        precondition(value >= 0, "unsigned varint of a negative number")
        varint(UInt64(value))
    }

    /// Zigzag: small negative and positive numbers both stay short.
    mutating func signedVarint(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        varint(utf8.count)
        bytes.append(contentsOf: utf8)
    }
}

/// Why bytes could not be decoded: where, and what was expected.
package struct DecodeError: Error, CustomStringConvertible {
    var offset: Int
    var reason: String
    package var description: String { "byte \(offset): \(reason)" }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked and fails with an offset.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], from offset: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    var isAtEnd: Bool { offset >= end }

    @inline(__always)
    mutating func u8() throws(DecodeError) -> UInt8 {
        guard offset < end else { throw DecodeError(offset: offset, reason: "unexpected end of data") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DecodeError) -> UInt16 {
        UInt16(try u8()) | UInt16(try u8()) << 8
    }

    mutating func u32() throws(DecodeError) -> UInt32 {
        var value: UInt32 = 0
        for shift in stride(from: 0, to: 32, by: 8) { value |= UInt32(try u8()) << UInt32(shift) }
        return value
    }

    mutating func u64() throws(DecodeError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(try u8()) << UInt64(shift) }
        return value
    }

    @inline(__always)
    mutating func varint() throws(DecodeError) -> UInt64 {
        // Most values are small: one byte, no loop.
        if offset < end, bytes[offset] < 0x80 {
            defer { offset += 1 }
            return UInt64(bytes[offset])
        }
        return try longVarint()
    }

    mutating func longVarint() throws(DecodeError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                // The tenth byte may only add the 64th bit.
                guard shift < 63 || byte <= 1 else { break }
                return value
            }
            shift += 7
            guard shift < 64 else { break }
        }
        throw DecodeError(offset: start, reason: offset >= end && shift < 64 ? "unexpected end of data" : "varint too long")
    }

    /// A varint that must fit `limit`: counts, lengths and indexes.
    @inline(__always)
    mutating func count(max limit: Int) throws(DecodeError) -> Int {
        let start = offset
        let value = try varint()
        // A negative limit (an index into an empty table) admits nothing.
        guard limit >= 0, value <= UInt64(limit) else { throw DecodeError(offset: start, reason: "\(value) exceeds \(limit)") }
        return Int(value)
    }

    @inline(__always)
    mutating func signedVarint() throws(DecodeError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func bytes(_ count: Int) throws(DecodeError) -> ArraySlice<UInt8> {
        guard count <= end - offset else { throw DecodeError(offset: offset, reason: "unexpected end of data") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func string(maxBytes: Int) throws(DecodeError) -> String {
        let start = offset
        let length = try count(max: maxBytes)
        let raw = try bytes(length)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw DecodeError(offset: start, reason: "invalid UTF-8")
        }
        return text
    }
}
