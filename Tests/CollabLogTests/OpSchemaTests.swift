import CollabCore
import CollabLog
import CollabTestSupport
import Foundation
import Testing

/// The published JSON Schema (docs/op.schema.json) and the ops collab writes agree.
@Suite("op JSON Schema")
struct OpSchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func schema() throws -> JSONSchemaSubset {
        let bytes = try [UInt8](Data(contentsOf: repository.appendingPathComponent("docs/op.schema.json")))
        return JSONSchemaSubset(root: try JSONParser.parse(bytes))
    }

    static func lines(of path: String) throws -> [String] {
        let text = try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    @Test("every sample op matches the schema", arguments: ["samples/base.jsonl", "samples/alice.jsonl", "samples/bob.jsonl"])
    func samplesMatch(path: String) throws {
        let schema = try Self.schema()
        let lines = try Self.lines(of: path)
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(schema.violations(of: try JSONParser.parse(Array(line.utf8))) == [], "\(path): \(line)")
        }
    }

    @Test func opsTheEngineWritesMatch() throws {
        let doc = Document()
        try doc.insert("Hello, wörld 🙂", at: 0, by: "alice", timestamp: Timestamp(wall: 1_000, logical: 0))
        try doc.delete(at: 5, count: 1, by: "alice", timestamp: Timestamp(wall: 1_001, logical: 0))
        try doc.delete(at: 3, count: 1, by: "bob", timestamp: Timestamp(wall: 1_002, logical: 3))
        try doc.delete(at: 2, count: 1, by: "bob", timestamp: Timestamp(wall: 1_002, logical: 4))
        try doc.format(at: 0, count: 3, key: "bold", value: .bool(true), by: "carol", timestamp: Timestamp(wall: 1_003))
        try doc.format(at: 1, count: 2, key: "link", value: .string("https://example.com"), by: "carol", timestamp: Timestamp(wall: 1_004))
        try doc.format(at: 0, count: doc.length, key: "size", value: .int(2), by: "carol", timestamp: Timestamp(wall: 1_005))
        try doc.format(at: 0, count: 1, key: "bold", value: .null, by: "carol", timestamp: Timestamp(wall: 1_006))
        let comment = try doc.comment(at: 1, count: 3, text: "a question", by: "dave", timestamp: Timestamp(wall: 1_007))
        try doc.makeCommentOp(.add(start: nil, end: nil, replyTo: comment, text: "an answer"), by: "erin", timestamp: Timestamp(wall: 1_008))
        try doc.makeCommentOp(.edit(comment: comment, text: "a better question"), by: "dave", timestamp: Timestamp(wall: 1_009))
        try doc.makeCommentOp(.resolve(comment: comment, resolved: true), by: "erin", timestamp: Timestamp(wall: 1_010))
        try doc.makeCommentOp(.delete(comment: comment), by: "dave", timestamp: Timestamp(wall: 1_011))
        let block = try doc.insertBlock(at: 2, attributes: ["type": .string("heading"), "level": .int(2)], by: "fay", timestamp: Timestamp(wall: 1_012))
        try doc.makeBlockOp(.set(block: block, key: "type", value: .string("quote")), by: "fay", timestamp: Timestamp(wall: 1_013))
        try doc.makeBlockOp(.set(block: nil, key: "type", value: .string("heading")), by: "fay", timestamp: Timestamp(wall: 1_014))
        try doc.deleteBlock(block, by: "fay", timestamp: Timestamp(wall: 1_015))
        let schema = try Self.schema()
        for op in doc.history {
            #expect(schema.violations(of: try JSONParser.parse(Array(OpJSON.line(op).utf8))) == [])
        }
        #expect(doc.history.contains { OpJSON.line($0).contains("\"backward\":true") })
    }

    @Test(
        "lines the reader refuses for their shape, the schema refuses too",
        arguments: [
            #"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":5}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_move","timestamp":{"wall":1,"logical":0},"payload":{}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"format_set","timestamp":{"wall":1,"logical":0},"payload":{"start":null,"end":null,"key":"bold","value":1.5}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"format_set","timestamp":{"wall":1,"logical":0},"payload":{"start":{"clientId":"a","seq":0,"side":"inside"},"end":null,"key":"bold","value":true}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"format_set","timestamp":{"wall":1,"logical":0},"payload":{"start":null,"end":null,"key":"","value":true}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"format_set","timestamp":{"wall":1,"logical":0},"payload":{"start":null,"key":"bold","value":true}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"comment_add","timestamp":{"wall":1,"logical":0},"payload":{"start":null,"end":null,"replyTo":null,"text":""}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"comment_resolve","timestamp":{"wall":1,"logical":0},"payload":{"comment":{"clientId":"a","seq":0},"resolved":"yes"}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"comment_delete","timestamp":{"wall":1,"logical":0},"payload":{}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"block_insert","timestamp":{"wall":1,"logical":0},"payload":{"after":null,"before":null}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"block_set","timestamp":{"wall":1,"logical":0},"payload":{"block":null,"key":"type","value":[1]}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"block_delete","timestamp":{"wall":1,"logical":0},"payload":{"until":null}}"#,
            #"{"id":{"clientId":"a","seq":-1},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"x"}}"#,
            #"{"id":{"clientId":"","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"x"}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":""}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_delete","timestamp":{"wall":1,"logical":0},"payload":{"targets":[]}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_delete","timestamp":{"wall":1,"logical":0},"payload":{"targets":[{"clientId":"a","seq":0,"len":0}]}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1},"payload":{"text":"x"}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"x","colour":1}}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"x"},"extra":true}"#,
            #"{"id":{"clientId":"a","seq":0},"type":"text_delete","timestamp":{"wall":1,"logical":0},"payload":{"text":"x"}}"#,
        ])
    func refusedByBoth(line: String) throws {
        #expect(throws: OpFormatError.self) { try OpJSON.decode(line: Array(line.utf8)) }
        #expect(try Self.schema().violations(of: JSONParser.parse(Array(line.utf8))) != [])
    }
}
