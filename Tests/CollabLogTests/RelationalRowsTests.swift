import CollabCore
import CollabLog
import Testing

/// Rows with a `vector_clock` are read against the version the clock names.
@Suite struct RelationalRowsTests {
    static func row(_ id: Int, _ type: String, _ position: String, _ content: String?, _ author: String, clock: String?) -> String {
        let contentJSON = content.map { "\"\($0)\"" } ?? "null"
        let clockJSON = clock.map { ",\"vector_clock\":{\($0)}" } ?? ""
        return #"{"id":\#(id),"document_id":"d","operation_type":"\#(type)","position":\#(position),"content":\#(contentJSON),"author_id":"\#(author)","timestamp":"2026-12-01T10:00:0\#(id)Z"\#(clockJSON)}"#
    }

    static func text(of rows: [String]) throws -> String {
        let read = try RelationalRows.read(Array((rows.joined(separator: "\n") + "\n").utf8), path: "rows.jsonl", skipInvalid: false)
        return try Document(ops: read.documents[0].ops).text
    }

    /// Two authors' rows, made concurrently.
    static let concurrentRows = [
        row(1, "insert", "0", "The cat sat", "ann", clock: #""ann":1"#),
        // Bob has seen ann's first row.
        row(2, "insert", "0", "Look: ", "bob", clock: #""ann":1,"bob":1"#),
        // Ann has not seen bob's row: her 4 is before "cat" in "The cat sat".
        row(3, "insert", "4", "black ", "ann", clock: #""ann":2"#),
        // Bob has not seen ann's second row: "cat" is at 10 in "Look: The cat sat".
        row(4, "delete", #"{"index":10,"length":3}"#, "cat", "bob", clock: #""ann":1,"bob":2"#),
    ]

    @Test func concurrentRowsLandWhereTheirAuthorsMeantThem() throws {
        let rows = Self.concurrentRows
        #expect(try Self.text(of: rows) == "Look: The black  sat")
        // Read linearly, the same positions name other characters.
        let linear = rows.map { $0.replacingOccurrences(of: #","vector_clock":\{[^}]*\}"#, with: "", options: .regularExpression) }
        #expect(try Self.text(of: Array(linear.prefix(3))) == "Look" + "black " + ": The cat sat")
    }

    @Test func aClockNamingRowsThatDoNotComeBeforeIsBadData() throws {
        let first = Self.row(1, "insert", "0", "abc", "ann", clock: #""ann":1"#)
        for clock in [#""ann":1,"carol":1"#, #""ann":3,"bob":1"#] {
            let rows = [first, Self.row(2, "insert", "0", "x", "bob", clock: clock)]
            #expect(throws: LogError.self) { try Self.text(of: rows) }
        }
        // The deleted text is checked at the row's version.
        let rows = [first, Self.row(2, "insert", "0", "zz", "bob", clock: #""ann":1,"bob":1"#),
                    Self.row(3, "delete", #"{"index":0,"length":2}"#, "zz", "ann", clock: #""ann":2"#)]
        #expect(throws: LogError.self) { try Self.text(of: rows) }
    }

    @Test func exportedRowsReadBackToTheSameText() throws {
        let rows = Self.concurrentRows
        let read = try RelationalRows.read(Array((rows.joined(separator: "\n") + "\n").utf8), path: "rows.jsonl", skipInvalid: false)
        let exported = RelationalRows.encode(documentId: "d", ops: read.documents[0].ops)
        let again = try RelationalRows.read(exported, path: "export.jsonl", skipInvalid: false)
        #expect(try Document(ops: again.documents[0].ops).text == "Look: The black  sat")
        #expect(String(decoding: exported, as: UTF8.self).contains(#""vector_clock":{"ann":2,"bob":2}"#))
    }
}
