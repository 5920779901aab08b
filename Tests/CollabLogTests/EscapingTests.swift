@testable import CollabLog
import PropertyBased
import Testing

/// The renderers escape text sixteen bytes at a time (`writeEscaped`): whatever the
/// length and wherever the characters that need escaping fall, the output must be what
/// escaping byte by byte gives.
@Suite("Escaping")
struct EscapingTests {
    /// Mostly plain text, with each format's special characters and multi-byte UTF-8.
    static let alphabet: [UInt8] = Array("aaaabbbbcccc  *_`[]<>#&\"\\\n\t|".utf8) + [0x01, 0xC3, 0xA9]

    /// Escapes `#`, `*` and `\` as the markdown writer does, and `&` as an entity.
    static func escaped(_ bytes: [UInt8], fast: Bool) -> [UInt8] {
        func isPlain(_ byte: UInt8) -> Bool { byte != 0x23 && byte != 0x2A && byte != 0x5C && byte != 0x26 }
        func escape(_ byte: UInt8, _ to: UnsafeMutablePointer<UInt8>) -> Int {
            if byte == 0x26 {
                for (k, entity) in "&amp;".utf8.enumerated() { to[k] = entity }
                return 5
            }
            to[0] = 0x5C
            to[1] = byte
            return 2
        }
        guard fast else {
            var out: [UInt8] = []
            for byte in bytes {
                if isPlain(byte) { out.append(byte) } else { withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8) { out += $0.prefix(escape(byte, $0.baseAddress!)) } }
            }
            return out
        }
        return bytes.withUnsafeBufferPointer { utf8 in
            [UInt8](unsafeUninitializedCapacity: utf8.count * 5) { out, count in
                count = writeEscaped(utf8, to: out.baseAddress!) { sixteen in
                    typealias Lanes = SIMD16<UInt8>
                    return (sixteen .== Lanes(repeating: 0x23)) .| (sixteen .== Lanes(repeating: 0x2A))
                        .| (sixteen .== Lanes(repeating: 0x5C)) .| (sixteen .== Lanes(repeating: 0x26))
                } isPlain: { isPlain($0) } escape: { escape($0, $1) }
            }
        }
    }

    @Test func sixteenAtATimeEscapesAsByteByByteDoes() async {
        let text = Gen.int(in: 0...(Self.alphabet.count - 1)).map { Self.alphabet[$0] }.array(of: 0...90)
        await propertyCheck(count: 400, input: text) { bytes in
            #expect(Self.escaped(bytes, fast: true) == Self.escaped(bytes, fast: false))
        }
    }

    @Test func cleanTextOfEveryLengthIsCopiedWhole() {
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            #expect(Self.escaped(bytes, fast: true) == bytes)
        }
    }
}
