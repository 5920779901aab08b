import CollabCore
import CollabLog
import Foundation
import Testing

func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return [UInt8](try Data(contentsOf: url))
}

@Suite("Editing traces")
struct TraceTests {
    static let sequential = [
        "automerge-paper", "seph-blog1", "sveltecomponent", "rustcode", "friendsforever_flat", "clownschool_flat",
    ]
    static let concurrent = ["friendsforever", "clownschool"]

    @Test("sequential trace replays and merges to endContent", arguments: sequential)
    func sequentialTrace(name: String) throws {
        let trace = try EditingTrace(bytes: fixture("traces/sequential/\(name).json.gz"))
        let replay = try TraceReplay(trace)
        #expect(replay.text == trace.endContent)
        let merged = try Document(ops: replay.ops)
        #expect(merged.text == trace.endContent)
    }

    @Test("concurrent trace merges to endContent", arguments: concurrent)
    func concurrentTrace(name: String) throws {
        let trace = try EditingTrace(bytes: fixture("traces/concurrent/\(name).json.gz"))
        #expect(trace.agentCount >= 2)
        let replay = try TraceReplay(trace)
        #expect(replay.text == trace.endContent)
        // A fresh replica merging every agent's ops, in the log's order and per agent.
        #expect(try Document(ops: replay.ops).text == trace.endContent)
        let byAgent = replay.ops.sorted { $0.id.client < $1.id.client }
        let merged = Document()
        for op in byAgent { try merged.apply(op) }
        #expect(merged.pending.isEmpty)
        #expect(merged.text == trace.endContent)
    }

    @Test func logRoundTripsThroughJSONLines() throws {
        let trace = try EditingTrace(bytes: fixture("traces/sequential/friendsforever_flat.json.gz"))
        let ops = try TraceReplay(trace).ops
        let decoded = try JSONLines.decode(JSONLines.encode(ops), path: "memory")
        #expect(decoded == ops)
    }
}
