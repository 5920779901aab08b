/// A growable byte buffer that renderers write into without a check per byte: a writer
/// reserves room for the most a piece can take, then writes bytes unchecked. (An `Array`
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

    /// Forgets what was written, keeping the room.
    mutating func removeAll() { count = 0 }

    /// Forgets the last `n` bytes written.
    mutating func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= count)
        count -= n
    }

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

    /// A non-negative integer's decimal digits (one per op id of every block in JSON).
    mutating func appendDecimal(_ value: Int) {
        let magnitude = UInt(max(value, 0))
        let digits = decimalDigitCount(magnitude)
        reserve(digits)
        writeDecimalDigits(magnitude, endingAt: base + count + digits)
        count += digits
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(utf8Of text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        guard let source = bytes.baseAddress else { return }
        if bytes.count <= 8 {
            // Markup and separators are a few bytes: a call to memcpy costs more.
            for k in 0..<bytes.count { base[count + k] = source[k] }
        } else {
            (base + count).update(from: source, count: bytes.count)
        }
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

/// Writes `utf8` to `out` with each byte that `needsCare` flags written by `escape`
/// (which returns how many bytes it wrote); returns how many bytes were written. Sixteen
/// bytes are checked at once and copied as they are up to the first that needs care,
/// since most text needs little escaping (docs/benchmarks.md); only the last few bytes,
/// fewer than sixteen, go byte by byte. `needsCare` must compare vectors with vectors: a
/// scalar operand compiles to a loop over the lanes. `escape` sees only bytes
/// `needsCare` flags. Room in `out` for the input's length times the most `escape`
/// writes for one byte (at least one) is enough: a sixteen-byte store is only made while
/// sixteen input bytes are left, so it never reaches past that.
@inline(__always)
func writeEscaped(
    _ utf8: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>,
    needsCare: (SIMD16<UInt8>) -> SIMDMask<SIMD16<UInt8>.MaskStorage>,
    isPlain: (UInt8) -> Bool,
    escape: (UInt8, UnsafeMutablePointer<UInt8>) -> Int
) -> Int {
    guard let base = utf8.baseAddress else { return 0 }
    let raw = UnsafeRawPointer(base)
    let target = UnsafeMutableRawPointer(out)
    var n = 0
    var k = 0
    while k + 16 <= utf8.count {
        let sixteen = raw.loadUnaligned(fromByteOffset: k, as: SIMD16<UInt8>.self)
        // All sixteen are stored; only those before the first byte needing care count.
        target.storeBytes(of: sixteen, toByteOffset: n, as: SIMD16<UInt8>.self)
        let care = needsCare(sixteen)
        guard any(care) else {
            k += 16
            n += 16
            continue
        }
        let plain = laneBits(care).trailingZeroBitCount
        k += plain
        n += plain
        n += escape(base[k], out + n)
        k += 1
    }
    while k < utf8.count {
        let byte = base[k]
        if isPlain(byte) {
            out[n] = byte
            n += 1
        } else {
            n += escape(byte, out + n)
        }
        k += 1
    }
    return n
}

/// The lanes of `mask` as the low sixteen bits of an integer, lane 0 lowest.
@inline(__always)
func laneBits(_ mask: SIMDMask<SIMD16<UInt8>.MaskStorage>) -> UInt32 {
    let weights = SIMD16<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
    // A mask's lanes are all ones or all zeros: and-ing picks the weights. (`replacing`
    // compiles to a loop over the lanes.)
    let picked = unsafeBitCast(mask, to: SIMD16<UInt8>.self) & weights
    return UInt32(picked.lowHalf.wrappedSum()) | UInt32(picked.highHalf.wrappedSum()) << 8
}

/// How many decimal digits `value` has.
@inline(__always)
func decimalDigitCount(_ value: UInt) -> Int {
    var digits = 1
    var power: UInt = 10
    while digits < 20 && value >= power {
        digits += 1
        power = power &* 10
    }
    return digits
}

/// Writes `value`'s decimal digits so that the last lands just before `end`: unsigned
/// arithmetic and one division per digit, where making a `String` of each number cost
/// more than the rest of writing an op id.
@inline(__always)
func writeDecimalDigits(_ value: UInt, endingAt end: UnsafeMutablePointer<UInt8>) {
    var rest = value
    var at = end
    repeat {
        at -= 1
        at.pointee = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
        rest /= 10
    } while rest > 0
}
