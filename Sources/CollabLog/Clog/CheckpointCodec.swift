import CollabCore

/// The payload of a checkpoint record: a document's whole state (docs/format.md), so a
/// long log opens without replaying its history.
enum CheckpointCodec {
    /// Where a record's wall time is among its fields (see `Document.snapshot()`).
    static let wallField = 4

    /// UTF-8 to code points, validating, without going through a String.
    static func scalars(of bytes: ArraySlice<UInt8>, at offset: Int) throws(DecodeError) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let lead = bytes[i]
            if lead < 0x80 {
                result.append(UInt32(lead))
                i += 1
                continue
            }
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
            guard length > 0, i + length <= bytes.endIndex,
                let scalar = String(validating: bytes[i..<(i + length)], as: UTF8.self)?.unicodeScalars.first
            else { throw DecodeError(offset: offset + i - bytes.startIndex, reason: "invalid UTF-8 in checkpoint text") }
            result.append(scalar.value)
            i += length
        }
        return result
    }

    static func encode(_ snapshot: DocumentSnapshot) -> [UInt8] {
        var body = ByteWriter()
        body.varint(snapshot.clients.count)
        for client in snapshot.clients { body.string(client) }
        for seq in snapshot.nextSeq { body.varint(Int(seq)) }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: snapshot.content.map { Unicode.Scalar($0)! })
        body.string(String(text))
        // Record wall times as deltas from the record before: mostly 0 or small.
        var records = snapshot.records
        var k = records.count - Document.recordFields
        while k > 0 {
            records[k + wallField] -= records[k - Document.recordFields + wallField]
            k -= Document.recordFields
        }
        for column in [snapshot.runs.map(Int64.init), records, snapshot.targets.map(Int64.init)] {
            body.varint(column.count)
            for value in column { body.signedVarint(value) }
        }
        body.signedVarint(snapshot.clock.wall)
        body.varint(Int(snapshot.clock.logical))
        var payload = ByteWriter()
        payload.u8(OpBatchCodec.zlibEncoding)
        payload.varint(body.bytes.count)
        payload.bytes += Zlib.compress(body.bytes)
        return payload.bytes
    }

    static func decode(_ payload: [UInt8]) throws(DecodeError) -> DocumentSnapshot {
        var outer = ByteReader(payload)
        guard try outer.u8() == OpBatchCodec.zlibEncoding else { throw DecodeError(offset: 0, reason: "unknown checkpoint encoding") }
        let size = try outer.count(max: ClogFormat.maxPayloadSize * 64)
        guard let body = Zlib.decompress(payload[outer.offset...], size: size) else {
            throw DecodeError(offset: outer.offset, reason: "checkpoint does not inflate to \(size) bytes")
        }
        var reader = ByteReader(body)
        let clientCount = try reader.count(max: OpBatchCodec.maxClients)
        var clients: [ClientId] = []
        for _ in 0..<clientCount { clients.append(try reader.string(maxBytes: 256)) }
        var nextSeq: [Int32] = []
        for _ in 0..<clientCount { nextSeq.append(Int32(try reader.count(max: Int(Int32.max)))) }
        let contentStart = reader.offset
        let content = try scalars(of: reader.bytes(try reader.count(max: body.count)), at: contentStart)
        var columns: [[Int64]] = []
        for _ in 0..<3 {
            let count = try reader.count(max: body.count)
            var column: [Int64] = []
            column.reserveCapacity(count)
            for _ in 0..<count { column.append(try reader.signedVarint()) }
            columns.append(column)
        }
        var k = Document.recordFields
        while k < columns[1].count {
            columns[1][k + wallField] &+= columns[1][k - Document.recordFields + wallField]
            k += Document.recordFields
        }
        let wall = try reader.signedVarint()
        let logical = try reader.count(max: Int(Int32.max))
        guard reader.isAtEnd else { throw DecodeError(offset: reader.offset, reason: "bytes after the checkpoint") }
        func narrow(_ column: [Int64]) throws(DecodeError) -> [Int32] {
            var result: [Int32] = []
            result.reserveCapacity(column.count)
            for value in column {
                guard let narrowed = Int32(exactly: value) else { throw DecodeError(offset: 0, reason: "checkpoint value out of range") }
                result.append(narrowed)
            }
            return result
        }
        return DocumentSnapshot(
            clients: clients, nextSeq: nextSeq, content: content, runs: try narrow(columns[0]), records: columns[1],
            targets: try narrow(columns[2]), clock: Timestamp(wall: wall, logical: Int32(logical)))
    }
}
