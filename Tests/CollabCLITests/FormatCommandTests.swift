import CollabLog
import Foundation
import Testing

/// Formatting from the shell: `collab edit … format` on concurrent branches made with
/// `--base`, and `collab materialize --format json|html`.
@Suite("format edits")
struct FormatCommandTests {
    @Test func aCommentThreadFromTheShell() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "base", "insert", "0", "ship on Friday"], in: dir)
        let made = try CLI.run(["edit", "doc.clog", "--client", "carol", "comment", "8", "6", "Which Friday?"], in: dir)
        #expect(made.status == 0)
        #expect(made.stdout.hasPrefix("carol:0 comment_add"))
        #expect(try CLI.run(["edit", "doc.clog", "--client", "alice", "comment", "The 29th.", "--reply-to", "carol:0"], in: dir).status == 0)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "carol", "resolve", "carol:0"], in: dir).status == 0)
        let html = try CLI.run(["materialize", "doc.clog", "--format", "html"], in: dir)
        #expect(html.stdout == #"<p>ship on <mark data-comment="carol:0">Friday</mark></p>"# + "\n")
        let json = try CLI.run(["materialize", "doc.clog", "--format", "json"], in: dir)
        #expect(json.stdout.contains(#"{"text":"Friday","marks":{},"comments":["carol:0"]}"#), "\(json.stdout)")
        #expect(json.stdout.contains(#""author":"carol","#) && json.stdout.contains(#""text":"Which Friday?","resolved":true,"orphaned":false,"range":{"index":8,"length":6},"replies":[{"id":"alice:0","author":"alice","#), "\(json.stdout)")
        // A reply to a reply, or to no comment, is refused and changes nothing.
        let before = try Data(contentsOf: dir.file("doc.clog"))
        let bad = try CLI.run(["edit", "doc.clog", "--client", "bob", "comment", "?", "--reply-to", "alice:0"], in: dir)
        #expect(bad.status != 0 && bad.stderr.contains("replies answer the thread's first comment"), "\(bad.stderr)")
        #expect(try CLI.run(["edit", "doc.clog", "--client", "bob", "resolve", "nobody:7"], in: dir).status != 0)
        #expect(try Data(contentsOf: dir.file("doc.clog")) == before)
    }

    @Test func formatRowsOfTheOldSystemImportAndExport() throws {
        let dir = try CLI.scratch()
        try dir.write("rows.jsonl", #"""
            {"id":1,"document_id":"notes","operation_type":"insert","position":0,"content":"Ship it Friday","author_id":"ann","timestamp":"2026-11-20T10:00:00Z","vector_clock":{}}
            {"id":2,"document_id":"notes","operation_type":"format","position":{"index":8,"length":6},"content":"{\"bold\":true}","author_id":"ann","timestamp":"2026-11-20T10:00:01Z","vector_clock":{}}

            """#)
        #expect(try CLI.run(["import", "--format", "rows", "rows.jsonl", "-o", "notes.clog"], in: dir).status == 0)
        let json = try CLI.run(["materialize", "notes.clog", "--format", "json"], in: dir)
        #expect(json.stdout.contains(#""runs":[{"text":"Ship it ","marks":{}},{"text":"Friday","marks":{"bold":true}}]"#), "\(json.stdout)")
        let rows = try CLI.run(["export", "notes.clog", "--format", "rows"], in: dir)
        #expect(rows.stdout.contains(#""operation_type":"format","position":{"index":8,"length":6},"content":"{\"bold\":true}""#), "\(rows.stdout)")
    }

    @Test(arguments: ["doc.clog", "doc.jsonl"])
    func concurrentBoldAndItalicOverlapAsInPeritext(log: String) throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", log, "--client", "base", "insert", "0", "The fox jumped."], in: dir)
        // Alice and Bob each format from the base version, not seeing the other.
        #expect(try CLI.run(["edit", log, "--client", "alice", "--base", "@1", "format", "0", "7", "bold=true"], in: dir).status == 0)
        #expect(try CLI.run(["edit", log, "--client", "bob", "--base", "@1", "format", "4", "10", "italic=true"], in: dir).status == 0)
        let json = try CLI.run(["materialize", log, "--format", "json"], in: dir)
        #expect(json.stdout == #"{"blocks":[{"id":null,"type":"paragraph","attributes":{},"runs":[{"text":"The ","marks":{"bold":true}},{"text":"fox","marks":{"bold":true,"italic":true}},{"text":" jumped","marks":{"italic":true}},{"text":".","marks":{}}]}],"comments":[]}"# + "\n")
        let html = try CLI.run(["materialize", log, "--format", "html"], in: dir)
        #expect(html.stdout == "<p><strong>The </strong><strong><em>fox</em></strong><em> jumped</em>.</p>\n")
        // Plain text is unchanged by formatting.
        #expect(try CLI.run(["materialize", log], in: dir).stdout == "The fox jumped.")
    }

    @Test func typingAfterALinkFromAnOlderBaseStaysOutOfIt() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "base", "insert", "0", "see docs"], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "alice", "format", "4", "4", #"link="https://docs.example""#], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "bob", "--base", "@1", "insert", "8", " now"], in: dir)
        let html = try CLI.run(["materialize", "doc.clog", "--format", "html"], in: dir)
        #expect(html.stdout == #"<p>see <a href="https://docs.example">docs</a> now</p>"# + "\n")
    }

    /// Links that would run code when the rendered page is opened are shown as plain text.
    @Test(arguments: [
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
        "\u{1}javascript:alert(1)", "&#106;avascript:alert(1)", "javascript&colon;alert(1)", "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)", "\\javascript:alert(1)",
    ])
    func linksThatRunCodeAreShownAsPlainText(target: String) throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "base", "insert", "0", "click me"], in: dir)
        var encoded = JSONWriter()
        encoded.string(target)
        let made = try CLI.run(["edit", "doc.clog", "--client", "mallory", "format", "0", "5", "link=" + encoded.text], in: dir)
        #expect(made.status == 0, "\(made)")
        let html = try CLI.run(["materialize", "doc.clog", "--format", "html"], in: dir)
        #expect(html.stdout == "<p>click me</p>\n", "\(target.debugDescription): \(html.stdout)")
        let markdown = try CLI.run(["materialize", "doc.clog", "--format", "markdown"], in: dir)
        #expect(markdown.stdout == "click me\n", "\(target.debugDescription): \(markdown.stdout)")
    }

    @Test func safeLinksStayLinksAndReadBackExactly() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "base", "insert", "0", "a b c"], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "a", "format", "0", "1", #"link="https://x.example/wiki/A_(b)?q=1&amp=2""#], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "a", "format", "2", "1", #"link="mailto:bob@example.com""#], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "a", "format", "4", "1", #"link="../notes.html#top""#], in: dir)
        let html = try CLI.run(["materialize", "doc.clog", "--format", "html"], in: dir)
        #expect(html.stdout.contains(#"<a href="https://x.example/wiki/A_(b)?q=1&amp;amp=2">a</a>"#), "\(html.stdout)")
        #expect(html.stdout.contains(#"<a href="mailto:bob@example.com">b</a>"#) && html.stdout.contains(#"<a href="../notes.html#top">c</a>"#))
        let markdown = try CLI.run(["materialize", "doc.clog", "--format", "markdown"], in: dir)
        #expect(markdown.stdout.contains(#"[a](https://x.example/wiki/A_\(b\)?q=1&amp;amp=2)"#), "\(markdown.stdout)")
    }

    @Test(arguments: [
        (["format", "0", "99", "bold=true"], Int32(64), "characters 0..<99 are outside the document (length 5)"),
        (["format", "0", "2", "bold=1.5"], Int32(64), "expected null, a boolean, an integer or a string"),
        (["format", "0", "2", "bold=yes"], Int32(64), "a string needs quotes"),
        (["format", "0", "2", "=true"], Int32(64), "ATTR=JSON"),
        (["format", "0", "2"], Int32(64), "usage: format POS LEN ATTR=JSON"),
    ])
    func badFormatEditsAreRefusedAndChangeNothing(arguments: [String], status: Int32, message: String) throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "base", "insert", "0", "short"], in: dir)
        let before = try Data(contentsOf: dir.file("doc.clog"))
        let result = try CLI.run(["edit", "doc.clog", "--client", "a"] + arguments, in: dir)
        #expect(result.status == status, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(try Data(contentsOf: dir.file("doc.clog")) == before)
    }
}
