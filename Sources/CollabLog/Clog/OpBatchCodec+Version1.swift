import CollabCore

/// Reading the first op-batch encodings (`0` raw, `1` one zlib stream of the whole body),
/// which `collab` wrote before encoding 2 (docs/format.md); logs written then stay
/// readable. Nothing writes them any more.
extension OpBatchCodec {
    static let rawEncoding: UInt8 = 0
    static let zlibEncoding: UInt8 = 1

    static func decodeVersion1(_ payload: [UInt8]) throws(DecodeError) -> [Op] {
        var outer = ByteReader(payload)
        let encoding = try outer.u8()
        let body: [UInt8]
        switch encoding {
        case rawEncoding:
            body = Array(payload[1...])
        case zlibEncoding:
            let size = try outer.count(max: ClogFormat.maxPayloadSize * 64)
            guard let inflated = Zlib.decompress(payload[outer.offset...], size: size) else {
                throw DecodeError(offset: outer.offset, reason: "compressed op batch does not inflate to \(size) bytes")
            }
            body = inflated
        default:
            throw DecodeError(offset: 0, reason: "unknown op-batch encoding \(encoding)")
        }
        var reader = ByteReader(body)
        let table = try clientTable(&reader)
        let opCount = try reader.count(max: maxOps)
        var columns: [ByteReader] = []
        for _ in 0..<9 {
            let length = try reader.count(max: body.count)
            let start = reader.offset
            _ = try reader.bytes(length)
            columns.append(ByteReader(body, from: start, to: start + length))
        }
        guard reader.isAtEnd else { throw DecodeError(offset: reader.offset, reason: "bytes after the op batch") }
        var kinds = columns[0], authors = columns[1], seqs = columns[2], walls = columns[3], logicals = columns[4]
        var references = columns[5], textLengths = columns[6], targetColumn = columns[7], text = columns[8]
        func client(_ reader: inout ByteReader) throws(DecodeError) -> ClientId {
            table[try reader.count(max: table.count - 1)]
        }
        func seq(_ value: Int64, at reader: ByteReader) throws(DecodeError) -> Int {
            guard value >= 0 && value <= Int64(Int32.max) else {
                throw DecodeError(offset: reader.offset, reason: "sequence number \(value) out of range")
            }
            return Int(value)
        }
        func reference(_ reader: inout ByteReader, from base: Int) throws(DecodeError) -> OpId {
            let referenced = try client(&reader)
            return OpId(referenced, try seq(Int64(base) + (try reader.signedVarint()), at: reader))
        }
        var ops: [Op] = []
        ops.reserveCapacity(opCount)
        var previousWall: Int64 = 0
        var expected: [String: Int] = [:]
        for _ in 0..<opCount {
            let kind = try kinds.u8()
            let author = try client(&authors)
            let id = OpId(author, try seq(Int64(expected[author] ?? 0) + (try seqs.signedVarint()), at: seqs))
            let wall = previousWall &+ (try walls.signedVarint())
            guard wall >= 0 else { throw DecodeError(offset: walls.offset, reason: "negative timestamp") }
            previousWall = wall
            let timestamp = Timestamp(wall: wall, logical: Int32(try logicals.count(max: Int(Int32.max))))
            let op: Op
            if kind >= 0x80 {
                guard let type = jsonOpKinds.first(where: { $0.value == kind })?.key else {
                    throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)")
                }
                let byteCount = try textLengths.count(max: body.count)
                let start = text.offset
                op = Op(id: id, timestamp: timestamp, payload: try OpJSON.payload(type: type, json: try text.bytes(byteCount), at: start))
            } else if kind & 3 == 3 {
                let flags = kind >> 2
                guard flags < 16 else { throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)") }
                let start = flags & 1 == 0 ? nil : MarkAnchor(try reference(&references, from: id.seq), flags & 2 == 0 ? .before : .after)
                let end = flags & 4 == 0 ? nil : MarkAnchor(try reference(&references, from: id.seq), flags & 8 == 0 ? .before : .after)
                let byteCount = try textLengths.count(max: body.count)
                let (key, value) = try decodeAttribute(try text.bytes(byteCount), at: text.offset)
                op = Op(id: id, timestamp: timestamp, payload: .formatSet(FormatSet(start: start, end: end, key: key, value: value)))
            } else if kind & 1 == 0 {
                let presence = kind >> 1
                guard presence < 8 else { throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)") }
                var ids: [OpId?] = [nil, nil, nil]
                for slot in 0..<3 where presence & (1 << slot) != 0 {
                    ids[slot] = try reference(&references, from: id.seq)
                }
                let byteCount = try textLengths.count(max: body.count)
                let start = text.offset
                guard byteCount > 0, let inserted = String(validating: try text.bytes(byteCount), as: UTF8.self) else {
                    throw DecodeError(offset: start, reason: "insert text missing or not UTF-8")
                }
                op = Op(id: id, timestamp: timestamp, payload: .textInsert(
                    TextInsert(block: ids[2], after: ids[0], before: ids[1], text: inserted)))
            } else {
                guard kind == 1 else { throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)") }
                let targetCount = try targetColumn.count(max: body.count)
                guard targetCount > 0 else { throw DecodeError(offset: targetColumn.offset, reason: "a delete without targets") }
                var targets: [DeleteTarget] = []
                for _ in 0..<targetCount {
                    let start = try reference(&targetColumn, from: id.seq)
                    let packed = try targetColumn.count(max: Int(Int32.max) * 2 + 1)
                    let length = packed >> 1
                    let backward = packed & 1 == 1
                    guard length > 0, !backward || length <= start.seq + 1 else {
                        throw DecodeError(offset: targetColumn.offset, reason: "a delete target out of range")
                    }
                    targets.append(DeleteTarget(start: start, length: length, backward: backward))
                }
                op = Op(id: id, timestamp: timestamp, payload: .textDelete(TextDelete(targets: targets)))
            }
            expected[author] = op.endSeq
            ops.append(op)
        }
        for column in [kinds, authors, seqs, walls, logicals, references, textLengths, targetColumn, text] where !column.isAtEnd {
            throw DecodeError(offset: column.offset, reason: "unused bytes in a column")
        }
        return ops
    }
}
