import CollabCore

/// The payload of an op-batch record: ops in log order, with a client table, in
/// columns of varints (ids and timestamps as deltas) and one text block; the whole body
/// zlib-compressed (docs/format.md).
package enum OpBatchCodec {
    static let rawEncoding: UInt8 = 0
    static let zlibEncoding: UInt8 = 1
    static let maxClients = 1 << 16
    static let maxOps = 1 << 22
    /// Kind bytes of the ops stored as their JSON payload (bit 7 set): comment and
    /// block ops, which are few.
    static let jsonOpKinds: [String: UInt8] = [
        "comment_add": 0x80, "comment_edit": 0x81, "comment_resolve": 0x82, "comment_delete": 0x83,
        "block_insert": 0x84, "block_set": 0x85, "block_delete": 0x86, "block_move": 0x87,
    ]

    /// The body is column-oriented: one byte stream per field, each op's values in its
    /// column, so that zlib finds the regularities of each field (mostly-zero deltas).
    struct Columns {
        var kinds = ByteWriter()
        var authors = ByteWriter()
        /// Zigzag of seq minus the author's next expected seq (the end of its previous op).
        var seqs = ByteWriter()
        var walls = ByteWriter()
        var logicals = ByteWriter()
        /// Referenced ids: client index, then zigzag of their seq minus the op's seq.
        var references = ByteWriter()
        var textLengths = ByteWriter()
        var targets = ByteWriter()
        var text = ByteWriter()

        var all: [ByteWriter] { [kinds, authors, seqs, walls, logicals, references, textLengths, targets, text] }
    }

    package static func encode(_ ops: some Collection<Op>) -> [UInt8] {
        var clients: [ClientId: Int] = [:]
        var table: [ClientId] = []
        func index(_ client: ClientId) -> Int {
            if let known = clients[client] { return known }
            clients[client] = table.count
            table.append(client)
            return table.count - 1
        }
        var columns = Columns()
        var previousWall: Int64 = 0
        var expected: [Int: Int] = [:]
        func reference(_ id: OpId, from op: Op, into writer: inout ByteWriter) {
            writer.varint(index(id.client))
            writer.signedVarint(Int64(id.seq) - Int64(op.id.seq))
        }
        for op in ops {
            let author = index(op.id.client)
            columns.authors.varint(author)
            columns.seqs.signedVarint(Int64(op.id.seq) - Int64(expected[author] ?? 0))
            expected[author] = op.endSeq
            columns.walls.signedVarint(op.timestamp.wall &- previousWall)
            previousWall = op.timestamp.wall
            columns.logicals.varint(Int(op.timestamp.logical))
            switch op.payload {
            case .textInsert(let insert):
                var presence: UInt8 = 0
                if insert.after != nil { presence |= 1 }
                if insert.before != nil { presence |= 2 }
                if insert.block != nil { presence |= 4 }
                columns.kinds.u8(presence << 1)  // low bit 0: insert
                for id in [insert.after, insert.before, insert.block].compactMap({ $0 }) {
                    reference(id, from: op, into: &columns.references)
                }
                let utf8 = Array(insert.text.utf8)
                columns.textLengths.varint(utf8.count)
                columns.text.bytes.append(contentsOf: utf8)
            case .textDelete(let delete):
                columns.kinds.u8(1)
                columns.targets.varint(delete.targets.count)
                for target in delete.targets {
                    reference(target.start, from: op, into: &columns.targets)
                    columns.targets.varint(target.length * 2 + (target.backward ? 1 : 0))
                }
            case .formatSet(let format):
                var flags: UInt8 = 0
                if let start = format.start { flags |= start.side == .after ? 3 : 1 }
                if let end = format.end { flags |= end.side == .after ? 12 : 4 }
                columns.kinds.u8(3 | flags << 2)  // low bits 11: format_set
                for anchor in [format.start, format.end].compactMap({ $0 }) {
                    reference(anchor.id, from: op, into: &columns.references)
                }
                let attribute = encodeAttribute(format.key, format.value)
                columns.textLengths.varint(attribute.count)
                columns.text.bytes.append(contentsOf: attribute)
            case .comment, .block:
                // Comment and block ops are few: their payload as JSON (docs/ops.md) in the
                // text column.
                columns.kinds.u8(jsonOpKinds[op.typeName]!)
                let payload = OpJSON.payload(of: op.payload)
                columns.textLengths.varint(payload.count)
                columns.text.bytes.append(contentsOf: payload)
            }
        }
        var body = ByteWriter()
        body.varint(table.count)
        for client in table { body.string(client) }
        body.varint(ops.count)
        for column in columns.all {
            body.varint(column.bytes.count)
            body.bytes.append(contentsOf: column.bytes)
        }
        var payload = ByteWriter()
        let compressed = Zlib.compress(body.bytes)
        if compressed.count < body.bytes.count {
            payload.u8(zlibEncoding)
            payload.varint(body.bytes.count)
            payload.bytes.append(contentsOf: compressed)
        } else {
            payload.u8(rawEncoding)
            payload.bytes.append(contentsOf: body.bytes)
        }
        return payload.bytes
    }

    package static func decode(_ payload: [UInt8]) throws(DecodeError) -> [Op] {
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
        let clientCount = try reader.count(max: maxClients)
        var table: [ClientId] = []
        for _ in 0..<clientCount {
            let start = reader.offset
            let client = try reader.string(maxBytes: 256)
            guard !client.isEmpty else { throw DecodeError(offset: start, reason: "empty client id") }
            table.append(client)
        }
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

    /// A `format_set`'s attribute, stored where an insert's text goes: `varint` name
    /// length, the name, a tag (0 null, 1 false, 2 true, 3 integer, 4 string) and the
    /// value (a zigzag `varint`, or the rest of the bytes as UTF-8).
    static func encodeAttribute(_ key: String, _ value: AttributeValue) -> [UInt8] {
        var writer = ByteWriter()
        writer.string(key)
        switch value {
        case .null: writer.u8(0)
        case .bool(let flag): writer.u8(flag ? 2 : 1)
        case .int(let number):
            writer.u8(3)
            writer.signedVarint(number)
        case .string(let text):
            writer.u8(4)
            writer.bytes += Array(text.utf8)
        }
        return writer.bytes
    }

    static func decodeAttribute(_ bytes: ArraySlice<UInt8>, at offset: Int) throws(DecodeError) -> (String, AttributeValue) {
        var reader = ByteReader(Array(bytes))
        func fail(_ reason: String) -> DecodeError { DecodeError(offset: offset + reader.offset, reason: reason) }
        let key = try reader.string(maxBytes: 256)
        guard !key.isEmpty else { throw fail("an attribute without a name") }
        let value: AttributeValue
        switch try reader.u8() {
        case 0: value = .null
        case 1: value = .bool(false)
        case 2: value = .bool(true)
        case 3: value = .int(try reader.signedVarint())
        case 4:
            guard let text = String(validating: try reader.bytes(reader.end - reader.offset), as: UTF8.self) else {
                throw fail("an attribute value that is not UTF-8")
            }
            value = .string(text)
        case let tag: throw fail("unknown attribute value tag \(tag)")
        }
        guard reader.isAtEnd else { throw fail("bytes after an attribute") }
        return (key, value)
    }
}
