import CollabCore
import CollabLog
import Testing

@Suite("JSON-lines op form")
struct OpJSONTests {
    @Test func insertAndDeleteRoundTrip() throws {
        let doc = Document()
        try doc.insert("tab\t\"quote\" ünï🙂\n", at: 0, by: "alice/laptop", timestamp: Timestamp(wall: 1_732_262_400_123, logical: 2))
        try doc.delete(at: 3, count: 2, by: "bob", timestamp: Timestamp(wall: 1_732_262_400_200))
        for op in doc.history {
            let line = OpJSON.line(op)
            #expect(try OpJSON.decode(line: Array(line.utf8)) == op)
        }
    }

    @Test(
        "malformed ops are refused with the offending field",
        arguments: [
            (#"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"after":null,"before":null,"text":5}}"#, "payload.text: expected a string, found a number"),
            (#"{"id":{"clientId":"a","seq":0},"type":"text_move","timestamp":{"wall":1,"logical":0},"payload":{}}"#, "type: unknown op type \"text_move\" (known: text_insert, text_delete, format_set, comment_add, comment_edit, comment_resolve, comment_delete, block_insert, block_set, block_delete, block_move)"),
            (#"{"id":{"clientId":"a","seq":-1},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"x"}}"#, "id.seq: -1 is out of range 0...2147483647"),
            (#"{"id":{"clientId":"a","seq":0},"type":"text_delete","timestamp":{"wall":1,"logical":0},"payload":{"targets":[]}}"#, "payload.targets: expected a non-empty array"),
            (#"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1},"payload":{"text":"x"}}"#, "timestamp.logical: missing"),
            (#"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"x","colour":1}}"#, "payload.colour: unknown field"),
            (#"{"id":{"clientId":"a","seq":0},"type":"text_ins"#, "invalid JSON at byte 48: unterminated string"),
        ])
    func malformed(line: String, message: String) {
        #expect(throws: OpFormatError.self) { try OpJSON.decode(line: Array(line.utf8)) }
        do {
            _ = try OpJSON.decode(line: Array(line.utf8))
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func jsonLinesErrorsNameTheLine() throws {
        let text = "\n" + #"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"x"}}"# + "\n{oops}\n"
        #expect(throws: LogError.self) { try JSONLines.decode(Array(text.utf8), path: "in.jsonl") }
        do {
            _ = try JSONLines.decode(Array(text.utf8), path: "in.jsonl")
        } catch {
            #expect(error.description.hasPrefix("in.jsonl: line 3: invalid JSON"))
        }
    }

    @Test func isoTimesRoundTrip() {
        #expect(ISO8601.milliseconds("1970-01-01T00:00:00Z") == 0)
        #expect(ISO8601.milliseconds("2024-11-22T08:00:00.123Z") == 1_732_262_400_123)
        #expect(ISO8601.milliseconds("2024-11-22T09:00:00.123+01:00") == 1_732_262_400_123)
        #expect(ISO8601.format(milliseconds: 1_732_262_400_123) == "2024-11-22T08:00:00.123Z")
        #expect(ISO8601.milliseconds("not a time") == nil)
    }

    @Test func integersAreWrittenAsSwiftWritesThem() {
        var values: [Int] = [0, 1, -1, 9, 10, -10, 99, 100, Int.max, Int.min, Int(Int32.min)]
        var state: UInt64 = 3
        for _ in 0..<300 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int(bitPattern: UInt(state)) >> Int(state % 63))
        }
        for value in values {
            var writer = JSONWriter()
            writer.int(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
        }
        var writer = JSONWriter()
        writer.int(UInt64.max)  // past Int: written the general way
        writer.int(Int8(-5))
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "18446744073709551615-5")
    }

    @Test func isoTimesOfEveryEraReadBack() {
        // Years 0 to 9999, the ones written digit by digit into the string.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let milliseconds = -62_000_000_000_000 + Int64(state >> 16) % 315_000_000_000_000
            let text = ISO8601.format(milliseconds: milliseconds)
            #expect(ISO8601.milliseconds(text) == milliseconds, "\(milliseconds) written as \(text)")
        }
        #expect(ISO8601.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601.format(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(ISO8601.format(milliseconds: 253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
    }
}
