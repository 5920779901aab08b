import CollabCore

/// The payload of an op-batch record: ops in log order, with a client table, varints,
/// timestamps as deltas, and the inserted text gathered in one block; the whole body
/// zlib-compressed (docs/format.md).
enum OpBatchCodec {
    static let rawEncoding: UInt8 = 0
    static let zlibEncoding: UInt8 = 1
    static let maxClients = 1 << 16
    static let maxOps = 1 << 22

    static func encode(_ ops: some Collection<Op>) -> [UInt8] {
        var clients: [ClientId: Int] = [:]
        var table: [ClientId] = []
        func index(_ client: ClientId) -> Int {
            if let known = clients[client] { return known }
            clients[client] = table.count
            table.append(client)
            return table.count - 1
        }
        var body = ByteWriter()
        var text = ByteWriter()
        var previousWall: Int64 = 0
        var opsWriter = ByteWriter()
        for op in ops {
            switch op.payload {
            case .textInsert(let insert):
                var presence: UInt8 = 0
                if insert.after != nil { presence |= 1 }
                if insert.before != nil { presence |= 2 }
                if insert.block != nil { presence |= 4 }
                opsWriter.u8(presence << 1)  // low bit 0: insert
                opsWriter.varint(index(op.id.client))
                opsWriter.varint(op.id.seq)
                opsWriter.signedVarint(op.timestamp.wall &- previousWall)
                opsWriter.varint(Int(op.timestamp.logical))
                for id in [insert.after, insert.before, insert.block].compactMap({ $0 }) {
                    opsWriter.varint(index(id.client))
                    opsWriter.varint(id.seq)
                }
                let utf8 = Array(insert.text.utf8)
                opsWriter.varint(utf8.count)
                text.bytes.append(contentsOf: utf8)
            case .textDelete(let delete):
                opsWriter.u8(1)
                opsWriter.varint(index(op.id.client))
                opsWriter.varint(op.id.seq)
                opsWriter.signedVarint(op.timestamp.wall &- previousWall)
                opsWriter.varint(Int(op.timestamp.logical))
                opsWriter.varint(delete.targets.count)
                for target in delete.targets {
                    opsWriter.varint(index(target.start.client))
                    opsWriter.varint(target.start.seq)
                    opsWriter.varint(target.length * 2 + (target.backward ? 1 : 0))
                }
            }
            previousWall = op.timestamp.wall
        }
        body.varint(table.count)
        for client in table { body.string(client) }
        body.varint(ops.count)
        body.bytes.append(contentsOf: opsWriter.bytes)
        body.varint(text.bytes.count)
        body.bytes.append(contentsOf: text.bytes)
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

    static func decode(_ payload: [UInt8]) throws(DecodeError) -> [Op] {
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
        func client(_ reader: inout ByteReader) throws(DecodeError) -> ClientId {
            table[try reader.count(max: table.count - 1)]
        }
        func seq(_ reader: inout ByteReader) throws(DecodeError) -> Int {
            try reader.count(max: Int(Int32.max))
        }
        struct PendingInsert {
            var index: Int
            var byteCount: Int
        }
        var ops: [Op] = []
        ops.reserveCapacity(opCount)
        var inserts: [PendingInsert] = []
        var previousWall: Int64 = 0
        for _ in 0..<opCount {
            let start = reader.offset
            let kind = try reader.u8()
            let author = try client(&reader)
            let id = OpId(author, try seq(&reader))
            let wall = previousWall &+ (try reader.signedVarint())
            guard wall >= 0 else { throw DecodeError(offset: start, reason: "negative timestamp") }
            let logical = try reader.count(max: Int(Int32.max))
            let timestamp = Timestamp(wall: wall, logical: Int32(logical))
            previousWall = wall
            if kind & 1 == 0 {
                let presence = kind >> 1
                guard presence < 8 else { throw DecodeError(offset: start, reason: "unknown op kind \(kind)") }
                var ids: [OpId?] = [nil, nil, nil]
                for slot in 0..<3 where presence & (1 << slot) != 0 {
                    ids[slot] = OpId(try client(&reader), try seq(&reader))
                }
                let byteCount = try reader.count(max: body.count)
                inserts.append(PendingInsert(index: ops.count, byteCount: byteCount))
                // The text is filled in from the text block below.
                ops.append(Op(id: id, timestamp: timestamp, payload: .textInsert(
                    TextInsert(block: ids[2], after: ids[0], before: ids[1], text: ""))))
            } else {
                guard kind == 1 else { throw DecodeError(offset: start, reason: "unknown op kind \(kind)") }
                let targetCount = try reader.count(max: body.count)
                guard targetCount > 0 else { throw DecodeError(offset: start, reason: "a delete without targets") }
                var targets: [DeleteTarget] = []
                for _ in 0..<targetCount {
                    let targetClient = try client(&reader)
                    let targetSeq = try seq(&reader)
                    let packed = try reader.count(max: Int(Int32.max) * 2 + 1)
                    let length = packed >> 1
                    let backward = packed & 1 == 1
                    guard length > 0, !backward || length <= targetSeq + 1 else {
                        throw DecodeError(offset: start, reason: "a delete target out of range")
                    }
                    targets.append(DeleteTarget(start: OpId(targetClient, targetSeq), length: length, backward: backward))
                }
                ops.append(Op(id: id, timestamp: timestamp, payload: .textDelete(TextDelete(targets: targets))))
            }
        }
        let textLength = try reader.count(max: body.count)
        let textStart = reader.offset
        let textBlock = try reader.bytes(textLength)
        guard reader.isAtEnd else { throw DecodeError(offset: reader.offset, reason: "bytes after the op batch") }
        var cursor = textBlock.startIndex
        for pending in inserts {
            guard pending.byteCount > 0, pending.byteCount <= textBlock.endIndex - cursor,
                let text = String(validating: textBlock[cursor..<(cursor + pending.byteCount)], as: UTF8.self)
            else { throw DecodeError(offset: textStart, reason: "insert text missing or not UTF-8") }
            cursor += pending.byteCount
            guard case .textInsert(let insert) = ops[pending.index].payload else { continue }
            ops[pending.index].payload = .textInsert(
                TextInsert(block: insert.block, after: insert.after, before: insert.before, text: text))
        }
        guard cursor == textBlock.endIndex else { throw DecodeError(offset: textStart, reason: "unused insert text") }
        return ops
    }
}
