@testable import CollabLog
import Testing

/// The byte buffer renderers write into: what it writes must read back as written,
/// whichever of its short or long paths a piece takes.
@Suite("Output bytes")
struct OutputBytesTests {
    @Test func decimalsAreWrittenAsSwiftWritesThem() {
        var values = [0, 1, 9, 10, 11, 99, 100, 101, 999_999, 1_000_000, Int(Int32.max), Int.max]
        var state: UInt64 = 7
        for _ in 0..<500 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int(state >> (1 + state % 63)))
        }
        for value in values {
            var out = OutputBytes(capacity: 1)
            out.append("id:")
            out.appendDecimal(value)
            #expect(out.string == "id:\(value)")
        }
    }

    @Test func appendsOfEveryLengthArriveWhole() {
        var out = OutputBytes(capacity: 1)
        var expected: [UInt8] = []
        for length in 0...40 {
            let piece = (0..<length).map { UInt8(ascii: "a") + UInt8(($0 + length) % 26) }
            piece.withUnsafeBufferPointer { out.append($0) }
            expected += piece
        }
        #expect(out.string == String(decoding: expected, as: UTF8.self))
    }
}
