import CollabCore

/// The payload of a checkpoint record: a document's whole state (docs/format.md), so a
/// long log opens without replaying its history.
///
/// Opening is the point of a checkpoint, so the layout is made to decode fast: only what
/// the engine cannot derive is stored (see `DocumentSnapshot`), and the text and the
/// tables are two sections, each raw or compressed as the writer chose: the text always
/// (to under a third, for under a tenth of the time opening takes), the tables of a
/// compacted log's base too.
package enum CheckpointCodec {
    /// The first payload byte. Layouts 1 (plain varint tables), 2 (no rich-text records),
    /// 3 (no block moves) and 4 (no compaction base) are no longer written or read: a log
    /// holding one opens by replaying its ops. Layout 5 (ids as a client varint and a
    /// difference, logicals as they are) is read: compacted logs start from one.
    static let layout: UInt8 = 6
    static let readableLayouts: ClosedRange<UInt8> = 5...6
    static let rawSection: UInt8 = 0
    static let zlibSection: UInt8 = 1
    static let zstdSection: UInt8 = 2
    /// A fast level: `collab serve` writes checkpoints while it serves.
    static let zstdLevel: Int32 = 3

    /// Whether a payload is of a layout this reader knows; a checkpoint of another is
    /// passed over (checkpoints only save work: the ops they summarize stay in the log).
    package static func isReadable(_ payload: [UInt8]) -> Bool { payload.first.map(readableLayouts.contains) ?? false }

    /// Layout 6 packs a client index into the low bits of the difference it goes with:
    /// as many bits as the client count needs, none for a one-client document.
    static func clientBits(_ clientCount: Int) -> Int { clientCount <= 1 ? 0 : Int.bitWidth - (clientCount - 1).leadingZeroBitCount }

    /// `compressTables`: the tables too, for a base, which is written once and
    /// small once its ids are squashed.
    package static func encode(_ snapshot: DocumentSnapshot, compressTables: Bool = false) -> [UInt8] {
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
        let bits = clientBits(snapshot.clients.count)
        tables.varint(snapshot.runs.count)
        var expected = Array(repeating: Int32(0), count: snapshot.clients.count)
        for run in snapshot.runs {
            tables.packed(client: run.client, difference: Int64(run.seq) - Int64(expected[Int(run.client)]), bits: bits)
            tables.varint(Int(run.length) << 1 | (run.deleted ? 1 : 0))
            expected[Int(run.client)] = run.seq + run.length
        }
        tables.varint(snapshot.records.count)
        var seqs = Array(repeating: Int32(0), count: snapshot.clients.count)
        var wall: Int64 = 0
        var logical: Int64 = 0
        var t = 0
        var m = 0
        var cm = 0
        var bi = 0
        var bo = 0
        for record in snapshot.records {
            let seq = seqs[Int(record.client)]
            tables.varint(Int(record.client) << 3 | Int(record.kind.rawValue))
            tables.varint(Int(record.span))
            tables.signedVarint(record.timestamp.wall &- wall)
            tables.signedVarint(Int64(record.timestamp.logical) - (record.timestamp.wall == wall ? logical + 1 : 0))
            wall = record.timestamp.wall
            logical = Int64(record.timestamp.logical)
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
                tables.id(mark.start, near: seq, bits: bits)
                tables.id(mark.end, near: seq, bits: bits)
                tables.varint((mark.startAfter ? 1 : 0) | (mark.endAfter ? 2 : 0))
                let attribute = OpBatchCodec.encodeAttribute(mark.key, mark.value)
                tables.varint(attribute.count)
                tables.bytes += attribute
            } else if record.kind == .compacted {
                tables.varint(Int(record.targetCount))  // how many of its ids are still characters
            } else if record.isDelete {
                tables.varint(Int(record.targetCount))
                for target in snapshot.targets[t..<(t + Int(record.targetCount))] {
                    tables.packed(client: target.client, difference: Int64(target.seq) - Int64(seq), bits: bits)
                    tables.varint(Int(target.length) << 1 | (target.backward ? 1 : 0))
                }
                t += Int(record.targetCount)
            } else {
                tables.id(record.origin, near: seq - 1, bits: bits)
                tables.id(record.rightOrigin, near: seq, bits: bits)
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
        payload.section(text, compressed: true)
        payload.section(tables.bytes, compressed: compressTables)
        return payload.bytes
    }

    package static func decode(_ payload: [UInt8]) throws(DecodeError) -> DocumentSnapshot {
        var outer = ByteReader(payload)
        let layout = try outer.u8()
        guard readableLayouts.contains(layout) else { throw DecodeError(offset: 0, reason: "unknown checkpoint layout") }
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
        // nil: layout 5's separate client varints.
        let bits = layout == 5 ? nil : clientBits(clientCount)
        // Every entry takes at least one byte, which bounds the counts before allocating.
        let runCount = try reader.count(max: reader.end - reader.offset)
        // The hot loops of opening a log write through buffer pointers: an append or a
        // subscript set checks the array's uniqueness each time.
        var runs = [DocumentSnapshot.Run](repeating: .init(client: 0, seq: 0, length: 0, deleted: false), count: runCount)
        var expected = Array(repeating: Int64(0), count: clientCount)
        try runs.withUnsafeMutableBufferPointer { (runs) throws(DecodeError) in
            try expected.withUnsafeMutableBufferPointer { (expected) throws(DecodeError) in
                for index in 0..<runCount {
                    let (client, difference) = try reader.clientAndDifference(clients: clientCount, bits: bits)
                    let seq = try reader.int32(expected[client] &+ difference)
                    let lengthAndFlag = try reader.count(max: Int(Int32.max))
                    let length = Int32(lengthAndFlag >> 1)
                    runs[index] = .init(client: Int32(client), seq: seq, length: length, deleted: lengthAndFlag & 1 == 1)
                    expected[client] = Int64(seq) + Int64(length)
                }
            }
        }
        let recordCount = try reader.count(max: reader.end - reader.offset)
        var targets: [DocumentSnapshot.Target] = []
        targets.reserveCapacity(recordCount)
        var marks: [DocumentSnapshot.Mark] = []
        var comments: [CommentOp] = []
        var blockInserts: [[String: AttributeValue]] = []
        var blockOps: [BlockOp] = []
        var seqs = Array(repeating: Int64(0), count: clientCount)
        var wall: Int64 = 0
        var logical: Int64 = 0
        var records = [DocumentSnapshot.Record](
            repeating: .init(kind: .insert, client: 0, span: 0, timestamp: .zero, origin: .none, rightOrigin: .none, targetCount: 0),
            count: recordCount)
        try records.withUnsafeMutableBufferPointer { (records) throws(DecodeError) in
            try seqs.withUnsafeMutableBufferPointer { (seqs) throws(DecodeError) in
                for index in 0..<recordCount {
                    let clientAndKind = try reader.count(max: clientCount * 8 - 1)
                    let client = clientAndKind >> 3
                    guard let kind = DocumentSnapshot.Record.Kind(rawValue: UInt8(clientAndKind & 7)) else {
                        throw DecodeError(offset: reader.offset, reason: "unknown record kind")
                    }
                    let span = try reader.int32(Int64(try reader.count(max: Int(Int32.max))))
                    let wallDifference = try reader.signedVarint()
                    wall &+= wallDifference
                    if bits == nil {
                        logical = Int64(try reader.count(max: Int(Int32.max)))
                    } else {
                        let (guessed, overflow) = (wallDifference == 0 ? logical + 1 : 0).addingReportingOverflow(try reader.signedVarint())
                        guard !overflow, guessed >= 0 else { throw DecodeError(offset: reader.offset, reason: "logical clock out of range") }
                        logical = guessed
                    }
                    let timestamp = Timestamp(wall: wall, logical: try reader.int32(logical))
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
                        let start = try reader.id(near: seq, clients: clientCount, bits: bits)
                        let end = try reader.id(near: seq, clients: clientCount, bits: bits)
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
                            let (targetClient, difference) = try reader.clientAndDifference(clients: clientCount, bits: bits)
                            let targetSeq = try reader.int32(seq &+ difference)
                            let lengthAndFlag = try reader.count(max: Int(Int32.max))
                            targets.append(.init(client: Int32(targetClient), seq: targetSeq, length: Int32(lengthAndFlag >> 1), backward: lengthAndFlag & 1 == 1))
                        }
                    } else {
                        record.origin = try reader.id(near: seq - 1, clients: clientCount, bits: bits)
                        record.rightOrigin = try reader.id(near: seq, clients: clientCount, bits: bits)
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
                    records[index] = record
                }
            }
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
    /// A section: `u8` 0 and a `varint` size then the bytes, or `u8` 2 (1 when zlib),
    /// the inflated size, the stored size and one zstd frame. Compression is kept only
    /// when it saves.
    mutating func section(_ body: [UInt8], compressed: Bool) {
        if compressed {
            let deflated = Zstd.compress(body, level: CheckpointCodec.zstdLevel)
            if deflated.count < body.count {
                u8(CheckpointCodec.zstdSection)
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

    /// A client index in the low `bits` bits of a zigzag difference.
    mutating func packed(client: Int32, difference: Int64, bits: Int) {
        varint(zigzag(difference) << UInt64(bits) | UInt64(client))
    }

    /// A character id near `base`: `varint` 0 for none, else 1 + the packed client and
    /// zigzag seq − base.
    mutating func id(_ id: DocumentSnapshot.Id, near base: Int32, bits: Int) {
        guard id.client >= 0 else { return varint(0) }
        varint(1 + (zigzag(Int64(id.seq) - Int64(base)) << UInt64(bits) | UInt64(id.client)))
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
        case CheckpointCodec.zlibSection, CheckpointCodec.zstdSection:
            let zstd = bytes[start] == CheckpointCodec.zstdSection
            let size = try count(max: ClogFormat.maxPayloadSize * 64)
            let stored = try bytes(try count(max: end - offset))
            guard let inflated = zstd ? Zstd.decompress(stored, size: size) : Zlib.decompress(stored, size: size) else {
                throw DecodeError(offset: start, reason: "section does not inflate to \(size) bytes")
            }
            return ByteReader(inflated)
        case let encoding:
            throw DecodeError(offset: start, reason: "unknown section encoding \(encoding)")
        }
    }

    /// A client and a difference: packed (layout 6, `bits` set) or as two varints.
    @inline(__always)
    mutating func clientAndDifference(clients: Int, bits: Int?) throws(DecodeError) -> (Int, Int64) {
        guard let bits else { return (try count(max: clients - 1), try signedVarint()) }
        let start = offset
        let packed = try varint()
        let client = Int(packed & (1 &<< UInt64(bits) &- 1))
        guard client < clients else { throw DecodeError(offset: start, reason: "\(client) exceeds \(clients - 1)") }
        return (client, unzigzag(packed &>> UInt64(bits)))
    }

    /// A character id near `base`, or none.
    @inline(__always)
    mutating func id(near base: Int64, clients: Int, bits: Int?) throws(DecodeError) -> DocumentSnapshot.Id {
        guard let bits else {
            let client = try count(max: clients) - 1
            guard client >= 0 else { return .none }
            return DocumentSnapshot.Id(client: Int32(client), seq: try int32(base &+ (try signedVarint())))
        }
        let start = offset
        let value = try varint()
        guard value > 0 else { return .none }
        let packed = value - 1
        let client = Int(packed & (1 &<< UInt64(bits) &- 1))
        guard client < clients else { throw DecodeError(offset: start, reason: "\(client) exceeds \(clients - 1)") }
        return DocumentSnapshot.Id(client: Int32(client), seq: try int32(base &+ unzigzag(packed &>> UInt64(bits))))
    }

    /// `value` as an `Int32`, or an error at the current offset.
    @inline(__always)
    func int32(_ value: Int64) throws(DecodeError) -> Int32 {
        guard let narrowed = Int32(exactly: value) else { throw DecodeError(offset: offset, reason: "\(value) out of range") }
        return narrowed
    }
}
