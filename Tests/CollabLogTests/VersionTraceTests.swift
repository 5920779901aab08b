import CollabCore
import CollabLog
import CollabStorage
import CollabTestSupport
import Foundation
import Testing

/// Versions on a real editing history: time travel from checkpoints, and diffs.
@Suite("versions on a trace")
struct VersionTraceTests {
    /// The friendsforever trace as ops, and a .clog of it that has a checkpoint a third
    /// of the way in and another two thirds in, with op batches between.
    static func logWithCheckpoints() throws -> (ops: [Op], log: OpLogFile) {
        let ops = try TraceReplay(EditingTrace(bytes: fixture("traces/sequential/friendsforever_flat.json.gz"))).ops
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("collab-versions-\(UUID().uuidString).clog").path
        let third = ops.count / 3
        try OpLogFile.write(Array(ops.prefix(third)), to: path, format: .clog, documentId: "friends")
        _ = try ClogLog.appendCheckpoint(to: path)
        for start in stride(from: third, to: 2 * third, by: 500) { try ClogLog.append(Array(ops[start..<min(start + 500, 2 * third)]), to: path) }
        _ = try ClogLog.appendCheckpoint(to: path)
        try ClogLog.append(Array(ops[(2 * third)...]), to: path)
        let log = try OpLogFile.load(path)
        try? FileManager.default.removeItem(atPath: path)
        return (ops, log)
    }

    static func vector(of ops: ArraySlice<Op>) -> VersionVector {
        var counts = VersionVector()
        for op in ops where op.endSeq > counts[op.id.client] { counts[op.id.client] = op.endSeq }
        return counts
    }

    @Test func aVersionFromACheckpointEqualsAReplayOfThatManyOps() async throws {
        // Computed off the concurrency pool (TraceTests.swift), checked here.
        let (checkpoints, total, logOpsAreTheOps, versions) = try await offThePool {
            let (ops, log) = try Self.logWithCheckpoints()
            var random = SplitMix(seed: 11)
            var samples = [0, 1, ops.count / 3, ops.count / 3 + 1, 2 * (ops.count / 3), ops.count]
            for _ in 0..<12 { samples.append(Int(random.next() % UInt64(ops.count + 1))) }
            let versions = try samples.map { n in
                let replayed = try Document(ops: ops.prefix(n))
                let travelled = try log.document(at: Self.vector(of: ops.prefix(n)))
                return (n: n, travelled: travelled.text, replayed: replayed.text, sameVersion: travelled.version == replayed.version)
            }
            return (log.checkpoints.map(\.ops), ops.count, log.ops == ops, versions)
        }
        #expect(checkpoints == [total / 3, 2 * (total / 3)])
        #expect(logOpsAreTheOps)
        for version in versions {
            #expect(version.travelled == version.replayed, "@\(version.n)")
            #expect(version.sameVersion, "@\(version.n)")
        }
    }

    @Test func theDiffOfTwoVersionsTurnsTheOlderTextIntoTheNewer() async throws {
        let diffs = try await offThePool {
            let (ops, log) = try Self.logWithCheckpoints()
            var random = SplitMix(seed: 5)
            return try (0..<10).map { _ in
                let first = Int(random.next() % UInt64(ops.count + 1))
                let second = first + Int(random.next() % UInt64(ops.count - first + 1))
                let old = try log.document(at: Self.vector(of: ops.prefix(first)))
                let new = try log.document(at: Self.vector(of: ops.prefix(second)))
                let (oldSide, newSide) = DiffHunk.texts(of: try new.changes(from: old))
                return (versions: "@\(first)…@\(second)", oldSide: oldSide, old: old.text, newSide: newSide, new: new.text)
            }
        }
        for diff in diffs {
            #expect(diff.oldSide == diff.old, "\(diff.versions)")
            #expect(diff.newSide == diff.new, "\(diff.versions)")
        }
    }
}
