import CollabCore
import CollabLog
import CollabProtocol
import CollabTestSupport
import Foundation
import PropertyBased
import Testing

/// web/replica.js, the browser's copy of the engine, against the Swift engine in Node
/// (Tests/Node/crosscheck.mjs, docs/web.md): the same ops give the same text, blocks,
/// formatting and comments, in log order and in shuffled orders, on both sides.
@Suite struct JavaScriptEngineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Writes the ops and the text they should give, runs the cross-check; its output.
    static func crossCheck(_ ops: [Op], text: String, shuffles: Int) throws -> (Int32, String) {
        try crossCheck(ops, expected: text, named: "expected.txt", shuffles: shuffles)
    }

    /// The same for a rich document: what `richForm` says of it is what JavaScript must give.
    static func crossCheck(_ ops: [Op], document: Document, shuffles: Int) throws -> (Int32, String) {
        try crossCheck(ops, expected: richForm(document), named: "expected.json", shuffles: shuffles)
    }

    /// A document's state (`sync_state`) loaded in JavaScript, then `ops` applied, must give
    /// `document` (the state's document with those ops).
    static func crossCheck(state: ReplicaState, then ops: [Op], document: Document) throws -> (Int32, String) {
        var writer = JSONWriter()
        state.json(&writer)
        return try withFiles([("state.json", writer.text), ("ops.jsonl", lines(ops)), ("expected.json", try richForm(document))]) { paths in
            try node(["--state"] + paths)
        }
    }

    private static func crossCheck(_ ops: [Op], expected: String, named name: String, shuffles: Int) throws -> (Int32, String) {
        try withFiles([("ops.jsonl", lines(ops)), (name, expected)]) { paths in try node(paths + ["\(shuffles)"]) }
    }

    private static func lines(_ ops: [Op]) -> String { ops.map { OpJSON.line($0) + "\n" }.joined() }

    /// Writes the files in a folder of their own, gives their paths in order to `body`, and
    /// removes them.
    private static func withFiles<T>(_ files: [(name: String, text: String)], _ body: ([String]) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("js-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = try files.map { file in
            let url = folder.appendingPathComponent(file.name)
            try file.text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        return try body(paths)
    }

    /// A rich document as `Replica` shows it in JavaScript: `{text, blocks, threads}`, its
    /// plain text, `blockContents` and `commentThreads`.
    static func richForm(_ document: Document) throws -> String {
        func value(_ value: AttributeValue) -> Any {
            switch value {
            case .null: NSNull()
            case .bool(let bool): bool
            case .int(let int): int
            case .string(let string): string
            }
        }
        func attributes(_ attributes: [String: AttributeValue]) -> [String: Any] { attributes.mapValues(value) }
        func thread(_ comment: CommentThread) -> [String: Any] {
            [
                "id": comment.id.description, "author": comment.author, "text": comment.text, "resolved": comment.resolved,
                "timestamp": ["wall": comment.timestamp.wall, "logical": comment.timestamp.logical],
                "range": comment.range.map { ["index": $0.lowerBound, "length": $0.count] } ?? NSNull(),
                "orphaned": comment.isOrphaned, "replies": comment.replies.map(thread),
            ]
        }
        let blocks: [[String: Any]] = document.blockContents.map { block in
            [
                "id": block.id?.description ?? NSNull(), "attributes": attributes(block.attributes),
                "runs": block.runs.map { ["text": $0.text, "marks": attributes($0.attributes), "comments": $0.comments.map(\.description)] },
            ]
        }
        let form: [String: Any] = ["text": document.text, "blocks": blocks, "threads": document.commentThreads.map(thread)]
        return String(decoding: try JSONSerialization.data(withJSONObject: form, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Runs Tests/Node/crosscheck.mjs with these arguments: its exit status and output.
    static func node(_ arguments: [String]) throws -> (Int32, String) {
        try runProgram(["node", repository.appendingPathComponent("Tests/Node/crosscheck.mjs").path] + arguments)
    }

    /// Every shared trace (docs/web.md): its ops give the trace's text in JavaScript.
    @Test(arguments: [
        "concurrent/friendsforever", "concurrent/clownschool", "sequential/automerge-paper", "sequential/clownschool_flat",
        "sequential/friendsforever_flat", "sequential/rustcode", "sequential/seph-blog1", "sequential/sveltecomponent",
    ])
    func aTraceGivesTheSameTextInJavaScript(trace name: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/traces/\(name).json", withExtension: "gz"))
        let trace = try EditingTrace(bytes: [UInt8](Data(contentsOf: url)))
        let replay = try TraceReplay(trace)
        let (status, printed) = try Self.crossCheck(replay.ops, text: trace.endContent, shuffles: 0)
        #expect(status == 0 && printed.hasPrefix("same log order"), "\(printed)")
    }

    /// The browser's local edits: JavaScript types a trace, the Swift engine applies the
    /// ops it made (checked as any client's) and shows the same text.
    @Test func opsTypedInJavaScriptGiveTheSameTextInSwift() throws {
        let trace = try #require(Bundle.module.url(forResource: "Fixtures/traces/sequential/friendsforever_flat.json", withExtension: "gz"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("typed-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, printed) = try Self.node(["--type", trace.path, out.path])
        #expect(status == 0 && printed.hasPrefix("same typed"), "\(printed)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        let document = Document()
        for line in lines { #expect(try document.apply(OpJSON.decode(line: Array(line.utf8))) == .applied) }
        let expected = try EditingTrace(bytes: [UInt8](Data(contentsOf: trace))).endContent
        #expect(document.pending.isEmpty && document.text == expected)
    }

    /// Random concurrent histories (many branches, merges of several parents), their ops
    /// shuffled: each side waits for what an op depends on, and both give the text.
    @Test func shuffledConcurrentHistoriesGiveTheSameTextOnBothSides() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 2...6), Gen.int(in: 5...40), Gen.int(in: 0...Int(Int32.max))) { agents, transactions, seed in
            do {
                let trace = try GeneratedHistory(
                    agents: agents, transactions: transactions, patchesPerTransaction: 4, openBranches: 4, seed: UInt64(seed)
                ).trace()
                let ops = try TraceReplay(trace).ops
                // The Swift side in a shuffled order.
                var random = SplitMix(seed: UInt64(seed))
                let swift = Document()
                for op in ops.shuffled(using: &random) { _ = try swift.apply(op) }
                #expect(swift.pending.isEmpty && swift.text == trace.endContent, "seed \(seed)")
                // The JavaScript side in log order and three shuffled orders of its own.
                let (status, printed) = try Self.crossCheck(ops, text: trace.endContent, shuffles: 3)
                #expect(status == 0, "seed \(seed): \(printed)")
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    /// A trace replayed as rich text (every typed newline a block split, marks and
    /// comments along the way: the rich automerge-paper document of the benchmarks) shows
    /// the same blocks, formatting and threads in JavaScript.
    @Test func theRichPaperGivesTheSameDocumentInJavaScript() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/traces/sequential/automerge-paper.json", withExtension: "gz"))
        let workload = try RichTextWorkload(try EditingTrace(bytes: [UInt8](Data(contentsOf: url))))
        #expect(workload.blocks > 100 && workload.marks > 0 && workload.comments > 0)
        let (status, printed) = try Self.crossCheck(workload.document.history, document: workload.document, shuffles: 0)
        #expect(status == 0 && printed.hasPrefix("same log order"), "\(printed)")
    }

    /// A document's state, as `sync_state` gives it to a page, loaded in JavaScript: with
    /// the rest of the history applied after it, random concurrent rich histories give
    /// the Swift engine's document; the rich paper's whole state gives it alone.
    @Test func aStateLoadedInJavaScriptGoesOnAsTheSwiftEngine() async throws {
        await propertyCheck(count: 20, input: Gen.int(in: 2...4), Gen.int(in: 1...60), Gen.int(in: 0...Int(Int32.max))) { replicaCount, editCount, seed in
            do {
                var random = SplitMix(seed: UInt64(seed))
                let edits = (0..<editCount).map { _ in RandomEdit.random(kinds: Array(0...11), using: &random) }
                let document = RandomEdit.replicas(count: replicaCount, making: edits, seed: seed)[0]
                let history = document.history
                let cut = Int(random.next() % UInt64(history.count + 1))
                let start = Document()
                for op in history.prefix(cut) { _ = try start.apply(op) }
                let state = try #require(start.replicaState)
                let (status, printed) = try Self.crossCheck(state: state, then: document.history(since: start.version), document: document)
                #expect(status == 0, "seed \(seed), cut at \(cut) of \(history.count): \(printed)")
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/traces/sequential/automerge-paper.json", withExtension: "gz"))
        let paper = try RichTextWorkload(try EditingTrace(bytes: [UInt8](Data(contentsOf: url)))).document
        let (status, printed) = try Self.crossCheck(state: try #require(paper.replicaState), then: [], document: paper)
        #expect(status == 0, "\(printed)")
        // The concurrent traces, cut a third and two thirds in: much of what follows the cut
        // was typed concurrently with what precedes it, into runs the cut state holds split.
        for name in ["concurrent/friendsforever", "concurrent/clownschool"] {
            let url = try #require(Bundle.module.url(forResource: "Fixtures/traces/\(name).json", withExtension: "gz"))
            let ops = try TraceReplay(try EditingTrace(bytes: [UInt8](Data(contentsOf: url)))).ops
            let whole = try Document(ops: ops)
            for cut in [ops.count / 3, 2 * ops.count / 3] {
                let start = try Document(ops: ops.prefix(cut))
                let (status, printed) = try Self.crossCheck(state: try #require(start.replicaState), then: whole.history(since: start.version), document: whole)
                #expect(status == 0, "\(name) cut at \(cut): \(printed)")
            }
        }
    }

    /// Random concurrent rich histories (every op type: formatting, comments and their
    /// threads, block splits, types, deletes and moves), their ops shuffled: JavaScript
    /// gives the Swift engine's text, blocks, formatting and comment threads.
    @Test func richConcurrentHistoriesGiveTheSameDocumentInJavaScript() async throws {
        await propertyCheck(count: 25, input: Gen.int(in: 2...4), Gen.int(in: 1...60), Gen.int(in: 0...Int(Int32.max))) { replicaCount, editCount, seed in
            do {
                var random = SplitMix(seed: UInt64(seed))
                let edits = (0..<editCount).map { _ in RandomEdit.random(kinds: Array(0...11), using: &random) }
                let document = RandomEdit.replicas(count: replicaCount, making: edits, seed: seed)[0]
                let (status, printed) = try Self.crossCheck(document.history, document: document, shuffles: 3)
                #expect(status == 0, "seed \(seed), \(replicaCount) replicas, \(editCount) edits: \(printed)")
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}
