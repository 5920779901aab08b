#if canImport(Glibc)
import Glibc
#endif
/// A small JSON reader and writer: exact integers, byte offsets in errors, and no
/// Foundation round trips, because op logs are read and written line by line at speed.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The value as compact JSON text.
    public var compactText: String {
        var writer = JSONWriter()
        writer.value(self)
        return writer.text
    }

    /// The kind of value, as error messages name it.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "invalid JSON at byte \(offset + 1): \(message)" }
}

public struct JSONParser {
    /// The input, read through a buffer pointer: every read is guarded by `i < length`, so
    /// the per-byte bounds checks of an array would be paid twice. Valid only inside
    /// `withParser`, which keeps the array alive.
    private let bytes: UnsafeBufferPointer<UInt8>
    private let length: Int
    private var i = 0

    /// Runs `body` with a parser over `input`.
    static func withParser<Result, Failure: Error>(
        _ input: [UInt8], _ body: (inout JSONParser) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try input.withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in
            var parser = JSONParser(bytes: buffer)
            return try body(&parser)
        }
    }

    /// Parses one complete JSON value; trailing non-space bytes are an error.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try withParser(bytes) { (parser) throws(JSONSyntaxError) -> JSONValue in
            parser.skipSpace()
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.i == parser.length else { throw parser.error("unexpected text after the value") }
            return value
        }
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        length = bytes.count
    }

    /// The pull interface, for readers of large documents of a known shape (editing
    /// traces) that should not build a tree: look at the next byte, consume one, read a
    /// string or integer, or skip a value.
    @inline(__always)
    mutating func peek() throws(JSONSyntaxError) -> UInt8 {
        skipSpace()
        guard i < length else { throw error("unexpected end of input") }
        return bytes[i]
    }

    @inline(__always)
    mutating func consume(_ byte: UInt8) throws(JSONSyntaxError) {
        guard try peek() == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        i += 1
    }

    /// Consumes `byte` if it comes next.
    @inline(__always)
    mutating func take(_ byte: UInt8) throws(JSONSyntaxError) -> Bool {
        guard try peek() == byte else { return false }
        i += 1
        return true
    }

    mutating func readString() throws(JSONSyntaxError) -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        return try string()  // consumes the opening quote itself
    }

    /// The input bytes of the next string when it holds no escapes (quotes excluded,
    /// the string consumed); nil, with nothing consumed, when it does. For fields that
    /// repeat and need comparing more than decoding.
    mutating func readUnescapedString() throws(JSONSyntaxError) -> Range<Int>? {
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        var end = i + 1
        while end < length && bytes[end] != UInt8(ascii: "\"") && bytes[end] != UInt8(ascii: "\\") && bytes[end] >= 0x20 { end += 1 }
        guard end < length, bytes[end] == UInt8(ascii: "\"") else { return nil }
        defer { i = end + 1 }
        return (i + 1)..<end
    }

    /// Consumes the next string if it is byte for byte the earlier one at `previous` (a
    /// range `readUnescapedString` gave): a repeated field costs one comparison.
    mutating func skipString(sameAs previous: Range<Int>) throws(JSONSyntaxError) -> Bool {
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        let n = previous.count
        guard i + 1 + n < length, bytes[i + 1 + n] == UInt8(ascii: "\""),
            memcmp(bytes.baseAddress! + i + 1, bytes.baseAddress! + previous.lowerBound, n) == 0
        else { return false }
        i += n + 2
        return true
    }

    /// Input bytes, for ranges `readUnescapedString` gave.
    subscript(input range: Range<Int>) -> Slice<UnsafeBufferPointer<UInt8>> { bytes[range] }

    /// Reads an object key and returns which of `keys` it is (nil for another key),
    /// comparing bytes instead of making a String: readers of big files call this for
    /// every field.
    mutating func readKey(_ keys: [StaticString]) throws(JSONSyntaxError) -> Int? {
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a key") }
        let start = i + 1
        var end = start
        while end < length && bytes[end] != UInt8(ascii: "\"") && bytes[end] != UInt8(ascii: "\\") { end += 1 }
        guard end < length, bytes[end] == UInt8(ascii: "\"") else {
            // Escapes in the key: decode it properly and compare as text.
            let key = try string()
            return keys.firstIndex { $0.description == key }
        }
        i = end + 1
        let keyLength = end - start
        for index in keys.indices
        where keys[index].utf8CodeUnitCount == keyLength && memcmp(bytes.baseAddress! + start, keys[index].utf8Start, keyLength) == 0 {
            return index
        }
        return nil
    }

    mutating func readInteger() throws(JSONSyntaxError) -> Int64 {
        _ = try peek()
        // The common case, a short unsigned integer ending in a delimiter, without going
        // through a JSONValue; anything else takes the general path.
        var end = i
        var digits: Int64 = 0
        while end < length && end - i < 18, bytes[end] &- 0x30 < 10 {
            digits = digits * 10 + Int64(bytes[end] &- 0x30)
            end += 1
        }
        if end > i, end < length, bytes[i] != 0x30 || end - i == 1,
            bytes[end] == UInt8(ascii: ",") || bytes[end] == UInt8(ascii: "]") || bytes[end] == UInt8(ascii: "}")
        {
            i = end
            return digits
        }
        guard case .int(let value) = try value(depth: 0) else { throw error("expected an integer") }
        return value
    }

    var isAtEnd: Bool {
        mutating get {
            skipSpace()
            return i >= length
        }
    }

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: i, message: message) }

    @inline(__always)
    mutating func skipSpace() {
        // Compact JSON has no space between tokens: one comparison says so.
        guard i < length, bytes[i] <= 0x20 else { return }
        while i < length, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 512 else { throw error("nested too deeply") }
        // Pretty-printed input has space wherever JSON allows it, before a value too.
        skipSpace()
        guard i < length else { throw error("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var fields: [String: JSONValue] = [:]
            skipSpace()
            if i < length && bytes[i] == UInt8(ascii: "}") {
                i += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                guard i < length, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a field name") }
                let key = try string()
                skipSpace()
                guard i < length, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                skipSpace()
                guard fields[key] == nil else { throw error("duplicate field \"\(key)\"") }
                fields[key] = try value(depth: depth + 1)
                skipSpace()
                guard i < length else { throw error("unexpected end of input") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                } else if bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(fields)
                } else {
                    throw error("expected ',' or '}'")
                }
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < length && bytes[i] == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < length else { throw error("unexpected end of input") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                } else if bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(items)
                } else {
                    throw error("expected ',' or ']'")
                }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= length else { throw error("unexpected end of input") }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { throw error("unexpected character") }
        i += count
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = i
        var isInteger = true
        if i < length && bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < length, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
        guard i > digitsStart else {
            i = start
            throw error("unexpected character")
        }
        if bytes[digitsStart] == 0x30 && i - digitsStart > 1 { throw error("leading zero in a number") }
        if i < length && bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            let fraction = i
            while i < length, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            guard i > fraction else { throw error("expected digits after '.'") }
        }
        if i < length && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            isInteger = false
            i += 1
            if i < length && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            let exponent = i
            while i < length, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            guard i > exponent else { throw error("expected digits in the exponent") }
        }
        if isInteger && i - digitsStart <= 18 {
            // Up to 18 digits cannot overflow: add them up without making a String.
            var value: Int64 = 0
            for k in digitsStart..<i { value = value * 10 + Int64(bytes[k] - 0x30) }
            return .int(digitsStart > start ? -value : value)
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw error("number out of range") }
        return .double(value)
    }

    /// Bytes as a String: ASCII needs no validation (the common case, and much cheaper
    /// than the generic validating initializer); anything else is validated.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        var ascii = true
        for byte in slice where byte >= 0x80 {
            ascii = false
            break
        }
        return ascii ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        i += 1  // the opening quote
        let start = i
        // Fast path: no escapes.
        while i < length {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                let text = Self.text(bytes, start..<i)
                guard let text else { throw error("invalid UTF-8 in a string") }
                i += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in a string") }
            i += 1
        }
        var utf8 = Array(bytes[start..<i])
        while i < length {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: utf8, as: UTF8.self) else { throw error("invalid UTF-8 in a string") }
                i += 1
                return text
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                utf8.append(byte)
                i += 1
                continue
            }
            i += 1
            guard i < length else { break }
            let escape = bytes[i]
            i += 1
            switch escape {
            case UInt8(ascii: "\""): utf8.append(0x22)
            case UInt8(ascii: "\\"): utf8.append(0x5C)
            case UInt8(ascii: "/"): utf8.append(0x2F)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if code >= 0xD800 && code < 0xDC00 {
                    guard i + 1 < length, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if code >= 0xDC00 && code < 0xE000 {
                    throw error("unpaired surrogate")
                }
                appendUTF8(code, to: &utf8)
            default:
                throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= length else { throw error("unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[i]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }
}

func appendUTF8(_ value: UInt32, to bytes: inout [UInt8]) {
    switch value {
    case 0..<0x80:
        bytes.append(UInt8(value))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | (value >> 6)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | (value >> 12)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    default:
        bytes.append(UInt8(0xF0 | (value >> 18)))
        bytes.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    }
}

/// Appends JSON text to a byte buffer.
public struct JSONWriter {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func int(_ value: some BinaryInteger) {
        guard let number = Int(exactly: value) else { return bytes.append(contentsOf: String(value).utf8) }
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        let digits = decimalDigitCount(number.magnitude)
        let end = bytes.count + digits
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        bytes.withUnsafeMutableBufferPointer { writeDecimalDigits(number.magnitude, endingAt: $0.baseAddress! + end) }
    }

    /// `[` the items, apart by commas, `]`.
    public mutating func list<Item>(_ items: some Sequence<Item>, _ write: (inout JSONWriter, Item) -> Void) {
        raw("[")
        var first = true
        for item in items {
            if !first { raw(",") }
            first = false
            write(&self, item)
        }
        raw("]")
    }

    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most text needs no escape: copy it whole.
        var value = value
        let copied = value.withUTF8 { utf8 -> Bool in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if copied {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): flag ? raw("true") : raw("false")
        case .int(let number): int(number)
        case .double(let number): bytes.append(contentsOf: "\(number)".utf8)
        case .string(let text): string(text)
        case .array(let items):
            raw("[")
            for (k, item) in items.enumerated() {
                if k > 0 { raw(",") }
                self.value(item)
            }
            raw("]")
        case .object(let fields):
            raw("{")
            for (k, key) in fields.keys.sorted().enumerated() {
                if k > 0 { raw(",") }
                string(key)
                raw(":")
                self.value(fields[key]!)
            }
            raw("}")
        }
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
