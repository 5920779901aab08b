/// Compaction (docs/versions.md): this document's state with its history squashed, as a
/// base that a log can start from instead of its ops.
extension Document {
    /// The state of this document with its history squashed: deleted text is dropped
    /// except what something still names, and only the ops whose effect is still
    /// needed — formatting, comments, block attributes and markers, winning moves — stay
    /// as ops. `keeping` names further ids that must stay characters (what the ops after
    /// the cutoff refer to). Restored, it shows exactly what this document shows, and it
    /// refuses any later op that needs what was dropped.
    public func compactedSnapshot(keeping: Set<OpId> = []) -> DocumentSnapshot {
        // The characters that stay: every visible one, and the hidden ones something
        // names (mark and comment anchors, the slots where moved blocks are shown).
        var kept = Set<CharId>()
        // Only characters: what later ops name may be a delete's id, or an id of theirs.
        func keep(_ id: CharId) { if !id.isNone, tree.cursor(of: id) != nil { kept.insert(id) } }
        for id in keeping {
            if let c = clientIndex(of: id.client), id.seq >= 0, id.seq < Int(Int32.max) { keep(CharId(client: c, seq: Int32(id.seq))) }
        }
        for mark in marks {
            keep(mark.start)
            keep(mark.end)
        }
        for comment in comments {
            for anchor in [comment.start, comment.end].compactMap({ $0 }) {
                if let c = clientIndex(of: anchor.id.client) { keep(CharId(client: c, seq: Int32(anchor.id.seq))) }
            }
        }
        for (marker, slot) in blockSlots {
            keep(slot.slot)
            keep(marker)
        }
        // Which records stay: format, comment and block ops whose blocks stay.
        func isShownMarker(_ marker: CharId) -> Bool {
            guard let cursor = tree.cursor(of: marker) else { return false }
            return !cursor.run.deleted || kept.contains(marker)
        }
        var keptRecord = Array(repeating: false, count: records.count)
        for (index, record) in records.enumerated() {
            let id = CharId(client: record.client, seq: record.seq)
            switch record.kind {
            case .format, .comment: keptRecord[index] = true
            case .block: keptRecord[index] = isShownMarker(id)
            case .blockMove:
                // The move that places a block that stays.
                guard case .move(let block, _, _) = blockOps[Int(record.targetCount)], let c = clientIndex(of: block.client) else { break }
                let marker = CharId(client: c, seq: Int32(block.seq))
                keptRecord[index] = isShownMarker(marker) && blockSlots[marker]?.slot == id
            case .blockOp:
                // Attributes of blocks that stay (deletes have done their work).
                guard case .set(let block, _, _) = blockOps[Int(record.start)] else { break }
                guard let block else {
                    keptRecord[index] = true  // the first block's
                    break
                }
                if let c = clientIndex(of: block.client) { keptRecord[index] = isShownMarker(CharId(client: c, seq: Int32(block.seq))) }
            case .insert, .delete, .compacted: break
            }
        }
        for (index, record) in records.enumerated() where keptRecord[index] && record.isCharacters { keep(CharId(client: record.client, seq: record.seq)) }
        for (marker, _) in blocks where isShownMarker(marker) { keep(marker) }
        for run in allRuns() where !run.deleted {
            for k in 0..<run.length { kept.insert(CharId(client: run.client, seq: run.seq + k)) }
        }

        // Per client, in id order: the kept records, and between them compacted ranges.
        // The content: each compacted range's kept characters in id order, each kept
        // record's own content, in record order.
        var keptContent: [CharId: UInt32] = [:]
        for run in allRuns() {
            for k in 0..<run.length where kept.contains(CharId(client: run.client, seq: run.seq + k)) {
                keptContent[CharId(client: run.client, seq: run.seq + k)] = content[Int(run.content + k)]
            }
        }
        var keptByClient = Array(repeating: [Int32](), count: clientNames.count)
        for id in kept { keptByClient[Int(id.client)].append(id.seq) }
        for c in keptByClient.indices { keptByClient[c].sort() }

        var snapshotRecords: [DocumentSnapshot.Record] = []
        var snapshotContent: [UInt32] = []
        var marksOut: [DocumentSnapshot.Mark] = []
        var commentsOut: [CommentOp] = []
        var blockInsertsOut: [[String: AttributeValue]] = []
        var blockOpsOut: [BlockOp] = []
        var covered = Array(repeating: Int32(0), count: clientNames.count)  // ids placed so far
        var keptIndex = Array(repeating: 0, count: clientNames.count)
        func id(_ c: CharId) -> DocumentSnapshot.Id { .init(client: c.client, seq: c.seq) }
        /// A compacted record for the client's ids from `covered` up to `end`.
        func compact(_ client: Int32, upTo end: Int32, at timestamp: Timestamp) {
            let from = covered[Int(client)]
            guard from < end else { return }
            var count: Int32 = 0
            let list = keptByClient[Int(client)]
            while keptIndex[Int(client)] < list.count && list[keptIndex[Int(client)]] < end {
                let seq = list[keptIndex[Int(client)]]
                if seq >= from {
                    snapshotContent.append(keptContent[CharId(client: client, seq: seq)]!)
                    count += 1
                }
                keptIndex[Int(client)] += 1
            }
            snapshotRecords.append(.init(kind: .compacted, client: client, span: end - from, timestamp: timestamp, origin: .none, rightOrigin: .none, targetCount: count))
            covered[Int(client)] = end
        }
        for (index, record) in records.enumerated() {
            guard keptRecord[index] else { continue }
            compact(record.client, upTo: record.seq, at: record.timestamp)
            // Skip past the kept ids the record itself holds.
            while keptIndex[Int(record.client)] < keptByClient[Int(record.client)].count
                && keptByClient[Int(record.client)][keptIndex[Int(record.client)]] < record.endSeq
            {
                keptIndex[Int(record.client)] += 1
            }
            var out = DocumentSnapshot.Record(
                kind: DocumentSnapshot.Record.Kind(rawValue: record.kind.rawValue)!, client: record.client, span: record.span,
                timestamp: record.timestamp, origin: id(record.origin), rightOrigin: id(record.rightOrigin), targetCount: 0)
            switch record.kind {
            case .format:
                let mark = marks[Int(record.start)]
                marksOut.append(.init(
                    start: id(mark.start), startAfter: mark.startSide == .after, end: id(mark.end), endAfter: mark.endSide == .after,
                    key: mark.key, value: mark.value))
                out.origin = .none
                out.rightOrigin = .none
            case .comment:
                commentsOut.append(commentOps[Int(record.start)])
                out.origin = .none
                out.rightOrigin = .none
            case .blockOp:
                blockOpsOut.append(blockOps[Int(record.start)])
                out.origin = .none
                out.rightOrigin = .none
            case .block:
                blockInsertsOut.append(blockInserts[Int(record.targetCount)])
                snapshotContent.append(content[Int(record.start)])
            case .blockMove:
                blockOpsOut.append(blockOps[Int(record.targetCount)])
                snapshotContent.append(content[Int(record.start)])
            case .insert, .delete, .compacted: break
            }
            snapshotRecords.append(out)
            covered[Int(record.client)] = record.endSeq
        }
        let last = records.last?.timestamp ?? Timestamp(wall: 0)
        for c in clientNames.indices { compact(Int32(c), upTo: nextSeq[c], at: last) }

        // The runs: the kept characters in document order, cut where the record holding
        // them changes (a run lies within one record).
        var recordEnds: [[Int32]] = Array(repeating: [], count: clientNames.count)
        for record in snapshotRecords {
            let c = Int(record.client)
            recordEnds[c].append((recordEnds[c].last ?? 0) + record.span)
        }
        var runs: [DocumentSnapshot.Run] = []
        for run in allRuns() {
            var k: Int32 = 0
            while k < run.length {
                let seq = run.seq + k
                guard kept.contains(CharId(client: run.client, seq: seq)) else {
                    k += 1
                    continue
                }
                let ends = recordEnds[Int(run.client)]
                var low = 0
                var high = ends.count
                while low < high {
                    let mid = (low + high) / 2
                    if ends[mid] <= seq { low = mid + 1 } else { high = mid }
                }
                let recordEnd = ends[low]
                var length: Int32 = 1
                while k + length < run.length && seq + length < recordEnd && kept.contains(CharId(client: run.client, seq: seq + length)) {
                    length += 1
                }
                if let previous = runs.last, previous.client == run.client, previous.seq + previous.length == seq,
                    previous.deleted == run.deleted, seq != (low > 0 ? ends[low - 1] : 0)
                {
                    runs[runs.count - 1].length += length
                } else {
                    runs.append(.init(client: run.client, seq: seq, length: length, deleted: run.deleted))
                }
                k += length
            }
        }
        var snapshot = DocumentSnapshot(
            clients: clientNames, nextSeq: nextSeq, content: snapshotContent, runs: runs, records: snapshotRecords, targets: [],
            marks: marksOut, comments: commentsOut, blockInserts: blockInsertsOut, blockOps: blockOpsOut, clock: clock.latest)
        snapshot.base = nextSeq
        return snapshot
    }

    /// The runs in document order.
    private func allRuns() -> [Run] {
        var runs: [Run] = []
        tree.forEachRun { runs.append($0) }
        return runs
    }
}
