import CollabCore
import CollabLog
import CollabStorage
import CollabTestSupport
import Foundation
import Testing

/// Naming versions: tags, times, `collab version` and `collab versions`.
@Suite("versions")
struct VersionCommandTests {
    /// An insert op line by `client` at wall time `wall` (ms), after `after` (or at the start).
    static func insert(_ client: String, _ seq: Int, wall: Int64, after: (String, Int)?, _ text: String) -> String {
        let origin = after.map { #"{"clientId":"\#($0.0)","seq":\#($0.1)}"# } ?? "null"
        return #"{"id":{"clientId":"\#(client)","seq":\#(seq)},"type":"text_insert","timestamp":{"wall":\#(wall),"logical":0},"payload":{"block":null,"after":\#(origin),"before":null,"text":"\#(text)"}}"#
    }

    @Test(arguments: ["doc.clog", "doc.jsonl"])
    func aTagNamesAVersionEverywhereAndSurvivesLaterAppends(log: String) throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run(["edit", log, "--client", "alice", "insert", "0", "Hello"], in: dir).status == 0)
        let tagged = try CLI.run(["tag", log, "Draft 1", "-m", "for review", "--as", "alice"], in: dir)
        #expect(tagged.status == 0, "\(tagged.stderr)")
        #expect(tagged.stdout.contains("@1 alice:5"))
        #expect(try CLI.run(["edit", log, "--client", "bob", "insert", "5", ", world"], in: dir).status == 0)
        if log.hasSuffix(".clog") { #expect(try CLI.run(["checkpoint", log], in: dir).status == 0) }
        #expect(try CLI.run(["materialize", log, "--at", "Draft 1"], in: dir).stdout == "Hello")
        #expect(try CLI.run(["materialize", log], in: dir).stdout == "Hello, world")
        // A tag of an older version, then the list in history order.
        #expect(try CLI.run(["tag", log, "empty", "--at", "@0", "--as", "carol"], in: dir).status == 0)
        let versions = try CLI.run(["versions", log], in: dir).stdout.split(separator: "\n")
        #expect(versions.first?.hasPrefix("@0\t") == true && versions.first?.contains(#"tag "empty" by carol"#) == true, "\(versions)")
        #expect(versions[1].contains(#"tag "Draft 1" by alice: "for review""#) && versions[1].contains("+5 −0 chars, by alice"), "\(versions)")
        #expect(versions.count == (log.hasSuffix(".clog") ? 3 : 2))
        if log.hasSuffix(".clog") { #expect(versions[2].contains("checkpoint") && versions[2].contains("+7 −0 chars, by bob")) }
        let json = try CLI.run(["versions", log, "--json"], in: dir).stdout
        #expect(json.contains(#""kind":"tag","name":"Draft 1","at":"@1","version":{"alice":5}"#), "\(json)")
    }

    @Test func appendsAddCheckpointsOnTheirOwnAndTimeTravelStartsFromTheNearest() throws {
        let dir = try CLI.scratch()
        let every = ["COLLAB_CHECKPOINT_EVERY": "3"]
        for (k, word) in ["one", " two", " three", " four", " five", " six", " seven"].enumerated() {
            let length = k == 0 ? 0 : try CLI.run(["materialize", "doc.clog"], in: dir).stdout.unicodeScalars.count
            #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "\(length)", word], in: dir, environment: every).status == 0)
        }
        let versions = try CLI.run(["versions", "doc.clog"], in: dir).stdout.split(separator: "\n")
        #expect(versions.count == 2 && versions[0].hasPrefix("@3\t") && versions[1].hasPrefix("@6\t"), "\(versions)")
        #expect(versions.allSatisfy { $0.contains("checkpoint") })
        // Every version reads the same whether it starts from a checkpoint or not.
        for n in 0...7 {
            let expected = ["", "one", "one two", "one two three", "one two three four", "one two three four five", "one two three four five six", "one two three four five six seven"][n]
            #expect(try CLI.run(["materialize", "doc.clog", "--at", "@\(n)"], in: dir).stdout == expected)
        }
        #expect(try CLI.run(["verify", "doc.clog"], in: dir).status == 0)
    }

    @Test func tagNamesAreUniqueAndDoNotReadAsOtherVersions() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "x"], in: dir)
        #expect(try CLI.run(["tag", "doc.clog", "v1"], in: dir).status == 0)
        let before = try Data(contentsOf: dir.file("doc.clog"))
        for (name, message) in [("v1", "a name is unique"), ("head", "reads as a version"), ("@3", "reads as a version"), ("a:1", "reads as a version"), ("2026-01-01T00:00Z", "reads as a version")] {
            let refused = try CLI.run(["tag", "doc.clog", name], in: dir)
            #expect(refused.status == 64, "\(name): \(refused.stderr)")
            #expect(refused.stderr.contains(message), "\(name): \(refused.stderr)")
        }
        #expect(try Data(contentsOf: dir.file("doc.clog")) == before)
        let unknown = try CLI.run(["materialize", "doc.clog", "--at", "v9"], in: dir)
        #expect(unknown.status == 64 && unknown.stderr.contains(#"no version named "v9""#) && unknown.stderr.contains(#"tags: "v1""#))
    }

    @Test func aTimePicksEveryOpStampedAtOrBeforeIt() throws {
        let dir = try CLI.scratch()
        let ops = [
            Self.insert("a", 0, wall: 1_795_000_000_000, after: nil, "one"),  // 2026-11-18T11:06:40Z
            Self.insert("b", 0, wall: 1_795_000_060_000, after: ("a", 2), " two"),  // a minute later
        ]
        try dir.write("ops.jsonl", ops.joined(separator: "\n") + "\n")
        #expect(try CLI.run(["apply", "doc.clog", "ops.jsonl"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog", "--at", "2026-11-18T11:06:39.999Z"], in: dir).stdout == "")
        #expect(try CLI.run(["materialize", "doc.clog", "--at", "2026-11-18T11:06:40Z"], in: dir).stdout == "one")
        #expect(try CLI.run(["materialize", "doc.clog", "--at", "2026-11-18T11:07:39.999Z"], in: dir).stdout == "one")
        #expect(try CLI.run(["materialize", "doc.clog", "--at", "2026-11-18T11:07:40Z"], in: dir).stdout == "one two")
        #expect(try CLI.run(["materialize", "doc.clog", "--at", "2026-11-18T12:07:40+01:00"], in: dir).stdout == "one two")
        let version = try CLI.run(["version", "doc.clog", "--json"], in: dir).stdout
        #expect(version == #"{"ops":2,"vector":{"a":3,"b":4},"time":"2026-11-18T11:07:40.000Z","tags":[]}"# + "\n", "\(version)")
        // A vector that is not causally closed names the missing op.
        let open = try CLI.run(["materialize", "doc.clog", "--at", "b:4"], in: dir)
        #expect(open.status == 64 && open.stderr.contains("needs a:2"), "\(open.stderr)")
    }

    @Test func tagsTravelWithAStoreExport() throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run(["edit", "--store", "data", "team/notes", "--client", "a", "insert", "0", "Plan"], in: dir).status == 0)
        #expect(try CLI.run(["tag", "--store", "data", "team/notes", "kickoff", "--as", "a"], in: dir).status == 0)
        #expect(try CLI.run(["edit", "--store", "data", "team/notes", "--client", "a", "insert", "4", "!"], in: dir).status == 0)
        let exported = try CLI.run(["export", "--store", "data"], in: dir)
        #expect(exported.stdout.contains(#"{"documentId":"team/notes","type":"tag","name":"kickoff""#), "\(exported.stdout)")
        try dir.write("store.jsonl", exported.stdout)
        let imported = try CLI.run(["import", "--format", "jsonl", "store.jsonl", "--store", "copy"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try CLI.run(["materialize", "--store", "copy", "team/notes", "--at", "kickoff"], in: dir).stdout == "Plan")
    }
}

/// `collab diff`: track changes between versions and between two logs.
@Suite("diff")
struct DiffCommandTests {
    /// A document with a tag, then bob's edits after it.
    static func edited() throws -> URL {
        let dir = try CLI.scratch()
        #expect(try CLI.run(["edit", "d.clog", "--client", "alice", "insert", "0", "Ship on Friday.", "--then", "block", "15", "heading", "level=2", "--then", "insert", "16", "Notes"], in: dir).status == 0)
        #expect(try CLI.run(["tag", "d.clog", "v1"], in: dir).status == 0)
        let edits = ["delete", "8", "6", "--then", "insert", "8", "Monday", "--then", "format", "0", "4", "bold=true", "--then", "set-block", "17", #"type="quote""#, "--then", "comment", "0", "4", "verb?"]
        #expect(try CLI.run(["edit", "d.clog", "--client", "bob"] + edits, in: dir).status == 0)
        return dir
    }

    @Test func knownEditsInMarkupAndJSON() throws {
        let dir = try Self.edited()
        let markup = try CLI.run(["diff", "d.clog", "--from", "v1", "--format", "markup"], in: dir)
        #expect(markup.status == 1)
        #expect(markup.stdout == "{~Ship~} on [-Friday-]{+Monday+}.{~¶ type: \"heading\" → \"quote\"~}\nNotes\n\n{~comment bob:14 added by bob: \"verb?\"~}\n", "\(markup.stdout)")
        let json = try CLI.run(["diff", "d.clog", "--from", "v1", "--to", "head", "--format", "json"], in: dir).stdout
        #expect(json.contains(#"{"kind":"delete","text":"Friday","author":"bob","time":"#), "\(json)")
        #expect(json.contains(#""changes":{"bold":{"old":null,"new":true}}"#))
        #expect(json.contains(#"{"kind":"block","text":"\n","author":"bob""#) && json.contains(#""changes":{"type":{"old":"heading","new":"quote"}},"id":"alice:15"}"#))
        let html = try CLI.run(["diff", "d.clog", "--from", "v1", "--format", "html"], in: dir).stdout
        #expect(html.contains(#"<del data-author="bob" data-time=""#) && html.contains(">Friday</del><ins data-author=\"bob\""))
        // From the first op: the heading and its text are alice's inserts.
        let early = try CLI.run(["diff", "d.clog", "--from", "@1", "--format", "json"], in: dir).stdout
        #expect(early.contains(#"{"kind":"insert","text":"\nNotes","author":"alice""#), "\(early)")
        // Equal versions: no output, exit 0.
        let same = try CLI.run(["diff", "d.clog", "--from", "head", "--format", "markup"], in: dir)
        #expect(same.status == 0 && same.stdout.isEmpty)
        // The older version must come first.
        let swapped = try CLI.run(["diff", "d.clog", "--from", "head", "--to", "v1"], in: dir)
        #expect(swapped.status == 64 && swapped.stderr.contains("is not part of"))
    }

    @Test func twoLogsShowWhatAMergeBringsToEach() throws {
        let dir = try Self.edited()
        try FileManager.default.copyItem(at: dir.file("d.clog"), to: dir.file("e.clog"))
        #expect(try CLI.run(["edit", "d.clog", "--client", "carol", "insert", "0", ">> "], in: dir).status == 0)
        #expect(try CLI.run(["edit", "e.clog", "--client", "dave", "insert", "21", "!"], in: dir).status == 0)
        let result = try CLI.run(["diff", "d.clog", "e.clog", "--format", "markup"], in: dir)
        #expect(result.status == 1)
        #expect(result.stdout == "=== merging e.clog into d.clog brings:\n>> Ship on Monday.\nNotes{+!+}\n=== merging d.clog into e.clog brings:\n{+>> +}Ship on Monday.\nNotes!\n", "\(result.stdout)")
    }
}

/// `collab blame` and `collab restore`.
@Suite("blame and restore")
struct BlameRestoreTests {
    @Test func blameNamesWhoWroteEachLine() throws {
        let dir = try DiffCommandTests.edited()
        let lines = try CLI.run(["blame", "d.clog"], in: dir).stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("alice,bob ") && lines[0].hasSuffix("  Ship on Monday."), "\(lines)")
        #expect(lines[1].hasPrefix("alice ") && lines[1].hasSuffix("  Notes"))
        let json = try CLI.run(["blame", "d.clog", "--json"], in: dir).stdout
        #expect(json.contains(#"{"text":"Monday","author":"bob","op":"bob:6","time":"#), "\(json)")
        let then = try CLI.run(["blame", "d.clog", "--at", "v1", "--json"], in: dir).stdout
        #expect(then.contains(#"{"line":1,"text":"Ship on Friday.","spans":[{"text":"Ship on Friday.","author":"alice","op":"alice:0""#), "\(then)")
    }

    @Test func restoreMakesHeadShowAnOlderVersionWithNewOps() throws {
        let dir = try DiffCommandTests.edited()
        let before = try CLI.run(["log", "d.clog", "--json"], in: dir).stdout
        let dry = try CLI.run(["restore", "d.clog", "--to", "v1", "--dry-run"], in: dir)
        #expect(dry.status == 0 && dry.stdout.hasPrefix("{~Ship~} on [-Monday-]{+Friday+}."), "\(dry.stdout)")
        #expect(try CLI.run(["log", "d.clog", "--json"], in: dir).stdout == before)
        let restored = try CLI.run(["restore", "d.clog", "--to", "v1", "--as", "alice"], in: dir)
        #expect(restored.status == 0, "\(restored.stderr)")
        for format in ["text", "markdown", "html", "json"] {
            #expect(try CLI.run(["materialize", "d.clog", "--format", format], in: dir).stdout
                == (try CLI.run(["materialize", "d.clog", "--at", "v1", "--format", format], in: dir).stdout))
        }
        let diff = try CLI.run(["diff", "d.clog", "--from", "v1"], in: dir)
        #expect(diff.status == 0 && diff.stdout.isEmpty, "\(diff.stdout)")
        // History is intact: the log starts with every op it had.
        #expect(try CLI.run(["log", "d.clog", "--json"], in: dir).stdout.hasPrefix(before))
    }
}

/// `collab compact`: squash history before a cutoff; head and later history unchanged.
@Suite("compact")
struct CompactCommandTests {
    /// A log with a lot of deleted text, a tag at @2, formatting and a comment.
    static func history() throws -> URL {
        let dir = try CLI.scratch()
        let long = String(repeating: "draft text that will go. ", count: 40)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "Title" + long], in: dir).status == 0)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "a", "delete", "5", "\(long.count)"], in: dir).status == 0)
        #expect(try CLI.run(["tag", "doc.clog", "early"], in: dir).status == 0)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "b", "insert", "5", ": kept", "--then", "format", "0", "5", "bold=true", "--then", "block", "11", "quote", "--then", "insert", "12", "Quoted", "--then", "comment", "0", "5", "title?"], in: dir).status == 0)
        #expect(try CLI.run(["tag", "doc.clog", "late"], in: dir).status == 0)
        return dir
    }

    static func renderings(_ dir: URL, at version: String = "head", log: String = "doc.clog") throws -> [String] {
        try ["text", "markdown", "html", "json"].map { try CLI.run(["materialize", log, "--format", $0, "--at", version], in: dir).stdout }
    }

    @Test func headAndKeptTagsShowTheSameAndTheLogShrinks() throws {
        let dir = try Self.history()
        let head = try Self.renderings(dir)
        let late = try Self.renderings(dir, at: "late")
        let size = try Data(contentsOf: dir.file("doc.clog")).count
        // A tag before the cutoff could not be shown afterwards: refused, nothing written.
        let refused = try CLI.run(["compact", "doc.clog", "--before", "head"], in: dir)
        #expect(refused.status == 65 && refused.stderr.contains(#"tags "early" name versions before the cutoff"#), "\(refused.stderr)")
        #expect(try Data(contentsOf: dir.file("doc.clog")).count == size)
        let dry = try CLI.run(["compact", "doc.clog", "--before", "head", "--drop-tags", "--dry-run", "--json"], in: dir)
        #expect(dry.stdout.contains(#""droppedTags":["early"],"written":false"#), "\(dry.stdout)")
        #expect(try Data(contentsOf: dir.file("doc.clog")).count == size)
        let done = try CLI.run(["compact", "doc.clog", "--before", "head", "--drop-tags"], in: dir)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try Data(contentsOf: dir.file("doc.clog")).count < size)
        #expect(try Self.renderings(dir) == head)
        #expect(try Self.renderings(dir, at: "late") == late)
        #expect(try CLI.run(["verify", "doc.clog"], in: dir).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.file("doc.clog.before-compact").path))
        // A second compaction keeps the first backup (the full history) and adds another.
        let original = try Data(contentsOf: dir.file("doc.clog.before-compact"))
        #expect(try CLI.run(["compact", "doc.clog", "--before", "head"], in: dir).stdout.contains("doc.clog.before-compact.1"))
        #expect(try Data(contentsOf: dir.file("doc.clog.before-compact")) == original)
        // It keeps working: edits append after the base.
        #expect(try CLI.run(["edit", "doc.clog", "--client", "c", "insert", "0", "> "], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout.hasPrefix("> Title: kept"))
        // Versions before the cutoff are gone, and say so.
        let gone = try CLI.run(["materialize", "doc.clog", "--at", "a:3"], in: dir)
        #expect(gone.status != 0 && gone.stderr.contains("compaction cutoff"), "\(gone.stderr)")
    }

    /// --stable compacts below what every replica that wrote has acknowledged (recorded
    /// by the server), refuses while one has acknowledged nothing, and keeps the records.
    @Test func stableCompactsBelowWhatEveryReplicaAcknowledged() throws {
        let dir = try CLI.scratch()
        let long = String(repeating: "old text. ", count: 50)
        try CLI.run(["edit", "doc.clog", "--client", "a", "insert", "0", "Title" + long], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "a", "delete", "5", "\(long.count)"], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "b", "insert", "5", "!"], in: dir)
        let path = dir.file("doc.clog").path
        let appender = try ClogAppender(path: path, documentId: "doc")
        func acknowledge(_ replica: String, _ version: VersionVector, at: Int64) throws {
            try appender.appendSkippable(.replicaVersion, payload: ReplicaAcknowledgement(replica: replica, version: version, at: at).json)
        }
        let aHas = try OpLogFile.loadDocument(path).document.version["a"]
        try acknowledge("a", VersionVector(["a": aHas, "b": 1]), at: 1)
        let refused = try CLI.run(["compact", "doc.clog", "--stable"], in: dir)
        #expect(refused.status == 75 && refused.stderr.contains("no acknowledged version from b"), "\(refused)")
        // b has seen a's text but not the deletion yet: the cutoff stops before it.
        try acknowledge("b", VersionVector(["a": 5 + long.count, "b": 1]), at: 2)
        let head = try Self.renderings(dir)
        let done = try CLI.run(["compact", "doc.clog", "--stable", "--json"], in: dir)
        #expect(done.status == 0, "\(done)")
        #expect(done.stdout.contains(#""cutoff":{"a":\#(5 + long.count),"b":1}"#), "\(done.stdout)")
        #expect(try Self.renderings(dir) == head)
        #expect(try ClogLog.records(ofType: .replicaVersion, in: path).count == 2)
    }

    @Test func historyAfterTheCutoffIsKeptAndOpsFromBehindItAreRefused() throws {
        let dir = try Self.history()
        let behind = try CLI.run(["export", "doc.clog"], in: dir).stdout
        try dir.write("behind.jsonl", behind.split(separator: "\n").prefix(1).joined(separator: "\n") + "\n")
        // A replica that had only the first op types on, in the text deleted later.
        #expect(try CLI.run(["edit", "behind.jsonl", "--client", "z", "insert", "40", "!!"], in: dir).status == 0)
        let logBefore = try CLI.run(["log", "doc.clog", "--json"], in: dir).stdout.split(separator: "\n")
        #expect(try CLI.run(["compact", "doc.clog", "--before", "@2", "--no-backup"], in: dir).status == 0)
        // The ops after the cutoff are the same ops.
        let logAfter = try CLI.run(["log", "doc.clog", "--json"], in: dir).stdout.split(separator: "\n")
        #expect(logAfter.map { $0.replacingOccurrences(of: #""n":\d+,"#, with: "", options: .regularExpression) }
            == logBefore.suffix(logAfter.count).map { $0.replacingOccurrences(of: #""n":\d+,"#, with: "", options: .regularExpression) })
        #expect(try CLI.run(["materialize", "doc.clog", "--at", "early"], in: dir).stdout == "Title")
        let refused = try CLI.run(["apply", "doc.clog", "behind.jsonl"], in: dir)
        #expect(refused.status == 65 && refused.stderr.contains("must resync from a snapshot"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("doc.clog.before-compact").path))
    }

    @Test func aTraceWithManyDeletionsShrinks() throws {
        let dir = try CLI.scratch()
        let trace = OutputFormatTests.repository.appendingPathComponent("Tests/CollabLogTests/Fixtures/traces/sequential/automerge-paper.json.gz").path
        #expect(try CLI.run(["import", "--format", "trace", trace, "-o", "paper.clog"], in: dir).status == 0)
        let text = try CLI.run(["materialize", "paper.clog"], in: dir).stdout
        let before = try Data(contentsOf: dir.file("paper.clog")).count
        let compacted = try CLI.run(["compact", "paper.clog", "--before", "head", "--json"], in: dir)
        #expect(compacted.stdout.contains(#""bytesBefore":\#(before),"bytesAfter":"#), "\(compacted.stdout)")
        #expect(try Data(contentsOf: dir.file("paper.clog")).count <= 60_000)
        #expect(try CLI.run(["materialize", "paper.clog"], in: dir).stdout == text)
    }

    @Test func aKilledCompactionLeavesTheOldLogOrTheNewOne() throws {
        let dir = try Self.history()
        let head = try Self.renderings(dir)
        var random = SplitMix(seed: 7)
        for _ in 0..<20 {
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["compact", "doc.clog", "--before", "head", "--drop-tags", "--no-backup"]
            process.currentDirectoryURL = dir
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(random.next() % 40_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(try CLI.run(["verify", "doc.clog"], in: dir).status == 0)
            #expect(try Self.renderings(dir) == head)
        }
    }
}
