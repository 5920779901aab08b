import CollabCore
import CollabLog
import CollabTestSupport
import Foundation
import PropertyBased
import Testing

/// web/engine.js, the browser's copy of the text sequence, against the Swift engine in
/// Node (Tests/Node/crosscheck.mjs, docs/web.md): the same ops give the same text, in log
/// order and in shuffled orders, on both sides.
@Suite struct JavaScriptEngineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Writes the ops and the text they should give, runs the cross-check; its output.
    static func crossCheck(_ ops: [Op], text: String, shuffles: Int) throws -> (Int32, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("js-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let opsFile = folder.appendingPathComponent("ops.jsonl")
        let textFile = folder.appendingPathComponent("expected.txt")
        try ops.map { OpJSON.line($0) + "\n" }.joined().write(to: opsFile, atomically: true, encoding: .utf8)
        try text.write(to: textFile, atomically: true, encoding: .utf8)
        return try node([opsFile.path, textFile.path, "\(shuffles)"])
    }

    /// Runs Tests/Node/crosscheck.mjs with these arguments: its exit status and output.
    static func node(_ arguments: [String]) throws -> (Int32, String) {
        try runProgram(["node", repository.appendingPathComponent("Tests/Node/crosscheck.mjs").path] + arguments)
    }

    @Test(arguments: [
        "concurrent/friendsforever", "concurrent/clownschool", "sequential/friendsforever_flat", "sequential/sveltecomponent",
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
}
