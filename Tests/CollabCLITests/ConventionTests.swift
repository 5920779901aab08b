import Foundation
import Testing

@testable import CollabCLI

/// What people who script `collab` expect of a command line: suggestions for typos,
/// usage errors that say `collab:` first, and errors that say what is wrong in words.
@Suite("command-line conventions")
struct ConventionTests {
    @Test func aMistypedCommandSuggestsTheNearestOne() throws {
        let dir = try CLI.scratch()
        let typo = try CLI.run(["materialze", "doc.jsonl"], in: dir)
        #expect(typo.status == 64)
        #expect(typo.stderr.hasPrefix("collab: unknown command 'materialze' (did you mean materialize?)"), "\(typo.stderr)")
        let unknown = try CLI.run(["frobnicate"], in: dir)
        #expect(unknown.status == 64 && !unknown.stderr.contains("did you mean"), "\(unknown.stderr)")
    }

    @Test func editDistanceCountsInsertionsDeletionsAndChanges() {
        #expect(CollabCommand.editDistance("materialze", "materialize") == 1)
        #expect(CollabCommand.editDistance("kitten", "sitting") == 3)
        #expect(CollabCommand.editDistance("", "log") == 3 && CollabCommand.editDistance("ls", "") == 2)
        #expect(CollabCommand.suggestion(for: "frobnicate", among: CollabCommand.commandNames) == "")
    }

    @Test func helpForAnUnknownTopicIsAUsageError() throws {
        let dir = try CLI.scratch()
        let unknown = try CLI.run(["help", "nosuch"], in: dir)
        #expect(unknown.status == 64 && unknown.stderr.hasPrefix("collab: no help topic 'nosuch'"), "\(unknown)")
        let known = try CLI.run(["help", "exit-codes"], in: dir)
        #expect(known.status == 0 && known.stdout.contains("sysexits"))
        let formats = try CLI.run(["help", "formats"], in: dir)
        #expect(formats.status == 0 && formats.stdout.contains("editing trace") && formats.stdout.contains("docs/json.md"), "\(formats)")
        let versions = try CLI.run(["help", "versions"], in: dir)
        #expect(versions.status == 0 && versions.stdout.contains("@N") && versions.stdout.contains("alice:41,bob:7"), "\(versions)")
        let misspelt = try CLI.run(["help", "materialise"], in: dir)
        #expect(misspelt.status == 64 && misspelt.stderr.contains("did you mean materialize?"), "\(misspelt)")
    }

    @Test func usageErrorsStartWithCollab() throws {
        let dir = try CLI.scratch()
        for arguments in [["materialize"], ["materialize", "x.jsonl", "--bogus"], ["edit", "x.jsonl", "--client", "a/", "insert", "0", "x"]] {
            let run = try CLI.run(arguments, in: dir)
            #expect(run.status == 64 && run.stderr.hasPrefix("collab: "), "\(arguments): \(run.stderr)")
        }
    }

    @Test func aFileThatIsNoLogAndAnEmptyLogAreNamedSo() throws {
        let dir = try CLI.scratch()
        try dir.write("passwd", "root:x:0:0:root:/root:/bin/bash\n")
        try dir.write("empty.jsonl", "")
        for command in ["materialize", "log", "export", "verify"] {
            let notALog = try CLI.run([command, "passwd"], in: dir)
            #expect(notALog.status == 65 && (notALog.stderr + notALog.stdout).contains("not a collab log: neither .clog nor JSON lines"), "\(command): \(notALog)")
            let empty = try CLI.run([command, "empty.jsonl"], in: dir)
            #expect(empty.status == 65 && (empty.stderr + empty.stdout).contains("empty: no ops"), "\(command): \(empty)")
        }
        let nothingOnInput = try CLI.run(["materialize", "-"], in: dir, stdin: "")
        #expect(nothingOnInput.status == 65 && nothingOnInput.stderr.contains("-: empty: no ops"))
        // Where a log starts, an empty file is an empty log.
        #expect(try CLI.run(["edit", "empty.jsonl", "--client", "a", "insert", "0", "hi"], in: dir).status == 0)
    }

    @Test func aPortInUseAndAnUnreachableServerAreSaidInWords() throws {
        let dir = try CLI.scratch()
        // Hold a port, then ask collab serve for it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let serve = try CLI.run(["serve", "--port", "\(port)", "--store", "st"], in: dir)
        #expect(serve.status == 69, "\(serve)")
        #expect(serve.stderr.contains("collab: port \(port) on 127.0.0.1 is in use: pass --port"), "\(serve.stderr)")
        let watch = try CLI.run(["watch", "ws://127.0.0.1:1/ws", "--doc", "notes", "--token", "t"], in: dir)
        #expect(watch.status == 69)
        #expect(watch.stderr.contains("collab: cannot reach ws://127.0.0.1:1/ws: connection refused: is collab serve running there?"), "\(watch.stderr)")
    }
}

/// Colour: only on a terminal that wants it, and as told.
@Suite("colour")
struct ColorTests {
    @Test func autoColoursATerminalUnlessNoColorOrADumbTerminalSaySo() {
        #expect(Terminal.colors(.auto, toTerminal: true, environment: ["TERM": "xterm-256color"]))
        #expect(!Terminal.colors(.auto, toTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
        #expect(!Terminal.colors(.auto, toTerminal: true, environment: ["TERM": "dumb"]))
        #expect(Terminal.colors(.auto, toTerminal: true, environment: ["NO_COLOR": ""]), "an empty NO_COLOR is unset")
        #expect(!Terminal.colors(.auto, toTerminal: false, environment: [:]))
        #expect(!Terminal.colors(.never, toTerminal: true, environment: [:]))
        #expect(Terminal.colors(.always, toTerminal: false, environment: ["NO_COLOR": "1"]))
    }

    @Test func diffColoursAsToldWithColor() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.jsonl", "--client", "a", "insert", "0", "hello"], in: dir)
        try CLI.run(["edit", "doc.jsonl", "--client", "a", "insert", "5", " world"], in: dir)
        let always = try CLI.run(["diff", "doc.jsonl", "--from", "@1", "--color", "always"], in: dir)
        #expect(always.stdout.contains("\u{1B}["), "\(always)")
        for arguments in [["--color", "never"], [], ["--color", "auto"]] {
            let plain = try CLI.run(["diff", "doc.jsonl", "--from", "@1"] + arguments, in: dir, environment: ["TERM": "xterm"])
            #expect(!plain.stdout.contains("\u{1B}") && plain.stdout.contains("{+ world+}"), "\(arguments): \(plain.stdout)")
        }
    }
}
