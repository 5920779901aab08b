import Foundation
import Testing

@Suite("Commands")
struct CommandTests {
    /// A document with two offline branches: alice edits on, bob edits from @1.
    func branches() throws -> URL {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "base.jsonl", "--client", "alice", "insert", "0", "Hello world"], in: dir)
        try FileManager.default.copyItem(at: dir.file("base.jsonl"), to: dir.file("alice.jsonl"))
        try FileManager.default.copyItem(at: dir.file("base.jsonl"), to: dir.file("bob.jsonl"))
        try CLI.run(["edit", "alice.jsonl", "--client", "alice", "insert", "5", ","], in: dir)
        try CLI.run(["edit", "bob.jsonl", "--client", "bob", "insert", "11", "!"], in: dir)
        try CLI.run(["edit", "bob.jsonl", "--client", "bob", "delete", "0", "1"], in: dir)
        return dir
    }

    @Test func mergeBringsBothBranchesTogether() throws {
        let dir = try branches()
        let dry = try CLI.run(["merge", "alice.jsonl", "bob.jsonl", "--dry-run"], in: dir)
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("alice.jsonl: 1 ops the others lack (alice:11..<12): +1 −0 chars"))
        #expect(dry.stdout.contains("bob.jsonl: 2 ops the others lack (bob:0..<2): +1 −1 chars"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("merged.jsonl").path))
        let merge = try CLI.run(["merge", "alice.jsonl", "bob.jsonl", "-o", "merged.jsonl"], in: dir)
        #expect(merge.status == 0)
        let text = try CLI.run(["materialize", "merged.jsonl"], in: dir)
        #expect(text.stdout == "ello, world!")
        // The same merge the other way round gives the same text.
        try CLI.run(["merge", "bob.jsonl", "alice.jsonl", "-o", "other.jsonl"], in: dir)
        #expect(try CLI.run(["materialize", "other.jsonl"], in: dir).stdout == "ello, world!")
    }

    @Test func materializeAtVersions() throws {
        let dir = try branches()
        try CLI.run(["merge", "alice.jsonl", "bob.jsonl", "-o", "m.jsonl"], in: dir)
        #expect(try CLI.run(["materialize", "m.jsonl", "--at", "@1"], in: dir).stdout == "Hello world")
        #expect(try CLI.run(["materialize", "m.jsonl", "--at", "alice:11,bob:1"], in: dir).stdout == "Hello world!")
        let open = try CLI.run(["materialize", "m.jsonl", "--at", "bob:1"], in: dir)
        #expect(open.status == 64)
        #expect(open.stderr.contains("bob:0 needs alice:10"))
        let tooFar = try CLI.run(["materialize", "m.jsonl", "--at", "@9"], in: dir)
        #expect(tooFar.status == 64)
    }

    @Test func logNumbersOpsAsVersionsCountThem() throws {
        let dir = try branches()
        let log = try CLI.run(["log", "bob.jsonl"], in: dir)
        let lines = log.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("@2\tbob:0\t"))
        #expect(lines[2].contains("text_delete\t-1 alice:0"))
        let json = try CLI.run(["log", "bob.jsonl", "--json"], in: dir)
        #expect(json.stdout.split(separator: "\n").first?.hasPrefix(#"{"n":1,"id":"alice:0","span":11,"#) == true)
    }

    @Test func editFromAnOldBaseMakesAConcurrentBranch() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "d.jsonl", "--client", "a", "insert", "0", "ac"], in: dir)
        try CLI.run(["edit", "d.jsonl", "--client", "a", "insert", "1", "b"], in: dir)
        let branch = try CLI.run(["edit", "d.jsonl", "--client", "z", "--base", "@1", "insert", "1", "X"], in: dir)
        #expect(branch.status == 0)
        #expect(try CLI.run(["materialize", "d.jsonl"], in: dir).stdout == "abXc")
        let refused = try CLI.run(["edit", "d.jsonl", "--client", "a", "--base", "@1", "insert", "0", "Y"], in: dir)
        #expect(refused.status == 64)
    }

    /// With a checkpoint near the head, text edits at a base are made on the head
    /// document at the base's positions (the history walker); without one, on the base
    /// built from its ops. Both make the same ops.
    @Test func editAtABaseGivesTheSameOpsOnEitherPath() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "d.clog", "--client", "a", "insert", "0", "the quick brown fox"], in: dir)
        try CLI.run(["edit", "d.clog", "--client", "b", "delete", "4", "6"], in: dir)
        try CLI.run(["edit", "d.clog", "--client", "a", "insert", "4", "slow "], in: dir)
        try CLI.run(["edit", "d.clog", "--client", "b", "insert", "0", ">> "], in: dir)
        try FileManager.default.copyItem(at: dir.file("d.clog"), to: dir.file("plain.clog"))
        #expect(try CLI.run(["checkpoint", "d.clog"], in: dir).status == 0)
        let edit = ["--client", "z", "--base", "@3", "insert", "10", "X", "--then", "delete", "0", "4", "--then", "insert", "0", "Y"]
        let walked = try CLI.run(["edit", "d.clog"] + edit + ["--json"], in: dir)
        let built = try CLI.run(["edit", "plain.clog"] + edit + ["--json"], in: dir)
        #expect(walked.status == 0 && built.status == 0)
        func payloads(_ lines: String) throws -> [String] {
            try lines.split(separator: "\n").map { line in
                var op = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                op["timestamp"] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: op, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        #expect(try payloads(walked.stdout) == payloads(built.stdout))
        let text = try CLI.run(["materialize", "d.clog"], in: dir).stdout
        #expect(text == (try CLI.run(["materialize", "plain.clog"], in: dir).stdout))
        #expect(text.contains("Y"))
        // A vector that leaves out what the ops it holds depend on is no version.
        let open = try CLI.run(["edit", "d.clog", "--client", "y", "--base", "b:6", "insert", "0", "?"], in: dir)
        #expect(open.status == 64)
        #expect(open.stderr.contains("not causally closed"))
    }

    @Test func exportAndImportRoundTripThroughPipes() throws {
        let dir = try branches()
        let export = try CLI.run(["export", "bob.jsonl"], in: dir)
        #expect(export.status == 0)
        let imported = try CLI.run(["import", "--format", "jsonl", "-", "-o", "copy.jsonl"], in: dir, stdin: export.stdout)
        #expect(imported.status == 0)
        #expect(try dir.read("copy.jsonl") == export.stdout)
        let again = try CLI.run(["import", "--format", "jsonl", "-", "-o", "copy.jsonl"], in: dir, stdin: export.stdout)
        #expect(again.status == 73)
    }

    @Test func applyAppendsOnlyNewOps() throws {
        let dir = try branches()
        let export = try CLI.run(["export", "bob.jsonl"], in: dir)
        let applied = try CLI.run(["apply", "alice.jsonl", "-", "--json"], in: dir, stdin: export.stdout)
        #expect(applied.status == 0)
        #expect(applied.stdout.hasPrefix(#"{"applied":2,"duplicates":1,"#))
        #expect(try CLI.run(["materialize", "alice.jsonl"], in: dir).stdout == "ello, world!")
    }

    @Test func exitCodesAreDocumented() throws {
        let dir = try CLI.scratch()
        let help = try CLI.run(["help", "exit-codes"], in: dir)
        #expect(help.status == 0)
        for code in ["64", "65", "66", "73", "74", "75", "77"] { #expect(help.stdout.contains("  \(code) ")) }
        #expect(try CLI.run(["materialize", "missing.jsonl"], in: dir).status == 66)
        #expect(try CLI.run(["merge", "only-one.jsonl", "-o", "x"], in: dir).status == 64)
        #expect(try CLI.run(["edit", "d.jsonl", "--client", "a", "delete", "0", "1"], in: dir).status == 64)
        #expect(try CLI.run(["merge", "a", "b", "-o", "/nonexistent-dir/x.jsonl"], in: dir).status == 66)
    }
}
