import CollabCore
import Foundation
import CollabTestSupport
import Testing

@testable import CollabLog
@testable import CollabStorage

/// The `.clog` format: round trips, and how every kind of damage is classified.
@Suite("clog format")
struct ClogTests {
    /// A log of `count` records, each one op batch of a few ops, and those batches.
    static func log(records count: Int) throws -> (bytes: [UInt8], batches: [[Op]]) {
        let doc = Document()
        var batches: [[Op]] = []
        for k in 0..<count {
            var batch: [OpId] = []
            batch.append(try doc.insert("r\(k)é", at: doc.length / 2, by: k % 3 == 0 ? "alice" : "bob", timestamp: Timestamp(wall: 1_000 + Int64(k))))
            if k % 4 == 3 { batch.append(try doc.delete(at: 0, count: 1, by: "carol", timestamp: Timestamp(wall: 2_000 + Int64(k)))) }
            doc.coalescingFloor = doc.historyCount  // one op per edit, so batches stay apart
            batches.append(batch.map { doc.op(from: $0)! })
        }
        var bytes = ClogHeader(documentId: "doc-1").encoded()
        for (number, batch) in batches.enumerated() {
            bytes += ClogRecord.frame(type: .opBatch, number: UInt64(number), payload: OpBatchCodec.encode(batch))
        }
        return (bytes, batches)
    }

    static func decodedBatches(_ scan: ClogScan) throws -> [[Op]] {
        try scan.records.map { try OpBatchCodec.decode($0.payload) }
    }

    @Test func roundTripOfATrace() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/traces/sequential/friendsforever_flat.json", withExtension: "gz"))
        let trace = try EditingTrace(bytes: [UInt8](Data(contentsOf: url)))
        let ops = try TraceReplay(trace).ops
        let bytes = ClogLog.encode(documentId: "friends", ops: ops)
        let scan = ClogScanner.scan(bytes)
        #expect(scan.state == .clean)
        #expect(scan.documentId == "friends")
        #expect(try ClogLog.ops(of: scan, path: "x") == ops)
        #expect(try Document(ops: ClogLog.ops(of: scan, path: "x")).text == trace.endContent)
    }

    @Test func everyTruncationIsCleanOrTornAndKeepsExactlyTheWholeRecords() throws {
        let (bytes, batches) = try Self.log(records: 45)
        let headerSize = ClogHeader(documentId: "doc-1").encoded().count
        var ends: [Int] = []
        var offset = headerSize
        for record in ClogScanner.scan(bytes).records {
            offset += record.size
            ends.append(offset)
        }
        #expect(ends.count == 45)
        for length in 0...bytes.count {
            let scan = ClogScanner.scan(Array(bytes[0..<length]))
            let whole = ends.filter { $0 <= length }.count
            let atBoundary = length == headerSize || ends.contains(length)
            switch scan.state {
            case .clean: #expect(atBoundary, "length \(length) reported clean")
            case .torn: #expect(!atBoundary, "length \(length) reported torn")
            case .corrupt(let at, _, let reason): Issue.record("length \(length): corrupt at \(at): \(reason)")
            }
            if length >= headerSize {
                #expect(scan.records.count == whole, "length \(length)")
                #expect(try Self.decodedBatches(scan) == Array(batches.prefix(whole)))
            }
        }
    }

    @Test func noBitFlipIsSilentlyAccepted() throws {
        let (bytes, batches) = try Self.log(records: 5)
        let lastStart = try #require(ClogScanner.scan(bytes).records.last).offset
        for bit in 0..<(bytes.count * 8) {
            var damaged = bytes
            damaged[bit / 8] ^= 1 << UInt8(bit % 8)
            let scan = ClogScanner.scan(damaged)
            #expect(scan.state != .clean, "flip of bit \(bit) went unnoticed")
            // Whatever was accepted is exactly what was written.
            #expect((try? Self.decodedBatches(scan)) == Array(batches.prefix(scan.records.count)), "bit \(bit)")
            if bit / 8 < lastStart, case .torn = scan.state { Issue.record("flip of bit \(bit) before the last record is only torn") }
        }
    }

    /// Found by the fuzzer: an op naming a client in an empty client table trapped.
    @Test func anOpBatchNamingAMissingClientIsRefused() {
        // raw body: no clients, one op; kinds [insert], authors [0], seven empty columns
        let payload: [UInt8] = [0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: DecodeError.self) { try OpBatchCodec.decode(payload) }
    }

    @Test func structuralDamageIsClassified() throws {
        let (bytes, _) = try Self.log(records: 6)
        let records = ClogScanner.scan(bytes).records
        let header = Array(bytes[0..<records[0].offset])
        func raw(_ k: Int) -> [UInt8] { Array(bytes[records[k].offset..<(records[k].offset + records[k].size)]) }
        func isCorrupt(_ b: [UInt8]) -> Bool { if case .corrupt = ClogScanner.scan(b).state { true } else { false } }
        func isTorn(_ b: [UInt8]) -> Bool { if case .torn = ClogScanner.scan(b).state { true } else { false } }

        #expect(isCorrupt(header + raw(0) + raw(1) + raw(1) + raw(2)), "duplicated record")
        #expect(isCorrupt(header + raw(0) + raw(2) + raw(1)), "reordered records")
        #expect(isCorrupt(header + raw(0) + raw(2)), "a missing record")
        let other = ClogHeader(documentId: "another document").encoded()
        #expect(isCorrupt(header + raw(0) + other + raw(1)), "another document's header spliced in")
        #expect(isCorrupt(other + Array(bytes[records[0].offset...])) == false)  // a whole other log is just that log
        #expect(isTorn(bytes + [UInt8](repeating: 0, count: 4096)), "zero-filled tail")
        var garbage = SplitMix(seed: 7)
        #expect(isTorn(bytes + (0..<777).map { _ in UInt8(truncatingIfNeeded: garbage.next()) }), "garbage tail")
        // A 4 GiB length in record 2, its header checksum recomputed as a buggy writer would.
        var huge = bytes
        let at = records[2].offset
        for k in 0..<4 { huge[at + k] = 0xFF }
        let checksum = Checksum.crc32(huge[at..<(at + 20)])
        for k in 0..<4 { huge[at + 20 + k] = UInt8(truncatingIfNeeded: checksum >> UInt32(8 * k)) }
        #expect(isCorrupt(huge), "impossible length")
        // The same length without a valid checksum, in the last record: an interrupted write.
        var last = bytes
        for k in 0..<4 { last[records[5].offset + k] = 0xFF }
        #expect(isTorn(last))
        #expect(isCorrupt(Array("not a log at all\n".utf8)))
    }
}

@Suite("clog appends")
struct ClogAppendTests {
    /// Two writers read the same log; the one that appends second made its ops against a
    /// state that no longer holds and must not write them (for .clog, it would land a
    /// second op with the same id; for JSON lines, its rewrite would drop the first op).
    @Test(arguments: ["clog", "jsonl"])
    func anAppendMadeAgainstAStaleReadingIsRefused(format: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stale-\(UUID().uuidString).\(format)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let doc = Document()
        try doc.insert("base", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        try OpLogFile.write(doc.history, to: path)
        let first = try OpLogFile.load(path)
        let second = try OpLogFile.load(path)
        let a = try first.document()
        let b = try second.document()
        let opA = try #require(a.op(from: try a.insert("A", at: 4, by: "alice", timestamp: Timestamp(wall: 2))))
        let opB = try #require(b.op(from: try b.insert("B", at: 0, by: "alice", timestamp: Timestamp(wall: 3))))
        #expect(opA.id == opB.id)  // the same id for different content: what must never both land
        try first.append([opA])
        #expect(throws: LogError.self) { try second.append([opB]) }
        #expect(try OpLogFile.load(path).document().text == "baseA")
    }
}

@Suite("checkpoints")
struct CheckpointTests {
    @Test func aCheckpointedLogOpensToTheSameDocument() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/traces/sequential/sveltecomponent.json", withExtension: "gz"))
        let trace = try EditingTrace(bytes: [UInt8](Data(contentsOf: url)))
        let ops = try TraceReplay(trace).ops
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cp-\(UUID().uuidString).clog").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try OpLogFile.write(Array(ops.prefix(ops.count / 2)), to: path)
        _ = try ClogLog.appendCheckpoint(to: path)
        try ClogLog.append(Array(ops[(ops.count / 2)...]), to: path)
        let fast = try OpLogFile.loadDocument(path).document
        let full = try OpLogFile.load(path)
        #expect(full.ops == ops)  // the checkpoint changes nothing about the ops
        let replayed = try full.document()
        #expect(fast.text == trace.endContent)
        #expect(fast.version == replayed.version)
        #expect(fast.history == replayed.history)
        // A restored document keeps working: an edit on it matches one on the replay.
        for document in [fast, replayed] {
            try document.insert("!", at: 3, by: "later", timestamp: Timestamp(wall: 1))
        }
        #expect(fast.text == replayed.text)
        #expect(ClogScanner.scan([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).state == .clean)
    }

    @Test func theCheckpointCodecRoundTrips() throws {
        let doc = Document()
        try doc.insert("héllo wörld 🙂", at: 0, by: "a", timestamp: Timestamp(wall: 1_700_000_000_000))
        try doc.delete(at: 2, count: 3, by: "b", timestamp: Timestamp(wall: 1_700_000_000_500, logical: 2))
        try doc.format(at: 1, count: 4, key: "bold", value: .bool(true), by: "c", timestamp: Timestamp(wall: 1_700_000_000_600))
        try doc.format(at: 0, count: 2, key: "link", value: .string("https://é.example"), by: "c", timestamp: Timestamp(wall: 1_700_000_000_700))
        let snapshot = doc.snapshot()
        #expect(snapshot.marks.count == 2)
        #expect(try CheckpointCodec.decode(CheckpointCodec.encode(snapshot)) == snapshot)
        // Writers may compress either section; readers take both.
        #expect(try CheckpointCodec.decode(CheckpointCodec.encode(snapshot, compressTables: true)) == snapshot)
    }

    /// A compacted log written before layout 6: its base (layout 5, zlib sections) and
    /// its checkpoint (layout 5, raw) are restored, not passed over, and give the text
    /// the log had when it was written.
    @Test func aLogOfLayoutFiveStillOpensFromItsBaseAndCheckpoint() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/earlier-formats/compacted-layout5", withExtension: "clog"))
        let text = try String(contentsOf: #require(Bundle.module.url(forResource: "Fixtures/earlier-formats/compacted-layout5", withExtension: "txt")), encoding: .utf8)
        let scan = ClogScanner.scan([UInt8](try Data(contentsOf: url)))
        #expect(scan.state == .clean)
        let base = try #require(try ClogLog.base(of: scan, path: "fixture"))
        let checkpoint = try #require(scan.records.last { $0.type == ClogRecordType.checkpoint.rawValue })
        #expect(checkpoint.payload.first == 5 && scan.records[0].payload.first == 5)
        let restored = try Document(snapshot: CheckpointCodec.decode(checkpoint.payload))
        #expect(restored.text == text)
        #expect(try ClogLog.document(of: scan, path: "fixture").text == text)
        // The base holds the squashed start; the ops after it bring the document to the text.
        let replayed = try Document(snapshot: base)
        for op in try ClogLog.ops(of: scan, path: "fixture") { try replayed.apply(op) }
        #expect(replayed.text == text)
        #expect(replayed.version == restored.version)
    }

    @Test func richTextOpsRoundTripThroughBothLogFormats() throws {
        let doc = Document()
        try doc.insert("marks in a log", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try doc.format(at: 0, count: 5, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 2))
        try doc.format(at: 9, count: 5, key: "link", value: .string("u"), by: "b", timestamp: Timestamp(wall: 3))
        try doc.format(at: 2, count: 3, key: "size", value: .int(-4), by: "b", timestamp: Timestamp(wall: 4))
        try doc.format(at: 0, count: 14, key: "bold", value: .null, by: "a", timestamp: Timestamp(wall: 5))
        let comment = try doc.comment(at: 0, count: 5, text: "a \"quoted\" note", by: "c", timestamp: Timestamp(wall: 6))
        try doc.makeCommentOp(.add(start: nil, end: nil, replyTo: comment, text: "réponse"), by: "d", timestamp: Timestamp(wall: 7))
        try doc.makeCommentOp(.edit(comment: comment, text: "edited"), by: "c", timestamp: Timestamp(wall: 8))
        try doc.makeCommentOp(.resolve(comment: comment, resolved: true), by: "d", timestamp: Timestamp(wall: 9))
        try doc.makeCommentOp(.delete(comment: comment), by: "c", timestamp: Timestamp(wall: 10))
        let block = try doc.insertBlock(at: 6, attributes: ["type": .string("list_item"), "list": .string("bullet")], by: "e", timestamp: Timestamp(wall: 11))
        try doc.insertBlock(at: 10, attributes: [:], by: "e", timestamp: Timestamp(wall: 12))
        try doc.makeBlockOp(.set(block: nil, key: "type", value: .string("heading")), by: "e", timestamp: Timestamp(wall: 13))
        try doc.deleteBlock(block, by: "e", timestamp: Timestamp(wall: 14))
        for name in ["marks.clog", "marks.jsonl"] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try OpLogFile.write(doc.history, to: path, documentId: "m")
            #expect(try OpLogFile.load(path).ops == doc.history, "\(name)")
            if name.hasSuffix(".clog") {
                _ = try ClogLog.appendCheckpoint(to: path)
                let restored = try OpLogFile.loadDocument(path).document
                #expect(restored.formattedRuns == doc.formattedRuns)
                #expect(restored.commentThreads == doc.commentThreads)
                #expect(restored.blockContents == doc.blockContents)
                #expect(restored.history == doc.history)
            }
        }
    }

    @Test func aCheckpointOfAnotherLayoutIsPassedOverAndTheOpsReplayed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cp-\(UUID().uuidString).clog").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let doc = Document()
        try doc.insert("kept in the ops", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try OpLogFile.write(doc.history, to: path, format: .clog, documentId: "d")
        // A checkpoint of layout 1 (as the first version wrote) that claims a wrong text:
        // a reader must not trust what it cannot read.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes += ClogRecord.frame(type: .checkpoint, number: 1, payload: [1, 3, 0x78, 0x9C, 0])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try OpLogFile.loadDocument(path).document.text == "kept in the ops")
    }
}

@Suite("reading inputs")
struct InputTests {
    @Test func gzipLongerThanItsSizeHintInflatesWhole() throws {
        // A zlib stream has no size trailer: the guess (4× the input) is far too short
        // for repetitive text, so the reader must go on past it.
        let text = [UInt8](String(repeating: "all work and no play ", count: 50_000).utf8)
        #expect(try Gzip.decompress(Zlib.compress(text)) == text)
    }

    @Test func aPipeIsReadToItsEndAndADirectoryIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("in-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: LogError.self) { try FileIO.read(directory.path) }
        #expect(throws: LogError.self) { try FileIO.read(directory.appendingPathComponent("missing").path) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let payload = [UInt8](repeating: 7, count: 300_000)  // more than a pipe buffer
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            payload.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        #expect(try FileIO.read(fifo) == payload)
    }
}
