import Foundation
import CollabLog
import Testing

/// Bad input is refused whole, with exit 65 and the line number, and no file changes.
@Suite("Bad input")
struct BadInputTests {
    static let good = #"{"id":{"clientId":"bob","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"block":null,"after":{"clientId":"alice","seq":4},"before":null,"text":"!"}}"#

    static let cases: [(name: String, line: String, expected: String)] = [
        ("truncated JSON", #"{"id":{"clientId":"bob","seq":1},"type":"text_insert","#, "line 2: invalid JSON"),
        ("wrong type", #"{"id":{"clientId":"bob","seq":1},"type":"text_insert","timestamp":{"wall":"soon","logical":0},"payload":{"text":"x"}}"#, "line 2: timestamp.wall: expected an integer, found a string"),
        ("unknown op type", #"{"id":{"clientId":"bob","seq":1},"type":"table_insert","timestamp":{"wall":1,"logical":0},"payload":{}}"#, #"line 2: type: unknown op type "table_insert""#),
        ("missing dependency", #"{"id":{"clientId":"carol","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"after":{"clientId":"dave","seq":3},"before":null,"text":"x"}}"#, "line 2: op carol:0 depends on dave:3, which is in neither the log nor the input"),
        ("a clock far in the future", #"{"id":{"clientId":"bob","seq":1},"type":"text_insert","timestamp":{"wall":9223372036854775807,"logical":0},"payload":{"after":{"clientId":"bob","seq":0},"before":null,"text":"?"}}"#, "line 2: op bob:1 is stamped 292471"),
        ("an empty device part", #"{"id":{"clientId":"bob/","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"after":null,"before":null,"text":"x"}}"#, #"line 2: id.clientId: a client id's parts between / are not empty ("bob/")"#),
        ("whitespace in a client id", #"{"id":{"clientId":"bob/my laptop","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"after":null,"before":null,"text":"x"}}"#, "line 2: id.clientId: a client id holds no whitespace or control characters (U+20)"),
        ("duplicate id, different content", #"{"id":{"clientId":"alice","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"after":null,"before":null,"text":"Jello"}}"#, "line 2: op alice:0 is already known with different content"),
    ]

    @Test("apply refuses the whole input", arguments: cases.map(\.name))
    func applyRefuses(name: String) throws {
        let bad = try #require(Self.cases.first { $0.name == name })
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.jsonl", "--client", "alice", "insert", "0", "Hello"], in: dir)
        let before = try Data(contentsOf: dir.file("doc.jsonl"))
        try dir.write("in.jsonl", Self.good + "\n" + bad.line + "\n")
        let result = try CLI.run(["apply", "doc.jsonl", "in.jsonl"], in: dir)
        #expect(result.status == 65)
        #expect(result.stderr.contains("in.jsonl: " + bad.expected), "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(try Data(contentsOf: dir.file("doc.jsonl")) == before)
        // On its own the input is refused by import too (but for the duplicate, which
        // conflicts only with the log), and no output is left behind.
        guard name != "duplicate id, different content" else { return }
        let imported = try CLI.run(["import", "--format", "jsonl", "in.jsonl", "-o", "new.jsonl"], in: dir)
        #expect(imported.status == 65)
        #expect(!FileManager.default.fileExists(atPath: dir.file("new.jsonl").path))
    }

    /// Offline edits are made under the same client id grammar as ops that come in.
    @Test func editRefusesClientIdsOutsideTheGrammar() throws {
        let dir = try CLI.scratch()
        for client in ["alice/", "../alice", "alice/..", "al ice", "alice\t"] {
            let refused = try CLI.run(["edit", "doc.jsonl", "--client", client, "insert", "0", "x"], in: dir)
            #expect(refused.status == 64 && refused.stderr.contains("--client: a client id"), "\(client.debugDescription): \(refused)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("doc.jsonl").path))
    }

    /// An archive with a broken clock is taken only when asked, and its clock is not
    /// adopted by the next local edit.
    @Test func aClockFarAheadIsTakenOnlyWhenAskedAndNeverAdopted() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.jsonl", "--client", "alice", "insert", "0", "Hello"], in: dir)
        let future = try #require(Self.cases.first { $0.name == "a clock far in the future" }).line
        try dir.write("in.jsonl", Self.good + "\n" + future + "\n")
        let allowed = try CLI.run(["apply", "doc.jsonl", "in.jsonl", "--allow-clock-skew"], in: dir)
        #expect(allowed.status == 0, "\(allowed)")
        let edited = try CLI.run(["edit", "doc.jsonl", "--client", "carol", "insert", "0", ">", "--json"], in: dir)
        guard case .object(let op) = try JSONParser.parse(edited.stdout), case .object(let stamp)? = op["timestamp"],
              case .int(let wall)? = stamp["wall"] else { Issue.record("\(edited)"); return }
        #expect(wall <= Int64(Date().timeIntervalSince1970 * 1000) + 1_000, "adopted \(wall)")
        // merge refuses such a log unless asked, naming where the op is.
        let merged = try CLI.run(["merge", "doc.jsonl", "doc.jsonl", "-o", "m.jsonl"], in: dir)
        #expect(merged.status == 65 && merged.stderr.contains("doc.jsonl: line 3: op bob:1 is stamped"), "\(merged)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("m.jsonl").path))
        #expect(try CLI.run(["merge", "doc.jsonl", "doc.jsonl", "-o", "m.jsonl", "--allow-clock-skew"], in: dir).status == 0)
        let imported = try CLI.run(["import", "--format", "jsonl", "doc.jsonl", "-o", "i.jsonl"], in: dir)
        #expect(imported.status == 65 && imported.stderr.contains("op bob:1 is stamped"), "\(imported)")
    }

    @Test func mergeRefusesConflictingInputs() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "a.jsonl", "--client", "alice", "insert", "0", "Hello"], in: dir)
        try CLI.run(["edit", "b.jsonl", "--client", "alice", "insert", "0", "Howdy"], in: dir)
        let result = try CLI.run(["merge", "a.jsonl", "b.jsonl", "-o", "m.jsonl"], in: dir)
        #expect(result.status == 65)
        #expect(result.stderr.contains("b.jsonl: line 1: op alice:0 is already known with different content"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("m.jsonl").path))
    }
}

/// Outputs are replaced only when they are regular files; anything else is written in
/// place or refused, and a failed write is an error, never a silent success.
@Suite("Outputs")
struct OutputTests {
    @Test func aSymbolicLinkStaysALinkAndItsFileIsReplaced() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.jsonl", "--client", "alice", "insert", "0", "Hi"], in: dir)
        try dir.write("target.jsonl", "old\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.jsonl").path, withDestinationPath: "target.jsonl")
        let result = try CLI.run(["import", "--format", "jsonl", "doc.jsonl", "-o", "link.jsonl", "--force"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("link.jsonl").path) == "target.jsonl")
        #expect(try dir.read("target.jsonl") == dir.read("doc.jsonl"))
    }

    @Test func aDanglingLinkIsRefused() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.jsonl", "--client", "alice", "insert", "0", "Hi"], in: dir)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.jsonl").path, withDestinationPath: "gone/x.jsonl")
        let result = try CLI.run(["export", "doc.jsonl", "-o", "link.jsonl"], in: dir)
        #expect(result.status == 73)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("link.jsonl").path) == "gone/x.jsonl")
    }

    @Test func aFullDeviceIsAnIOErrorAndStaysADevice() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.jsonl", "--client", "alice", "insert", "0", "Hi"], in: dir)
        let result = try CLI.run(["export", "doc.jsonl", "-o", "/dev/full"], in: dir)
        #expect(result.status == 74)
        #expect(result.stderr.contains("No space left on device"))
        let attributes = try FileManager.default.attributesOfItem(atPath: "/dev/full")
        #expect(attributes[.type] as? FileAttributeType == .typeCharacterSpecial)
        // The same for standard output, whether written directly or through print().
        for command in ["materialize doc.jsonl", "log doc.jsonl", "merge doc.jsonl doc.jsonl --dry-run"] {
            let shell = try CLI.run(["-c", "'\(CLI.binary.path)' \(command) > /dev/full"], in: dir, executable: "/bin/sh")
            #expect(shell.status == 74, "\(command): \(shell.stderr)")
        }
    }
}
