import CollabCore
import CollabLog

/// Recovering what verifies from a damaged `.clog`: every record whose checksums hold,
/// resynchronising after damage, and the ops of those records that still replay.
public enum ClogSalvage {
    public struct Loss: Sendable, Equatable {
        /// Damaged bytes `[start, end)` of the input.
        public var start: Int
        public var end: Int
    }

    public struct Result: Sendable {
        public var documentId: String?
        /// Ops that verify and replay, in a causal order: the new log's content.
        public var ops: [Op]
        /// A compacted log's base, when it verifies: the new log starts from it.
        public var base: DocumentSnapshot?
        public var keptRecords: Int
        /// Byte ranges that did not verify.
        public var lostBytes: [Loss]
        /// Records that verified but did not decode, by their offset.
        public var undecodableRecords: [Int]
        /// Ops that were read but are not kept: they depend on something lost, or the
        /// engine refuses them.
        public var droppedOps: [(op: OpId, end: Int, reason: String)]

        public var lostAnything: Bool { !lostBytes.isEmpty || !undecodableRecords.isEmpty || !droppedOps.isEmpty }
    }

    public static func salvage(_ bytes: [UInt8]) -> Result {
        var documentId: String?
        var offset = 0
        var losses: [Loss] = []
        if case .success(let (header, size)) = ClogHeader.decode(bytes) {
            documentId = header.documentId
            offset = size
        }
        var records: [ClogRecord] = []
        while offset < bytes.count {
            if case .valid(let record) = ClogScanner.frame(at: offset, in: bytes) {
                records.append(record)
                offset += record.size
                continue
            }
            // Damage: skip to the next place a whole record verifies.
            var next = offset + 1
            while next + ClogFormat.recordHeaderSize <= bytes.count {
                if bytes[next + 6] == 0 && bytes[next + 7] == 0, case .valid = ClogScanner.frame(at: next, in: bytes) { break }
                next += 1
            }
            if next + ClogFormat.recordHeaderSize > bytes.count { next = bytes.count }
            losses.append(Loss(start: offset, end: next))
            offset = next
        }
        var undecodable: [Int] = []
        // A compacted log's base: its ops build on it, so it comes first.
        var base: DocumentSnapshot?
        var document = Document()
        if let first = records.first, first.type == ClogRecordType.base.rawValue {
            if let snapshot = try? CheckpointCodec.decode(first.payload), let restored = try? Document(snapshot: snapshot) {
                base = snapshot
                document = restored
            } else {
                undecodable.append(first.offset)
            }
        }
        let start = document.historyCount
        var read: [Op] = []
        for record in records where record.type == ClogRecordType.opBatch.rawValue {
            guard let ops = try? OpBatchCodec.decode(record.payload) else {
                undecodable.append(record.offset)
                continue
            }
            read += ops
        }
        var dropped: [(OpId, Int, String)] = []
        for op in read {
            do {
                try document.apply(op)
            } catch {
                dropped.append((op.id, op.endSeq, "\(error)"))
            }
        }
        for op in document.pending {
            let missing = op.dependencies.first { !document.isSeen($0) } ?? op.id
            dropped.append((op.id, op.endSeq, "depends on \(missing), which was lost"))
        }
        return Result(
            documentId: documentId, ops: document.history(from: start), base: base, keptRecords: records.count, lostBytes: losses,
            undecodableRecords: undecodable, droppedOps: dropped)
    }
}
