import Foundation
import Testing

/// `-` is the standard input for every command that reads a log, in both formats, and
/// gives exactly what the file gives; a command that writes its log in place refuses it.
@Suite("standard input")
struct StandardInputTests {
    /// Each command with `LOG` where the log goes.
    static let readers: [[String]] = [
        ["materialize", "LOG"], ["materialize", "LOG", "--format", "json"], ["materialize", "LOG", "--at", "@2"],
        ["verify", "LOG"], ["verify", "LOG", "--json"], ["blame", "LOG"], ["log", "LOG"], ["log", "LOG", "--json"],
        ["export", "LOG"], ["version", "LOG"], ["versions", "LOG"], ["diff", "LOG", "--from", "@1", "--to", "head"],
        ["diff", "LOG", "samples/bob.jsonl"], ["merge", "LOG", "samples/bob.jsonl", "--dry-run"],
        ["merge", "LOG", "samples/bob.jsonl", "-o", "-"], ["revert", "LOG", "--ops", "alice:0", "--dry-run"],
        ["undo", "LOG", "--client", "alice", "--dry-run"], ["restore", "LOG", "--to", "@1", "--dry-run"],
        ["compact", "LOG", "--before", "head", "--dry-run"],
    ]

    static func workspace() throws -> URL {
        let dir = try CLI.scratch()
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples")
        try FileManager.default.copyItem(at: samples, to: dir.file("samples"))
        try CLI.run(["merge", "samples/alice.jsonl", "samples/base.jsonl", "-o", "doc.jsonl"], in: dir)
        try CLI.run(["merge", "samples/alice.jsonl", "samples/base.jsonl", "-o", "doc.clog"], in: dir)
        return dir
    }

    @Test("a log on standard input reads as the file does", arguments: ["doc.jsonl", "doc.clog"])
    func aLogOnStandardInputReadsAsTheFileDoes(file: String) throws {
        let dir = try Self.workspace()
        let bytes = try Data(contentsOf: dir.file(file))
        for command in Self.readers {
            // compact takes .clog logs only.
            if command[0] == "compact" && file.hasSuffix(".jsonl") { continue }
            let fromFile = try CLI.run(command.map { $0 == "LOG" ? file : $0 }, in: dir)
            let fromInput = try CLI.run(command.map { $0 == "LOG" ? "-" : $0 }, in: dir, input: bytes)
            #expect(!(fromFile.stdout + fromFile.stderr).isEmpty, "\(command): says nothing")
            #expect(fromInput.status == fromFile.status, "\(command): \(fromInput.stderr)")
            #expect(fromInput.stdout == fromFile.stdout.replacingOccurrences(of: file, with: "-"), "\(command)")
        }
        // Inputs of other kinds: ops to apply, an input to import.
        let ops = try Data(contentsOf: dir.file("samples/bob.jsonl"))
        try FileManager.default.copyItem(at: dir.file(file), to: dir.file("a-" + file))
        try FileManager.default.copyItem(at: dir.file(file), to: dir.file("b-" + file))
        let applied = try CLI.run(["apply", "a-" + file, "samples/bob.jsonl"], in: dir)
        let appliedFromInput = try CLI.run(["apply", "b-" + file, "-"], in: dir, input: ops)
        #expect(applied.status == 0 && appliedFromInput.status == 0, "\(appliedFromInput)")
        #expect(try CLI.run(["materialize", "b-" + file], in: dir).stdout == CLI.run(["materialize", "a-" + file], in: dir).stdout)
        let imported = try CLI.run(["import", "--format", "jsonl", "-", "-o", "i.jsonl"], in: dir, input: ops)
        #expect(imported.status == 0, "\(imported)")
        #expect(try dir.read("i.jsonl") == dir.read("samples/bob.jsonl"))
    }

    @Test func aCommandThatWritesItsLogInPlaceRefusesStandardInput() throws {
        let dir = try Self.workspace()
        let bytes = try Data(contentsOf: dir.file("doc.jsonl"))
        for command: [String] in [
            ["edit", "-", "--client", "x", "insert", "0", "y"], ["tag", "-", "v1"], ["checkpoint", "-"], ["revert", "-", "--ops", "alice:0"],
            ["undo", "-", "--client", "alice"], ["restore", "-", "--to", "@1"], ["compact", "-", "--before", "head"], ["repair", "-"],
            ["apply", "-", "samples/bob.jsonl"],
        ] {
            let refused = try CLI.run(command, in: dir, input: bytes)
            #expect(refused.status == 64, "\(command): \(refused)")
            #expect(refused.stderr.contains("writes to its log in place"), "\(command): \(refused.stderr)")
            #expect(refused.stdout.isEmpty, "\(command)")
        }
    }
}
