import Foundation
import Testing

/// `collab revert` and `collab undo` from the shell: new ops appended, history kept.
@Suite("revert and undo commands")
struct RevertCommandTests {
    static func vandalized() throws -> URL {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "The plan is sound. Ship it."], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "mallory", "delete", "12", "6"], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "mallory", "insert", "12", "TERRIBLE!"], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "bob", "insert", "30", " Today."], in: dir)
        return dir
    }

    @Test func revertingAClientUndoesItsOpsAndKeepsLaterWork() throws {
        let dir = try Self.vandalized()
        let opsBefore = try CLI.run(["log", "doc.clog"], in: dir).stdout.split(separator: "\n").count
        let dry = try CLI.run(["revert", "doc.clog", "--client", "mallory", "--dry-run"], in: dir)
        #expect(dry.status == 0 && dry.stdout.contains("dry run: 2 ops not written"))
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "The plan is TERRIBLE! Ship it. Today.")
        let done = try CLI.run(["revert", "doc.clog", "--client", "mallory", "--as", "admin", "--json"], in: dir)
        #expect(done.status == 0)
        #expect(done.stdout.split(separator: "\n").allSatisfy { $0.contains(#""clientId":"admin""#) })
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "The plan is sound. Ship it. Today.")
        // Nothing was rewritten: the log only grew.
        #expect(try CLI.run(["log", "doc.clog"], in: dir).stdout.split(separator: "\n").count == opsBefore + 2)
    }

    @Test func undoThenRedoByRevertingTheUndo() throws {
        let dir = try Self.vandalized()
        let undo = try CLI.run(["undo", "doc.clog", "--client", "bob"], in: dir)
        #expect(undo.status == 0)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "The plan is TERRIBLE! Ship it.")
        let undoId = try #require(undo.stdout.split(separator: " ").first)
        #expect(try CLI.run(["revert", "doc.clog", "--ops", String(undoId), "--as", "bob"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "The plan is TERRIBLE! Ship it. Today.")
    }

    @Test(arguments: [
        (["revert", "doc.clog"], "name the ops"),
        (["revert", "doc.clog", "--ops", "nobody:3"], "nobody:3 is not in the log"),
        (["revert", "doc.clog", "--ops", "bob"], "is not an op range"),
        (["revert", "doc.clog", "--ops", "bob:5-2"], "the range ends before it starts"),
        (["undo", "doc.clog", "--client", "carol"], "carol has no ops in the log"),
    ])
    func badRequestsAreRefusedAndChangeNothing(arguments: [String], message: String) throws {
        let dir = try Self.vandalized()
        let before = try Data(contentsOf: dir.file("doc.clog"))
        let result = try CLI.run(arguments, in: dir)
        #expect(result.status == 64, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(try Data(contentsOf: dir.file("doc.clog")) == before)
    }
}
