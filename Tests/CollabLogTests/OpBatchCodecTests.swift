import CollabCore
import Foundation
import CollabTestSupport
import PropertyBased
import Testing

@testable import CollabLog
@testable import CollabStorage

/// Op batches (docs/format.md): whatever ops go in come out, the guesses the encoding
/// makes never change an op, logs of the first encoding still read, and a trace's log is
/// no larger than Yjs's encoding of the same trace.
@Suite struct OpBatchCodecTests {
    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    }

    /// Yjs 13.5's update v2 of each sequential trace (`../shared/bench/`, the figures of
    /// the issue that asked for this).
    static let yjsBytes = [
        "automerge-paper": 159_926, "clownschool_flat": 42_994, "friendsforever_flat": 40_883,
        "rustcode": 109_121, "seph-blog1": 135_221, "sveltecomponent": 36_845,
    ]

    @Test(arguments: yjsBytes.keys.sorted())
    func aTracesLogRoundTripsAndIsNoLargerThanYjss(trace name: String) throws {
        let trace = try EditingTrace(bytes: [UInt8](Data(contentsOf: Self.fixture("traces/sequential/\(name).json.gz"))))
        let ops = try TraceReplay(trace).ops
        let bytes = ClogLog.encode(documentId: name, ops: ops)
        #expect(try ClogLog.ops(of: ClogScanner.scan(bytes), path: name) == ops)
        #expect(bytes.count <= Self.yjsBytes[name]!, "\(name): \(bytes.count) bytes")
    }

    @Test(arguments: ["clownschool", "friendsforever"])
    func aConcurrentTracesLogRoundTrips(trace name: String) throws {
        let trace = try EditingTrace(bytes: [UInt8](Data(contentsOf: Self.fixture("traces/concurrent/\(name).json.gz"))))
        let ops = try TraceReplay(trace).ops
        #expect(try ClogLog.ops(of: ClogScanner.scan(ClogLog.encode(documentId: name, ops: ops)), path: name) == ops)
    }

    /// Written by the encoding before this one (zlib over nine columns): the rich-text
    /// sample, and a concurrent trace.
    @Test func logsOfTheFirstEncodingStillRead() throws {
        let rich = try OpLogFile.load(try Self.fixture("earlier-formats/rich.clog").path)
        let expected = try OpLogFile.load(try Self.fixture("earlier-formats/rich.jsonl").path)
        #expect(rich.ops == expected.ops && !rich.ops.isEmpty)

        let concurrent = try OpLogFile.load(try Self.fixture("earlier-formats/concurrent.clog").path)
        let trace = try EditingTrace(bytes: [UInt8](Data(contentsOf: Self.fixture("traces/concurrent/clownschool.json.gz"))))
        #expect(concurrent.ops == (try TraceReplay(trace).ops))
    }

    /// Any ops at all, valid or not as a history (the codec stores, the engine judges):
    /// ids, origins and ranges random or placed where the encoding guesses, timestamps
    /// anywhere in their range.
    @Test func anyOpsRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...60), Gen.int(in: 0...Int(Int32.max))) { count, seed in
            var random = SplitMix(seed: UInt64(seed))
            let ops = Self.randomOps(count: count, using: &random)
            do {
                #expect(try OpBatchCodec.decode(OpBatchCodec.encode(ops)) == ops)
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    static func randomOps(count: Int, using random: inout SplitMix) -> [Op] {
        let clients = ["alice", "bob/phone", "ç", String(repeating: "z", count: 256)]
        var ops: [Op] = []
        var next: [String: Int] = [:]
        var wall: Int64 = Int64.random(in: 0...2_000_000_000_000, using: &random)
        var logical: Int32 = 0
        func someId(near ops: [Op]) -> OpId {
            if let op = ops.randomElement(using: &random), Bool.random(using: &random) {
                let seq = Int.random(in: op.id.seq..<op.endSeq, using: &random) + Int.random(in: -1...1, using: &random)
                return OpId(op.id.client, max(0, seq))
            }
            let seq = Bool.random(using: &random) ? Int(Int32.max) : Int.random(in: 0...1_000, using: &random)
            return OpId(clients.randomElement(using: &random)!, seq)
        }
        for _ in 0..<count {
            let author = clients.randomElement(using: &random)!
            let seq = Int.random(in: 0...9, using: &random) == 0 ? Int.random(in: 0...Int(Int32.max) / 2, using: &random) : next[author, default: 0]
            switch Int.random(in: 0...9, using: &random) {
            case 0: wall = 0
            case 1: wall = Int64.max
            case 2, 3: break  // the same millisecond
            case 4: wall = Int64.random(in: 0...Int64.max, using: &random)
            default: wall = max(0, wall &+ Int64.random(in: -3...30, using: &random) * (Bool.random(using: &random) ? 1_000 : 7))
            }
            logical = [0, logical &+ 1, Int32.max, Int32.random(in: 0...9, using: &random)].randomElement(using: &random)!
            if logical < 0 { logical = 0 }
            let timestamp = Timestamp(wall: wall, logical: logical)
            let payload: Op.Payload
            switch Int.random(in: 0...9, using: &random) {
            case 0...4:
                let after: OpId? = Bool.random(using: &random) ? nil : someId(near: ops)
                var before: OpId? = Bool.random(using: &random) ? nil : someId(near: ops)
                if let after, after.seq < Int(Int32.max), Int.random(in: 0...3, using: &random) == 0 {
                    before = OpId(after.client, after.seq + 1)
                }
                let text = ["a", "héllo", "🙂 x", String(repeating: "w", count: 40)].randomElement(using: &random)!
                payload = .textInsert(TextInsert(block: Int.random(in: 0...5, using: &random) == 0 ? someId(near: ops) : nil, after: after, before: before, text: text))
            case 5...7:
                var targets: [DeleteTarget] = []
                for _ in 0..<Int.random(in: 1...5, using: &random) {
                    let start = someId(near: ops)
                    let backward = start.seq > 0 && Bool.random(using: &random)
                    let length = Int.random(in: 1...(backward ? min(start.seq + 1, 50) : 50), using: &random)
                    targets.append(DeleteTarget(start: start, length: length, backward: backward))
                }
                payload = .textDelete(TextDelete(targets: targets))
            case 8:
                let start = Bool.random(using: &random) ? nil : MarkAnchor(someId(near: ops), Bool.random(using: &random) ? .before : .after)
                let end = Bool.random(using: &random) ? nil : MarkAnchor(someId(near: ops), Bool.random(using: &random) ? .before : .after)
                let value: AttributeValue = [.null, .bool(true), .int(-5), .string("https://example.com/ü")].randomElement(using: &random)!
                payload = .formatSet(FormatSet(start: start, end: end, key: ["bold", "link", "x"].randomElement(using: &random)!, value: value))
            default:
                payload = .comment(.resolve(comment: someId(near: ops), resolved: Bool.random(using: &random)))
            }
            let op = Op(id: OpId(author, seq), timestamp: timestamp, payload: payload)
            next[author] = op.endSeq
            ops.append(op)
        }
        return ops
    }

    /// A guess needs what it guesses from; a batch whose guesses name nothing is damaged,
    /// and is refused, never read as some other op.
    @Test func guessesThatNameNothingAreRefused() throws {
        // One insert by client 0, seq 0, at wall 0 (code 1: zero whole seconds), logical 0;
        // its kind byte says where its left origin is.
        func batch(kind: UInt8, referenceClients: [UInt8] = [], referenceCodes: [UInt8] = []) -> [UInt8] {
            var columns: [[UInt8]] = Array(repeating: [], count: OpBatchCodec.Columns.count)
            columns[0] = [kind]
            columns[1] = [0]
            columns[2] = [0]
            columns[3] = [1]
            columns[4] = [0]
            columns[5] = referenceClients
            columns[6] = referenceCodes
            columns[7] = [1]
            columns[8] = Array("x".utf8)
            var writer = ByteWriter()
            writer.u8(OpBatchCodec.columnsEncoding)
            writer.varint(1)
            writer.string("alice")
            writer.varint(1)
            writer.columns(columns)
            return writer.bytes
        }
        // The well-formed control: no origins.
        #expect(try OpBatchCodec.decode(batch(kind: 0)).count == 1)
        // `after` just before a deletion the author never made.
        #expect(throws: DecodeError.self) { try OpBatchCodec.decode(batch(kind: 2 << 2)) }
        // `before` next to an `after` that is absent.
        #expect(throws: DecodeError.self) { try OpBatchCodec.decode(batch(kind: 2 << 4)) }
        // `before` as the right origin of a run that is not in the batch.
        #expect(throws: DecodeError.self) { try OpBatchCodec.decode(batch(kind: 1 << 2 | 3 << 4, referenceClients: [0], referenceCodes: [UInt8(OpBatchCodec.Predictions.nearCodes) + 2])) }
        // A written `after` whose code names a recent id when there is none yet.
        #expect(throws: DecodeError.self) { try OpBatchCodec.decode(batch(kind: 1 << 2, referenceCodes: [1])) }
        // Kinds that do not exist.
        #expect(throws: DecodeError.self) { try OpBatchCodec.decode(batch(kind: 3 << 2)) }
        #expect(throws: DecodeError.self) { try OpBatchCodec.decode(batch(kind: 2)) }
    }
}
