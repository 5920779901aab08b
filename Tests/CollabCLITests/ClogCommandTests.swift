import Foundation
import Testing

/// Commands on binary `.clog` logs: appends, verification, repair, locking.
@Suite("clog commands")
struct ClogCommandTests {
    @Test func editAndApplyAppendRecordsAndCommandsReadEitherFormat() throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "Hello"], in: dir).status == 0)
        #expect(try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "5", ", world"], in: dir).status == 0)
        let header = try [UInt8](Data(contentsOf: dir.file("doc.clog")).prefix(5))
        #expect(header == [0x89, 0x43, 0x4C, 0x4F, 0x47])
        let exported = try CLI.run(["export", "doc.clog"], in: dir)
        #expect(exported.stdout.split(separator: "\n").count == 2)
        try dir.write("more.jsonl", exported.stdout)
        // The same ops again are known; a JSON-lines copy reads the same.
        #expect(try CLI.run(["apply", "doc.clog", "more.jsonl"], in: dir).stdout.contains("applied 0 ops, 2 already known"))
        #expect(try CLI.run(["import", "--format", "jsonl", "more.jsonl", "-o", "copy.jsonl"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Hello, world")
        #expect(try CLI.run(["materialize", "copy.jsonl"], in: dir).stdout == "Hello, world")
        let verify = try CLI.run(["verify", "doc.clog", "copy.jsonl", "--json"], in: dir)
        #expect(verify.status == 0)
        #expect(verify.stdout.contains(#""records":2"#))
    }

    @Test func tornTailIsReportedRefusedAndRepaired() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "Hello"], in: dir)
        let good = try Data(contentsOf: dir.file("doc.clog"))
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "5", "!"], in: dir)
        let full = try Data(contentsOf: dir.file("doc.clog"))
        try full.prefix(full.count - 3).write(to: dir.file("doc.clog"))  // the append was cut short
        let verify = try CLI.run(["verify", "doc.clog"], in: dir)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("torn tail at byte \(good.count)"))
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).status == 65)
        let repair = try CLI.run(["repair", "doc.clog"], in: dir)
        #expect(repair.status == 0)
        #expect(try Data(contentsOf: dir.file("doc.clog")) == good)
        let side = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("doc.clog.torn-") }
        #expect(side.count == 1)
        #expect(try Data(contentsOf: dir.file(side[0])) == full[good.count..<(full.count - 3)])
        #expect(try CLI.run(["verify", "doc.clog"], in: dir).status == 0)
        #expect(try CLI.run(["repair", "doc.clog"], in: dir).stdout.contains("nothing to repair"))
        // Torn again at once: a second side file beside the first, never over it.
        try full.prefix(full.count - 3).write(to: dir.file("doc.clog"))
        let again = try CLI.run(["repair", "doc.clog"], in: dir)
        #expect(again.status == 0, "\(again)")
        let sides = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("doc.clog.torn-") }
        #expect(sides.count == 2)
        for side in sides { #expect(try Data(contentsOf: dir.file(side)) == full[good.count..<(full.count - 3)]) }
    }

    @Test func corruptionIsRefusedEverywhereAndRepairPointsAtSalvage() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "Hello"], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "5", "!"], in: dir)
        var bytes = try [UInt8](Data(contentsOf: dir.file("doc.clog")))
        bytes[40] ^= 0x10  // inside the first record, with the second intact after it
        try Data(bytes).write(to: dir.file("doc.clog"))
        let verify = try CLI.run(["verify", "doc.clog", "--json"], in: dir)
        #expect(verify.status == 65)
        #expect(verify.stdout.contains(#""status":"corrupt""#))
        for command in [["materialize", "doc.clog"], ["export", "doc.clog"], ["merge", "doc.clog", "doc.clog", "--dry-run"],
                        ["edit", "doc.clog", "--client", "bob", "insert", "0", "x"]] {
            #expect(try CLI.run(command, in: dir).status == 65, "\(command)")
        }
        let repair = try CLI.run(["repair", "doc.clog"], in: dir)
        #expect(repair.status == 65)
        #expect(repair.stderr.contains("salvage"))
        #expect(try [UInt8](Data(contentsOf: dir.file("doc.clog"))) == bytes)
    }

    @Test func aSecondWriterIsToldWhoHoldsTheLock() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "Hello"], in: dir)
        let fd = open(dir.file("doc.clog").path, O_RDWR)
        defer { close(fd) }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        #expect(fcntl(fd, F_SETLK, &request) == 0)
        let refused = try CLI.run(["edit", "doc.clog", "--client", "bob", "insert", "0", "x"], in: dir)
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("locked by another writer (process \(getpid()))"))
        #expect(try CLI.run(["materialize", "doc.clog"], in: dir).stdout == "Hello")
    }
}

@Suite("salvage")
struct SalvageTests {
    /// Ops dropped with a lost record are summed up as id ranges per client; --list names each.
    @Test func salvageSumsUpDroppedOpsAsRangesAndListsThemWhenAsked() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "one "], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "4", "two "], in: dir)
        for k in 0..<3 { try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "\(8 + 2 * k)", "\(k)!"], in: dir) }
        var bytes = try [UInt8](Data(contentsOf: dir.file("doc.clog")))
        bytes[try recordOffsets(bytes)[1] + 30] ^= 0x55
        try Data(bytes).write(to: dir.file("doc.clog"))
        let summary = try CLI.run(["salvage", "doc.clog", "-o", "new.clog"], in: dir)
        #expect(summary.status == 1)
        #expect(summary.stdout.contains("lost: 3 ops that depend on lost ones or do not apply: alice:8..<14 (3 ops)"), "\(summary.stdout)")
        #expect(!summary.stdout.contains("lost: op "))
        let listed = try CLI.run(["salvage", "doc.clog", "-o", "listed.clog", "--list"], in: dir)
        #expect(listed.stdout.components(separatedBy: "lost: op alice:").count - 1 == 3, "\(listed.stdout)")
        #expect(try CLI.run(["materialize", "new.clog"], in: dir).stdout == "one ")
    }

    @Test func salvageKeepsWhatVerifiesAndNeverTouchesItsInput() throws {
        let dir = try CLI.scratch()
        // Two independent clients, so losing one's record strands nothing of the other.
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "Alice was here. "], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "bob", "insert", "0", "Bob too. "], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "carol", "insert", "25", "Carol."], in: dir)  // after Alice's text
        var bytes = try [UInt8](Data(contentsOf: dir.file("doc.clog")))
        // Damage the middle record (bob's).
        let records = try recordOffsets(bytes)
        bytes[records[1] + 30] ^= 0x55
        try Data(bytes).write(to: dir.file("doc.clog"))
        let result = try CLI.run(["salvage", "doc.clog", "-o", "new.clog", "--json"], in: dir)
        #expect(result.status == 1)
        #expect(result.stdout.contains(#""keptRecords":2"#))
        #expect(try [UInt8](Data(contentsOf: dir.file("doc.clog"))) == bytes)
        #expect(try CLI.run(["verify", "new.clog"], in: dir).status == 0)
        let text = try CLI.run(["materialize", "new.clog"], in: dir).stdout
        #expect(text.contains("Alice was here.") && text.contains("Carol.") && !text.contains("Bob"))
        #expect(try CLI.run(["salvage", "doc.clog", "-o", "doc.clog"], in: dir).status == 64)
    }

    /// Record start offsets, read from the frame lengths after the header.
    func recordOffsets(_ bytes: [UInt8]) throws -> [Int] {
        let idLength = Int(bytes[20]) | Int(bytes[21]) << 8
        var offset = 22 + idLength + 4
        var offsets: [Int] = []
        while offset + 24 <= bytes.count {
            offsets.append(offset)
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            offset += 24 + length
        }
        return offsets
    }
}
