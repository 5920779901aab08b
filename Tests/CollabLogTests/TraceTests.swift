import CollabCore
import CollabLog
import Foundation
import Testing

func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return [UInt8](try Data(contentsOf: url))
}

/// Runs CPU-bound work on a thread of its own. Swift Testing runs tests on the
/// concurrency pool, which has one thread per core (two here): a test that computes for
/// a minute on it starves the servers other tests start, whose timers then miss their
/// deadlines (a revocation once took over a second that way).
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

@Suite("Editing traces")
struct TraceTests {
    static let sequential = [
        "automerge-paper", "seph-blog1", "sveltecomponent", "rustcode", "friendsforever_flat", "clownschool_flat",
    ]
    static let concurrent = ["friendsforever", "clownschool"]

    @Test("sequential trace replays and merges to endContent", arguments: sequential)
    func sequentialTrace(name: String) async throws {
        let (expected, replayed, merged) = try await offThePool {
            let trace = try EditingTrace(bytes: fixture("traces/sequential/\(name).json.gz"))
            let replay = try TraceReplay(trace)
            return (trace.endContent, replay.text, try Document(ops: replay.ops).text)
        }
        #expect(replayed == expected)
        #expect(merged == expected)
    }

    @Test("concurrent trace merges to endContent", arguments: concurrent)
    func concurrentTrace(name: String) async throws {
        let result = try await offThePool {
            let trace = try EditingTrace(bytes: fixture("traces/concurrent/\(name).json.gz"))
            let replay = try TraceReplay(trace)
            // A fresh replica merging every agent's ops, in the log's order and per agent.
            let inLogOrder = try Document(ops: replay.ops).text
            let byAgent = replay.ops.sorted { $0.id.client < $1.id.client }
            let merged = Document()
            for op in byAgent { try merged.apply(op) }
            return (
                agents: trace.agentCount, expected: trace.endContent, replayed: replay.text, inLogOrder: inLogOrder,
                byAgent: merged.text, pending: merged.pending.count
            )
        }
        #expect(result.agents >= 2)
        #expect(result.replayed == result.expected)
        #expect(result.inLogOrder == result.expected)
        #expect(result.pending == 0)
        #expect(result.byAgent == result.expected)
    }

    /// `json.dump(trace, indent=1)` and the like: space wherever JSON allows it, before
    /// colons and values too, and every non-ASCII character escaped.
    @Test func aPrettyPrintedTraceReadsAsTheCompactOne() throws {
        let compact = try Gzip.decompress(fixture("traces/concurrent/clownschool.json.gz"))
        let object = try JSONSerialization.jsonObject(with: Data(compact))
        let pretty = [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]))
        #expect(pretty.count > compact.count + 100_000)
        let trace = try EditingTrace(bytes: pretty)
        #expect(trace.patchCount == 23_182)
        #expect(try TraceReplay(trace).text == trace.endContent)
    }

    @Test func logRoundTripsThroughJSONLines() throws {
        let trace = try EditingTrace(bytes: fixture("traces/sequential/friendsforever_flat.json.gz"))
        let ops = try TraceReplay(trace).ops
        let decoded = try JSONLines.decode(JSONLines.encode(ops), path: "memory")
        #expect(decoded == ops)
    }
}
