import CollabCore

/// The payload of a checkpoint record: a document's whole state (docs/format.md), so a
/// long log opens without replaying its history.
///
/// Opening is the point of a checkpoint, so the layout is made to decode fast: only what
/// the engine cannot derive is stored (see `DocumentSnapshot`), and the text and the
/// tables are two sections, each raw or zlib-compressed as the writer chose.
package enum CheckpointCodec {
    /// The first payload byte. Layouts 1 (plain varint tables), 2 (no rich-text records),
    /// 3 (no block moves) and 4 (no compaction base) are no longer written or read: a log
    /// holding one opens by replaying its ops.
    static let layout: UInt8 = 5
    static let rawSection: UInt8 = 0
    static let zlibSection: UInt8 = 1

    /// Whether a payload is of a layout this reader knows; a checkpoint of another is
    /// passed over (checkpoints only save work: the ops they summarize stay in the log).
    package static func isReadable(_ payload: [UInt8]) -> Bool { payload.first == layout }

    package static func encode(_ snapshot: DocumentSnapshot, compressed: Bool = false) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(snapshot.content.count)
        for scalar in snapshot.content { appendUTF8(scalar, to: &text) }

        var tables = ByteWriter()
        tables.varint(snapshot.clients.count)
        for client in snapshot.clients { tables.string(client) }
        for seq in snapshot.nextSeq { tables.varint(Int(seq)) }
        tables.varint(snapshot.base.isEmpty ? 0 : 1)
        for seq in snapshot.base { tables.varint(Int(seq)) }
        tables.signedVarint(snapshot.clock.wall)
        tables.varint(Int(snapshot.clock.logical))
        tables.varint(snapshot.runs.count)
        var expected = Array(repeating: Int32(0), count: snapshot.clients.count)
        for run in snapshot.runs {
            tables.varint(Int(run.client))
            tables.signedVarint(Int64(run.seq) - Int64(expected[Int(run.client)]))
            tables.varint(Int(run.length) << 1 | (run.deleted ? 1 : 0))
            expected[Int(run.client)] = run.seq + run.length
        }
        tables.varint(snapshot.records.count)
        var seqs = Array(repeating: Int32(0), count: snapshot.clients.count)
        var wall: Int64 = 0
        var t = 0
        var m = 0
        var cm = 0
        var bi = 0
        var bo = 0
        for record in snapshot.records {
            let seq = seqs[Int(record.client)]
            tables.varint(Int(record.client) << 3 | Int(record.kind.rawValue))
            tables.varint(Int(record.span))
            tables.signedVarint(record.timestamp.wall - wall)
            tables.varint(Int(record.timestamp.logical))
            wall = record.timestamp.wall
            if record.kind == .comment || record.kind == .blockOp {
                let op: Op.Payload = record.kind == .comment ? .comment(snapshot.comments[cm]) : .block(snapshot.blockOps[bo])
                if record.kind == .comment { cm += 1 } else { bo += 1 }
                let payload = OpJSON.payload(of: op)
                tables.u8(OpBatchCodec.jsonOpKinds[op.typeName]!)
                tables.varint(payload.count)
                tables.bytes += payload
            } else if record.kind == .format {
                let mark = snapshot.marks[m]
                m += 1
                tables.id(mark.start, near: seq)
                tables.id(mark.end, near: seq)
                tables.varint((mark.startAfter ? 1 : 0) | (mark.endAfter ? 2 : 0))
                let attribute = OpBatchCodec.encodeAttribute(mark.key, mark.value)
                tables.varint(attribute.count)
                tables.bytes += attribute
            } else if record.kind == .compacted {
                tables.varint(Int(record.targetCount))  // how many of its ids are still characters
            } else if record.isDelete {
                tables.varint(Int(record.targetCount))
                for target in snapshot.targets[t..<(t + Int(record.targetCount))] {
                    tables.varint(Int(target.client))
                    tables.signedVarint(Int64(target.seq) - Int64(seq))
                    tables.varint(Int(target.length) << 1 | (target.backward ? 1 : 0))
                }
                t += Int(record.targetCount)
            } else {
                tables.id(record.origin, near: seq - 1)
                tables.id(record.rightOrigin, near: seq)
                if record.kind == .block {
                    // The block's attributes, as a block_insert's JSON payload would hold them.
                    let payload = OpJSON.payload(of: .block(.insert(after: nil, before: nil, attributes: snapshot.blockInserts[bi])))
                    bi += 1
                    tables.varint(payload.count)
                    tables.bytes += payload
                } else if record.kind == .blockMove {
                    // The move, as its JSON payload (its slot's origins are the record's).
                    let payload = OpJSON.payload(of: .block(snapshot.blockOps[bo]))
                    bo += 1
                    tables.varint(payload.count)
                    tables.bytes += payload
                }
            }
            seqs[Int(record.client)] += record.span
        }

        var payload = ByteWriter()
        payload.u8(layout)
        payload.section(text, compressed: compressed)
        payload.section(tables.bytes, compressed: compressed)
        return payload.bytes
    }

    package static func decode(_ payload: [UInt8]) throws(DecodeError) -> DocumentSnapshot {
        var outer = ByteReader(payload)
        guard try outer.u8() == layout else { throw DecodeError(offset: 0, reason: "unknown checkpoint layout") }
        let textStart = outer.offset
        let text = try outer.section()
        let content = try scalars(of: text.bytes[text.offset..<text.end], at: textStart)
        var reader = try outer.section()
        guard outer.isAtEnd else { throw DecodeError(offset: outer.offset, reason: "bytes after the checkpoint") }

        let clientCount = try reader.count(max: OpBatchCodec.maxClients)
        var clients: [ClientId] = []
        for _ in 0..<clientCount { clients.append(try reader.string(maxBytes: 256)) }
        var nextSeq: [Int32] = []
        for _ in 0..<clientCount { nextSeq.append(Int32(try reader.count(max: Int(Int32.max)))) }
        var base: [Int32] = []
        if try reader.count(max: 1) == 1 {
            for _ in 0..<clientCount { base.append(Int32(try reader.count(max: Int(Int32.max)))) }
        }
        let clock = Timestamp(wall: try reader.signedVarint(), logical: Int32(try reader.count(max: Int(Int32.max))))
        // Every entry takes at least one byte, which bounds the counts before allocating.
        let runCount = try reader.count(max: reader.end - reader.offset)
        var runs: [DocumentSnapshot.Run] = []
        runs.reserveCapacity(runCount)
        var expected = Array(repeating: Int64(0), count: clientCount)
        for _ in 0..<runCount {
            let client = try reader.count(max: clientCount - 1)
            let seq = try reader.int32(expected[client] + (try reader.signedVarint()))
            let lengthAndFlag = try reader.count(max: Int(Int32.max))
            let length = Int32(lengthAndFlag >> 1)
            runs.append(.init(client: Int32(client), seq: seq, length: length, deleted: lengthAndFlag & 1 == 1))
            expected[client] = Int64(seq) + Int64(length)
        }
        let recordCount = try reader.count(max: reader.end - reader.offset)
        var records: [DocumentSnapshot.Record] = []
        records.reserveCapacity(recordCount)
        var targets: [DocumentSnapshot.Target] = []
        targets.reserveCapacity(recordCount)
        var marks: [DocumentSnapshot.Mark] = []
        var comments: [CommentOp] = []
        var blockInserts: [[String: AttributeValue]] = []
        var blockOps: [BlockOp] = []
        var seqs = Array(repeating: Int64(0), count: clientCount)
        var wall: Int64 = 0
        for _ in 0..<recordCount {
            let clientAndKind = try reader.count(max: clientCount * 8 - 1)
            let client = clientAndKind >> 3
            guard let kind = DocumentSnapshot.Record.Kind(rawValue: UInt8(clientAndKind & 7)) else {
                throw DecodeError(offset: reader.offset, reason: "unknown record kind")
            }
            let span = try reader.int32(Int64(try reader.count(max: Int(Int32.max))))
            wall &+= try reader.signedVarint()
            let timestamp = Timestamp(wall: wall, logical: try reader.int32(Int64(try reader.count(max: Int(Int32.max)))))
            let seq = seqs[client]
            var record = DocumentSnapshot.Record(
                kind: kind, client: Int32(client), span: span, timestamp: timestamp, origin: .none,
                rightOrigin: .none, targetCount: 0)
            if kind == .comment || kind == .blockOp {
                let tag = try reader.u8()
                guard let type = OpBatchCodec.jsonOpKinds.first(where: { $0.value == tag })?.key,
                    type.hasPrefix("comment_") == (kind == .comment), type != "block_insert"
                else { throw DecodeError(offset: reader.offset - 1, reason: "op kind \(tag) does not belong in a \(kind) record") }
                let length = try reader.count(max: reader.end - reader.offset)
                let start = reader.offset
                switch try OpJSON.payload(type: type, json: try reader.bytes(length), at: start) {
                case .comment(let comment): comments.append(comment)
                case .block(let block): blockOps.append(block)
                default: break
                }
            } else if kind == .format {
                let start = try reader.id(near: seq, clients: clientCount)
                let end = try reader.id(near: seq, clients: clientCount)
                let sides = try reader.count(max: 3)
                let length = try reader.count(max: reader.end - reader.offset)
                let (key, value) = try OpBatchCodec.decodeAttribute(try reader.bytes(length), at: reader.offset - length)
                marks.append(DocumentSnapshot.Mark(
                    start: start, startAfter: sides & 1 == 1, end: end, endAfter: sides & 2 == 2, key: key, value: value))
            } else if kind == .compacted {
                record.targetCount = Int32(try reader.count(max: Int(span)))
            } else if record.isDelete {
                record.targetCount = Int32(try reader.count(max: min(reader.end - reader.offset, Int(Int32.max))))
                for _ in 0..<record.targetCount {
                    let targetClient = try reader.count(max: clientCount - 1)
                    let targetSeq = try reader.int32(seq + (try reader.signedVarint()))
                    let lengthAndFlag = try reader.count(max: Int(Int32.max))
                    targets.append(.init(client: Int32(targetClient), seq: targetSeq, length: Int32(lengthAndFlag >> 1), backward: lengthAndFlag & 1 == 1))
                }
            } else {
                record.origin = try reader.id(near: seq - 1, clients: clientCount)
                record.rightOrigin = try reader.id(near: seq, clients: clientCount)
                if kind == .block {
                    let length = try reader.count(max: reader.end - reader.offset)
                    let start = reader.offset
                    let payload = try OpJSON.payload(type: "block_insert", json: try reader.bytes(length), at: start)
                    guard case .block(.insert(_, _, let attributes)) = payload else {
                        throw DecodeError(offset: start, reason: "a block record without attributes")
                    }
                    blockInserts.append(attributes)
                } else if kind == .blockMove {
                    let length = try reader.count(max: reader.end - reader.offset)
                    let start = reader.offset
                    guard case .block(let move) = try OpJSON.payload(type: "block_move", json: try reader.bytes(length), at: start) else {
                        throw DecodeError(offset: start, reason: "a block move record without its move")
                    }
                    blockOps.append(move)
                }
            }
            seqs[client] += Int64(span)
            records.append(record)
        }
        guard reader.isAtEnd else { throw DecodeError(offset: reader.offset, reason: "bytes after the checkpoint's tables") }
        var snapshot = DocumentSnapshot(
            clients: clients, nextSeq: nextSeq, content: content, runs: runs, records: records, targets: targets, marks: marks,
            comments: comments, blockInserts: blockInserts, blockOps: blockOps, clock: clock)
        snapshot.base = base
        return snapshot
    }

    /// UTF-8 to code points, validating, without going through a String. ASCII, most
    /// text, takes the short path.
    static func scalars(of bytes: ArraySlice<UInt8>, at offset: Int) throws(DecodeError) -> [UInt32] {
        var failure: Int?
        let result = bytes.withUnsafeBufferPointer { utf8 in
            [UInt32](unsafeUninitializedCapacity: utf8.count) { out, written in
                var i = 0
                var n = 0
                while i < utf8.count {
                    // Eight ASCII bytes at a time while they last.
                    while i + 8 <= utf8.count {
                        let word = UnsafeRawPointer(utf8.baseAddress! + i).loadUnaligned(as: UInt64.self)
                        guard word & 0x8080_8080_8080_8080 == 0 else { break }
                        let widened = SIMD8<UInt32>(truncatingIfNeeded: unsafeBitCast(word, to: SIMD8<UInt8>.self))
                        UnsafeMutableRawPointer(out.baseAddress! + n).storeBytes(of: widened, as: SIMD8<UInt32>.self)
                        n += 8
                        i += 8
                    }
                    guard i < utf8.count else { break }
                    let lead = utf8[i]
                    if lead < 0x80 {
                        out[n] = UInt32(lead)
                        n += 1
                        i += 1
                        continue
                    }
                    let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
                    guard length > 0, i + length <= utf8.count,
                        let scalar = String(validating: UnsafeBufferPointer(rebasing: utf8[i..<(i + length)]), as: UTF8.self)?
                            .unicodeScalars.first
                    else {
                        failure = i
                        break
                    }
                    out[n] = scalar.value
                    n += 1
                    i += length
                }
                written = n
            }
        }
        if let failure { throw DecodeError(offset: offset + failure, reason: "invalid UTF-8 in checkpoint text") }
        return result
    }
}

extension ByteWriter {
    /// A section: `u8` 0 and a `varint` size then the bytes, or `u8` 1, the inflated size,
    /// the stored size and one zlib stream. Compression is kept only when it saves.
    mutating func section(_ body: [UInt8], compressed: Bool) {
        if compressed {
            let deflated = Zlib.compress(body)
            if deflated.count < body.count {
                u8(CheckpointCodec.zlibSection)
                varint(body.count)
                varint(deflated.count)
                bytes += deflated
                return
            }
        }
        u8(CheckpointCodec.rawSection)
        varint(body.count)
        bytes += body
    }

    /// A character id near `base` of the same client: `varint` client + 1 (0 for none),
    /// then zigzag seq − base.
    mutating func id(_ id: DocumentSnapshot.Id, near base: Int32) {
        varint(Int(id.client) + 1)
        if id.client >= 0 { signedVarint(Int64(id.seq) - Int64(base)) }
    }
}

extension ByteReader {
    /// A reader of the next section's bytes: in place when raw, inflated when not.
    mutating func section() throws(DecodeError) -> ByteReader {
        let start = offset
        switch try u8() {
        case CheckpointCodec.rawSection:
            let stored = try bytes(try count(max: end - offset))
            return ByteReader(bytes, from: stored.startIndex, to: stored.endIndex)
        case CheckpointCodec.zlibSection:
            let size = try count(max: ClogFormat.maxPayloadSize * 64)
            let stored = try bytes(try count(max: end - offset))
            guard let inflated = Zlib.decompress(stored, size: size) else {
                throw DecodeError(offset: start, reason: "section does not inflate to \(size) bytes")
            }
            return ByteReader(inflated)
        case let encoding:
            throw DecodeError(offset: start, reason: "unknown section encoding \(encoding)")
        }
    }

    @inline(__always)
    mutating func id(near base: Int64, clients: Int) throws(DecodeError) -> DocumentSnapshot.Id {
        let client = try count(max: clients) - 1
        guard client >= 0 else { return .none }
        return DocumentSnapshot.Id(client: Int32(client), seq: try int32(base + (try signedVarint())))
    }

    /// `value` as an `Int32`, or an error at the current offset.
    @inline(__always)
    func int32(_ value: Int64) throws(DecodeError) -> Int32 {
        guard let narrowed = Int32(exactly: value) else { throw DecodeError(offset: offset, reason: "\(value) out of range") }
        return narrowed
    }
}
