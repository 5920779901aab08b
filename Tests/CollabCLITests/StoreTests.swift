import Foundation
import Testing

/// A store keeps one .clog per document, filed by a hash of its id.
@Suite("store")
struct StoreTests {
    @Test func documentsLiveInsideTheStoreWhateverTheirIds() throws {
        let dir = try CLI.scratch()
        let ids = ["notes/2026", "a b.c", "ünï 🙂", String(repeating: "x", count: 1024)]
        for (k, id) in ids.enumerated() {
            let result = try CLI.run(["edit", "--store", "data", id, "--client", "c\(k)", "insert", "0", "doc \(k)"], in: dir)
            #expect(result.status == 0, "\(id): \(result.stderr)")
        }
        for (k, id) in ids.enumerated() {
            #expect(try CLI.run(["materialize", "--store", "data", id], in: dir).stdout == "doc \(k)")
        }
        // Nothing was written outside the store, and every file is a hashed .clog.
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix("/") }
        let logs = files.filter { $0.hasSuffix(".clog") }
        #expect(logs.count == ids.count)
        #expect(logs.allSatisfy { $0.hasPrefix("data/") && $0.split(separator: "/").count == 3 })
        let listing = try CLI.run(["ls", "--store", "data", "--json"], in: dir)
        #expect(listing.status == 0)
        #expect(listing.stdout.split(separator: "\n").count == ids.count)
        #expect(listing.stdout.contains(#""document":"a b.c""#))
        // Ids that read as paths out of the store are refused before any file is touched.
        for id in ["../../escape", "/etc/passwd", "a/./b", "%2e%2e/x", "a//b"] {
            let refused = try CLI.run(["edit", "--store", "fresh", id, "--client", "c", "insert", "0", "x"], in: dir)
            #expect(refused.status == 64, "\(id): \(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("fresh").path))
    }

    @Test func badIdsMissingDocumentsAndMisfiledLogsAreRefused() throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run(["edit", "--store", "data", "", "--client", "a", "insert", "0", "x"], in: dir).status == 64)
        #expect(try CLI.run(["edit", "--store", "data", "a\u{1}b", "--client", "a", "insert", "0", "x"], in: dir).status == 64)
        #expect(try CLI.run(["edit", "--store", "data", String(repeating: "x", count: 1025), "--client", "a", "insert", "0", "x"], in: dir).status == 64)
        let missing = try CLI.run(["export", "--store", "data", "nope"], in: dir)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no such document"))
        // A log copied over another document's place is refused, not read as that document.
        try CLI.run(["edit", "--store", "data", "alpha", "--client", "a", "insert", "0", "A"], in: dir)
        try CLI.run(["edit", "--store", "data", "beta", "--client", "b", "insert", "0", "B"], in: dir)
        let logs = try FileManager.default.subpathsOfDirectory(atPath: dir.file("data").path).filter { $0.hasSuffix(".clog") }.sorted()
        let listing = try CLI.run(["ls", "--store", "data", "--json"], in: dir).stdout
        let alphaPath = try #require(logs.first { listing.contains(#""document":"alpha","path":"data/\#($0)""#) })
        let betaPath = try #require(logs.first { $0 != alphaPath })
        try FileManager.default.removeItem(at: dir.file("data/\(betaPath)"))
        try FileManager.default.copyItem(at: dir.file("data/\(alphaPath)"), to: dir.file("data/\(betaPath)"))
        let misfiled = try CLI.run(["materialize", "--store", "data", "beta"], in: dir)
        #expect(misfiled.status == 65)
        #expect(misfiled.stderr.contains("header says \"alpha\""))
    }
}

@Suite("store import and export")
struct StoreTransferTests {
    @Test func exportImportExportIsByteIdentical() throws {
        let dir = try CLI.scratch()
        for (k, id) in ["alpha", "beta/gamma", "δ"].enumerated() {
            try CLI.run(["edit", "--store", "one", id, "--client", "c\(k)", "insert", "0", "text of \(id)"], in: dir)
            try CLI.run(["edit", "--store", "one", id, "--client", "d", "delete", "0", "2"], in: dir)
        }
        #expect(try CLI.run(["export", "--store", "one", "-o", "first.jsonl"], in: dir).status == 0)
        #expect(try CLI.run(["import", "--format", "jsonl", "first.jsonl", "--store", "two"], in: dir).status == 0)
        #expect(try CLI.run(["export", "--store", "two", "-o", "second.jsonl"], in: dir).status == 0)
        let first = try dir.read("first.jsonl")
        #expect(first == (try dir.read("second.jsonl")))
        #expect(first.split(separator: "\n").count == 6)
        #expect(first.hasPrefix(#"{"documentId":"alpha","id":"#))
        #expect(try CLI.run(["materialize", "--store", "two", "δ"], in: dir).stdout == "xt of δ")
        // Importing again over existing documents needs --force; nothing changes without it.
        #expect(try CLI.run(["import", "--format", "jsonl", "first.jsonl", "--store", "two"], in: dir).status == 73)
    }

    @Test func anImportIsAllOrNothingUnlessBadLinesAreSetAside() throws {
        let dir = try CLI.scratch()
        let good = #"{"documentId":"a","id":{"clientId":"x","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"text":"hi"}}"#
        let orphan = #"{"documentId":"b","id":{"clientId":"y","seq":0},"type":"text_insert","timestamp":{"wall":1,"logical":0},"payload":{"after":{"clientId":"q","seq":9},"text":"!"}}"#
        try dir.write("in.jsonl", [good, "{not json", orphan].joined(separator: "\n") + "\n")
        let refused = try CLI.run(["import", "--format", "jsonl", "in.jsonl", "--store", "s"], in: dir)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("line 2:"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("s").path))
        let partial = try CLI.run(["import", "--format", "jsonl", "in.jsonl", "--store", "s", "--skip-invalid", "rejects.jsonl"], in: dir)
        #expect(partial.status == 1)
        #expect(try CLI.run(["materialize", "--store", "s", "a"], in: dir).stdout == "hi")
        let rejects = try dir.read("rejects.jsonl").split(separator: "\n")
        #expect(rejects.count == 2)
        #expect(rejects[0].contains(#""line":2"#) && rejects[0].contains(#""text":"{not json""#))
        #expect(rejects[1].contains(#""line":3"#) && rejects[1].contains("depends on q:9"))
    }
}

@Suite("relational rows")
struct RelationalRowTests {
    @Test func rowsRoundTripAndRebuildTheText() throws {
        let dir = try CLI.scratch()
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples")
        for name in ["alice.jsonl", "bob.jsonl"] {
            try FileManager.default.copyItem(at: samples.appendingPathComponent(name), to: dir.file(name))
        }
        try CLI.run(["merge", "alice.jsonl", "bob.jsonl", "-o", "merged.clog"], in: dir)
        let rows = try CLI.run(["export", "merged.clog", "--format", "rows"], in: dir)
        #expect(rows.status == 0)
        #expect(rows.stdout.contains(#""operation_type":"delete","position":{"index":35,"length":6},"content":"Friday""#))
        try dir.write("rows.jsonl", rows.stdout)
        #expect(try CLI.run(["import", "--format", "rows", "rows.jsonl", "-o", "again.clog"], in: dir).status == 0)
        #expect(try CLI.run(["materialize", "again.clog"], in: dir).stdout == (try CLI.run(["materialize", "merged.clog"], in: dir).stdout))
        #expect(try CLI.run(["export", "again.clog", "--format", "rows"], in: dir).stdout == rows.stdout)
    }

    @Test func badRowsAreRefusedOrSetAside() throws {
        let dir = try CLI.scratch()
        let rows = [
            #"{"id":1,"document_id":"d","operation_type":"insert","position":0,"content":"hello","author_id":"a","timestamp":"2020-01-01T00:00:00Z","vector_clock":{}}"#,
            #"{"id":2,"document_id":"d","operation_type":"delete","position":{"index":1,"length":2},"content":"xx","author_id":"a","timestamp":"2020-01-01T00:00:01Z"}"#,
            #"{"id":3,"document_id":"d","operation_type":"format","position":{"index":0,"length":1},"content":null,"author_id":"a","timestamp":"2020-01-01T00:00:02Z"}"#,
            #"{"id":4,"document_id":"d","operation_type":"delete","position":{"index":0,"length":1},"content":null,"author_id":"b","timestamp":1577836803000}"#,
        ]
        try dir.write("rows.jsonl", rows.joined(separator: "\n") + "\n")
        let refused = try CLI.run(["import", "--format", "rows", "rows.jsonl", "-o", "d.clog"], in: dir)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains(#"line 2: the text at 1 is "el", not the deleted "xx""#))
        let partial = try CLI.run(["import", "--format", "rows", "rows.jsonl", "-o", "d.clog", "--skip-invalid", "bad.jsonl"], in: dir)
        #expect(partial.status == 1)
        #expect(try CLI.run(["materialize", "d.clog"], in: dir).stdout == "ello")
        #expect(try dir.read("bad.jsonl").contains("a format row needs position.length and content holding a JSON object of attributes"))
    }
}
