import Foundation
import Testing

/// Every output format of `collab materialize` on every sample, against the files checked
/// in under samples/expected (regenerate them with `collab materialize samples/NAME.jsonl
/// --format F -o samples/expected/NAME.EXT` after a deliberate change, and read the diff).
@Suite("output formats")
struct OutputFormatTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["base", "alice", "bob", "rich"], [("text", "txt"), ("markdown", "md"), ("html", "html"), ("json", "json")])
    func sampleMatchesItsExpectedFile(sample: String, format: (name: String, ext: String)) throws {
        let log = Self.repository.appendingPathComponent("samples/\(sample).jsonl").path
        let result = try CLI.run(["materialize", log, "--format", format.name], in: try CLI.scratch())
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try String(contentsOf: Self.repository.appendingPathComponent("samples/expected/\(sample).\(format.ext)"), encoding: .utf8)
        #expect(result.stdout == expected)
    }

    @Test func blocksFromTheShell() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "Title"], in: dir)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "block", "0", "heading", "level=2"], in: dir).status == 0)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "block", "5", "quote"], in: dir).status == 0)
        try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "6", "Said & done"], in: dir)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Title\nSaid & done")
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "markdown"], in: dir).stdout == "## Title\n\n> Said \\& done\n")
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "html"], in: dir).stdout == "<h2>Title</h2>\n<blockquote><p>Said &amp; done</p></blockquote>\n")
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "set-block", "8", "type=\"paragraph\""], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "html"], in: dir).stdout == "<h2>Title</h2>\n<p>Said &amp; done</p>\n")
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "delete-block", "8"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Title")
    }

    @Test func tablesNestRowsAndCellsByTheirOrder() throws {
        let dir = try CLI.scratch()
        let edits = [
            "insert", "0", "Plan", "--then", "block", "4", "table", "--then", "block", "5", "row", "--then", "block", "6", "cell",
            "--then", "insert", "7", "Task", "--then", "block", "11", "cell", "--then", "insert", "12", "Owner", "--then", "block", "17",
            "row", "--then", "block", "18", "cell", "--then", "insert", "19", "Tag | build", "--then", "block", "30", "cell", "--then",
            "insert", "31", "alice", "--then", "block", "36", "paragraph", "--then", "insert", "37", "Done.",
        ]
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a"] + edits, in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "markdown"], in: dir).stdout
            == "Plan\n\n| Task | Owner |\n| --- | --- |\n| Tag \\| build | alice |\n\nDone.\n")
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "html"], in: dir).stdout
            == "<p>Plan</p>\n<table>\n<tr><th>Task</th><th>Owner</th></tr>\n<tr><td>Tag | build</td><td>alice</td></tr>\n</table>\n<p>Done.</p>\n")
        let json = try CLI.run(["materialize", "doc.clog", "--format", "json"], in: dir).stdout
        #expect(json.contains(#""type":"table","attributes":{},"runs":[],"rows":[{"id":"a:5","type":"row","attributes":{},"cells":[{"id":"a:6","type":"cell""#), "\(json)")
        // Deleting the second row takes its cells with it.
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "delete-block", "17"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "markdown"], in: dir).stdout
            == "Plan\n\n| Task | Owner |\n| --- | --- |\n\nDone.\n")
        // As relational rows, blocks are line breaks and a deleted block is delete rows:
        // the rows rebuild the same plain text.
        let rows = try CLI.run(["export", "doc.clog", "--format", "rows"], in: dir)
        try dir.write("rows.jsonl", rows.stdout)
        #expect(try CLI.run(["import", "--format", "rows", "rows.jsonl", "-o", "back.clog"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "back.clog"], in: dir).stdout == (try CLI.run(["materialize", "doc.clog"], in: dir).stdout))
    }

    @Test func blocksMoveFromTheShellAndConcurrentMovesLeaveOneCopy() throws {
        let dir = try CLI.scratch()
        // "Intro" and the blocks One, Two, Three.
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "Intro"], in: dir).status == 0)
        for word in ["One", "Two", "Three"] {
            let length = try CLI.run(["materialize", "doc.clog"], in: dir).stdout.unicodeScalars.count
            #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "block", "\(length)", "paragraph", "--then", "insert", "\(length + 1)", word], in: dir).status == 0)
        }
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Intro\nOne\nTwo\nThree")
        let base = try CLI.run(["log", "doc.clog", "--json"], in: dir).stdout.split(separator: "\n").count
        // Two offline moves of "Three" from the same base: the later one wins, one copy.
        #expect(try CLI.run(["edit", "doc.clog", "--client", "b", "--base", "@\(base)", "move-block", "16", "0"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Intro\nThree\nOne\nTwo")
        let later = try CLI.run(["edit", "doc.clog", "--client", "c", "--base", "@\(base)", "move-block", "16", "7"], in: dir)
        #expect(later.status == 0, "\(later.stderr)")
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Intro\nOne\nThree\nTwo")
        // Positions count in the order shown: typing at the end of "Three".
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "15", "!"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "markdown"], in: dir).stdout == "Intro\n\nOne\n\nThree!\n\nTwo\n")
        // The relational rows carry a move as its text deleted and typed again.
        let rows = try CLI.run(["export", "doc.clog", "--format", "rows"], in: dir)
        try dir.write("rows.jsonl", rows.stdout)
        #expect(try CLI.run(["import", "--format", "rows", "rows.jsonl", "-o", "back.clog"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "back.clog"], in: dir).stdout == "Intro\nOne\nThree!\nTwo")
        // And a checkpoint keeps them.
        #expect(try CLI.run(["checkpoint", "doc.clog"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Intro\nOne\nThree!\nTwo")
    }

    @Test func severalEditsAreOneTransaction() throws {
        let dir = try CLI.scratch()
        let made = try CLI.run(
            ["edit", "doc.clog", "--client", "a", "insert", "0", "Hello world", "--then", "format", "0", "5", "bold=true", "--then", "block", "6", "quote"],
            in: dir)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.split(separator: "\n").count == 3)
        let ids = try CLI.run(["materialize", "doc.clog", "--format", "json", "--ids"], in: dir).stdout
        #expect(ids.contains(#"{"text":"Hello","marks":{"bold":true},"ids":["a:0-4"]}"#), "\(ids)")
        #expect(ids.contains(#"{"id":"a:12","type":"quote","attributes":{},"runs":[{"text":"world","marks":{},"ids":["a:6-10"]}]}"#), "\(ids)")
        #expect(try CLI.run(["materialize", "doc.clog", "--format", "markdown"], in: dir).stdout == "**Hello**&#32;\n\n> world\n")
        // One bad edit refuses them all: nothing is written.
        let before = try Data(contentsOf: dir.file("doc.clog"))
        let refused = try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "x", "--then", "delete", "99", "1"], in: dir)
        #expect(refused.status == 64)
        #expect(try Data(contentsOf: dir.file("doc.clog")) == before)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "x", "--then", "nope"], in: dir).status == 64)
    }

    @Test(arguments: [
        (["block", "2", "figure"], "unknown block type figure"),
        (["block", "9", "paragraph"], "outside the document"),
        (["block", "1", "heading", "level=7"], "a heading level is an integer from 1 to 6"),
        (["block", "1", "list_item", "list=\"star\""], "\"bullet\" or \"ordered\""),
        (["set-block", "1", "level=x"], "not JSON"),
        (["delete-block", "1"], "first block"),
        (["block", "1"], "usage: block POS TYPE"),
        (["move-block", "1", "0"], "stays first"),
        (["move-block", "1", "9"], "outside the document"),
        (["move-block", "1"], "usage: move-block POS TO_POS"),
    ])
    func badBlockEditsAreRefusedAndChangeNothing(arguments: [String], message: String) throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "text"], in: dir)
        let before = try Data(contentsOf: dir.file("doc.clog"))
        let result = try CLI.run(["edit", "doc.clog", "--client", "a"] + arguments, in: dir)
        #expect(result.status == 64, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(try Data(contentsOf: dir.file("doc.clog")) == before)
    }
}
