/// A growable byte buffer that renderers write into without a check per byte: a writer
/// reserves room for the most a piece can take, then puts bytes unchecked. (An `Array`
/// append checks capacity and uniqueness for every byte, which was most of rendering.)
struct OutputBytes: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        let larger = max(needed, capacity * 2)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
    }

    /// Lets `body` write at most `limit` bytes straight into the buffer; it returns how
    /// many it wrote.
    @inline(__always)
    mutating func write(upTo limit: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(limit)
        count += body(base + count)
    }

    /// Puts a byte in room reserved before.
    @inline(__always)
    mutating func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Puts a code point's UTF-8 in room reserved before (up to 4 bytes).
    @inline(__always)
    mutating func putUTF8(_ value: UInt32) {
        count += writeScalarUTF8(value, to: base + count)
    }

    /// A non-negative integer's decimal digits.
    mutating func appendDecimal(_ value: Int) {
        var digits = 1
        var rest = max(value, 0)
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        reserve(digits)
        rest = max(value, 0)
        for k in stride(from: digits - 1, through: 0, by: -1) {
            base[count + k] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += digits
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        put(byte)
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Bytes `range` of what was written so far, appended again (a block's text).
    mutating func append(_ other: borrowing OutputBytes, range: Range<Int>) {
        reserve(range.count)
        (base + count).update(from: other.base + range.lowerBound, count: range.count)
        count += range.count
    }

    /// Each byte of `range` in `other`, through `transform` (which appends).
    func forEachByte(in range: Range<Int>, _ body: (UInt8) -> Void) {
        for k in range { body(base[k]) }
    }

    var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }
}

/// Writes a code point's UTF-8 at `out` and says how many bytes it took.
@inline(__always)
func writeScalarUTF8(_ value: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
    switch value {
    case 0..<0x80:
        out[0] = UInt8(truncatingIfNeeded: value)
        return 1
    case 0x80..<0x800:
        out[0] = UInt8(truncatingIfNeeded: 0xC0 | (value >> 6))
        out[1] = UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F))
        return 2
    case 0x800..<0x10000:
        out[0] = UInt8(truncatingIfNeeded: 0xE0 | (value >> 12))
        out[1] = UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F))
        out[2] = UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F))
        return 3
    default:
        out[0] = UInt8(truncatingIfNeeded: 0xF0 | (value >> 18))
        out[1] = UInt8(truncatingIfNeeded: 0x80 | ((value >> 12) & 0x3F))
        out[2] = UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F))
        out[3] = UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F))
        return 4
    }
}
