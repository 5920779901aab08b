import CollabCore

/// The payload of an op-batch record: ops in log order, with a client table, in fourteen
/// columns, each zstd-compressed when that saves (docs/format.md, encoding 2).
///
/// What an editing history mostly holds is ids that can be guessed from the ops before
/// them: the seq after the author's last op, an insert's right origin just after its left
/// one, or where the run its left origin ends pointed; a left origin just before what the
/// author last deleted; a deleted range that is the rest of a run, or that starts where
/// the previous range of the selection led. Such values are written as a mode instead of
/// an id, and an id that is written names one of the last few places edited (or the id
/// next to one), else its distance from the last, since edits cluster. Encoder and decoder
/// make the same guesses from the same ops (`Predictions`).
package enum OpBatchCodec {
    static let columnsEncoding: UInt8 = 2
    static let maxClients = 1 << 16
    static let maxOps = 1 << 22
    /// Kind bytes of the ops stored as their JSON payload (bit 7 set): comment and
    /// block ops, which are few.
    static let jsonOpKinds: [String: UInt8] = [
        "comment_add": 0x80, "comment_edit": 0x81, "comment_resolve": 0x82, "comment_delete": 0x83,
        "block_insert": 0x84, "block_set": 0x85, "block_delete": 0x86, "block_move": 0x87,
    ]

    /// How an insert's left origin (`after`) is stored: absent, written, or the id just
    /// before the first character the author's previous op deleted (typing over a
    /// selection, or after backspacing).
    enum AfterMode: UInt8 { case none = 0, written = 1, beforeDeleted = 2 }
    /// How an insert's right origin (`before`) is stored: absent, written, the id just
    /// after `after` (typing inside a run), or the right origin of the run `after` ends
    /// (typing on where a run left off, after something in between).
    enum BeforeMode: UInt8 { case none = 0, written = 1, nextId = 2, runsRightOrigin = 3 }

    /// Where a deleted range after an op's first starts: at the run inserted right after
    /// the previous range's last character, at the right origin of the run that range
    /// ends, or at a written id.
    enum TargetStart: Int { case runAfterPrevious = 0, rightOriginOfPrevious = 1, written = 2 }

    /// One byte stream per field: like values together, which is what the compressor
    /// feeds on.
    struct Columns {
        static let count = 14
        var kinds = ByteWriter()
        var authors = ByteWriter()
        /// Zigzag of seq minus the author's next expected seq (the end of its previous op).
        var seqs = ByteWriter()
        var walls = ByteWriter()
        var logicals = ByteWriter()
        /// Written ids (`Predictions.code(of:)`), with their client when the code does not
        /// imply it.
        var referenceClients = ByteWriter()
        var referenceCodes = ByteWriter()
        var textLengths = ByteWriter()
        var text = ByteWriter()
        var targetCounts = ByteWriter()
        var targetStarts = ByteWriter()
        var targetClients = ByteWriter()
        var targetCodes = ByteWriter()
        var targetLengths = ByteWriter()

        var all: [ByteWriter] {
            [kinds, authors, seqs, walls, logicals, referenceClients, referenceCodes, textLengths, text,
             targetCounts, targetStarts, targetClients, targetCodes, targetLengths]
        }
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
        var guesses = Predictions()
        /// A written id's code, and its client when the code does not imply it.
        func code(of id: OpId) -> (code: UInt64, client: Int?) {
            let ref = Predictions.Ref(client: index(id.client), seq: id.seq)
            let (code, writesClient) = guesses.code(of: ref)
            return (code, writesClient ? ref.client : nil)
        }
        func reference(_ id: OpId) {
            let (code, client) = code(of: id)
            columns.referenceCodes.varint(code)
            if let client { columns.referenceClients.varint(client) }
        }
        for op in ops {
            let author = index(op.id.client)
            columns.authors.varint(author)
            columns.seqs.signedVarint(Int64(op.id.seq) - Int64(guesses.expectedSeq(of: author)))
            let (wall, escaped, logical) = guesses.timestampCodes(op.timestamp)
            columns.walls.varint(wall)
            if let escaped { columns.walls.varint(escaped) }
            columns.logicals.signedVarint(logical)
            guesses.saw(op.timestamp)
            switch op.payload {
            case .textInsert(let insert):
                let after = insert.after.map { Predictions.Ref(client: index($0.client), seq: $0.seq) }
                let before = insert.before.map { Predictions.Ref(client: index($0.client), seq: $0.seq) }
                let afterMode: AfterMode =
                    after == nil ? .none : after == guesses.beforeDeleted(by: author) ? .beforeDeleted : .written
                let beforeMode: BeforeMode
                if before == nil {
                    beforeMode = .none
                } else if let after, before == Predictions.Ref(client: after.client, seq: after.seq + 1) {
                    beforeMode = .nextId
                } else if let after, let guess = guesses.rightOriginOfRun(endingAt: after), guess == before {
                    beforeMode = .runsRightOrigin
                } else {
                    beforeMode = .written
                }
                columns.kinds.u8(afterMode.rawValue << 2 | beforeMode.rawValue << 4 | (insert.block == nil ? 0 : 1 << 6))
                if afterMode == .written, let id = insert.after { reference(id) }
                if afterMode == .beforeDeleted, let after { guesses.touch(after) }
                if beforeMode == .written, let id = insert.before { reference(id) }
                if let block = insert.block { reference(block) }
                let utf8 = Array(insert.text.utf8)
                columns.textLengths.varint(utf8.count)
                columns.text.bytes.append(contentsOf: utf8)
                guesses.inserted(by: author, seq: op.id.seq, length: insert.length, after: after, before: before)
            case .textDelete(let delete):
                columns.kinds.u8(delete.targets.count == 1 ? 1 | 4 : 1)
                if delete.targets.count != 1 { columns.targetCounts.varint(delete.targets.count) }
                var previousHigh: Predictions.Ref?
                for target in delete.targets {
                    let start = Predictions.Ref(client: index(target.start.client), seq: target.start.seq)
                    let low = target.backward ? start.seq - target.length + 1 : start.seq
                    var how = TargetStart.written
                    if !target.backward, let previousHigh {
                        if guesses.runStart(after: previousHigh) == start {
                            how = .runAfterPrevious
                        } else if guesses.rightOriginOfRun(endingAt: previousHigh) == start {
                            how = .rightOriginOfPrevious
                        }
                    }
                    if previousHigh != nil { columns.targetStarts.varint(how.rawValue) }
                    if how == .written {
                        let (code, client) = code(of: target.start)
                        columns.targetCodes.varint(code)
                        if let client { columns.targetClients.varint(client) }
                    }
                    let backward = target.backward ? 1 : 0
                    if guesses.restOfRun(from: start, backward: target.backward) == target.length {
                        columns.targetLengths.varint(backward)
                    } else {
                        columns.targetLengths.varint(2 + (target.length - 1) * 2 + backward)
                    }
                    guesses.deletedRange(client: start.client, low: low, high: low + target.length - 1)
                    previousHigh = Predictions.Ref(client: start.client, seq: low + target.length - 1)
                }
                guesses.deleted(by: author, first: delete.targets.first.map {
                    Predictions.Ref(client: index($0.start.client), seq: $0.backward ? $0.start.seq - $0.length + 1 : $0.start.seq)
                })
            case .formatSet(let format):
                var flags: UInt8 = 0
                if let start = format.start { flags |= start.side == .after ? 3 : 1 }
                if let end = format.end { flags |= end.side == .after ? 12 : 4 }
                columns.kinds.u8(3 | flags << 2)
                for anchor in [format.start, format.end].compactMap({ $0 }) { reference(anchor.id) }
                let attribute = encodeAttribute(format.key, format.value)
                columns.textLengths.varint(attribute.count)
                columns.text.bytes.append(contentsOf: attribute)
                guesses.other(by: author)
            case .comment, .block:
                // Comment and block ops are few: their payload as JSON (docs/ops.md) in the
                // text column.
                columns.kinds.u8(jsonOpKinds[op.typeName]!)
                let payload = OpJSON.payload(of: op.payload)
                columns.textLengths.varint(payload.count)
                columns.text.bytes.append(contentsOf: payload)
                guesses.other(by: author)
            }
            guesses.ended(author: author, at: op.endSeq)
        }
        var payload = ByteWriter()
        payload.u8(columnsEncoding)
        payload.varint(table.count)
        for client in table { payload.string(client) }
        payload.varint(ops.count)
        payload.columns(columns.all.map(\.bytes))
        return payload.bytes
    }

    package static func decode(_ payload: [UInt8]) throws(DecodeError) -> [Op] {
        guard payload.first == columnsEncoding else { return try decodeVersion1(payload) }
        var reader = ByteReader(payload, from: 1)
        let table = try clientTable(&reader)
        let opCount = try reader.count(max: maxOps)
        let columns = try reader.columns(Columns.count)
        guard reader.isAtEnd else { throw DecodeError(offset: reader.offset, reason: "bytes after the op batch") }
        var kinds = columns[0], authors = columns[1], seqs = columns[2], walls = columns[3], logicals = columns[4]
        var referenceClients = columns[5], referenceCodes = columns[6], textLengths = columns[7], text = columns[8]
        var targetCounts = columns[9], targetStarts = columns[10], targetClients = columns[11], targetCodes = columns[12]
        var targetLengths = columns[13]

        var guesses = Predictions()
        func clientIndex(_ reader: inout ByteReader) throws(DecodeError) -> Int {
            try reader.count(max: table.count - 1)
        }
        func seq(_ value: Int64, at reader: ByteReader) throws(DecodeError) -> Int {
            guard value >= 0 && value <= Int64(Int32.max) else {
                throw DecodeError(offset: reader.offset, reason: "sequence number \(value) out of range")
            }
            return Int(value)
        }
        func opId(_ ref: Predictions.Ref) -> OpId { OpId(table[ref.client], ref.seq) }
        func read(clients: inout ByteReader, codes: inout ByteReader) throws(DecodeError) -> Predictions.Ref {
            let code = try codes.varint()
            return try guesses.ref(code: code, client: { () throws(DecodeError) -> Int in try clientIndex(&clients) }, at: codes.offset)
        }
        func reference() throws(DecodeError) -> Predictions.Ref { try read(clients: &referenceClients, codes: &referenceCodes) }
        func bytes() throws(DecodeError) -> (ArraySlice<UInt8>, at: Int) {
            let count = try textLengths.count(max: text.end - text.offset)
            let start = text.offset
            return (try text.bytes(count), start)
        }

        var ops: [Op] = []
        ops.reserveCapacity(opCount)
        for _ in 0..<opCount {
            let kind = try kinds.u8()
            let author = try clientIndex(&authors)
            let id = OpId(table[author], try seq(Int64(guesses.expectedSeq(of: author)) + (try seqs.signedVarint()), at: seqs))
            let wallCode = try walls.varint()
            let timestamp = try guesses.timestamp(wallCode: wallCode, walls: &walls, logicalCode: try logicals.signedVarint())
            guesses.saw(timestamp)
            let op: Op
            if kind >= 0x80 {
                guard let type = jsonOpKinds.first(where: { $0.value == kind })?.key else {
                    throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)")
                }
                let (json, start) = try bytes()
                op = Op(id: id, timestamp: timestamp, payload: try OpJSON.payload(type: type, json: json, at: start))
                guesses.other(by: author)
            } else if kind & 3 == 3 {
                let flags = kind >> 2
                guard flags < 16 else { throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)") }
                let start = flags & 1 == 0 ? nil : MarkAnchor(opId(try reference()), flags & 2 == 0 ? .before : .after)
                let end = flags & 4 == 0 ? nil : MarkAnchor(opId(try reference()), flags & 8 == 0 ? .before : .after)
                let (attribute, at) = try bytes()
                let (key, value) = try decodeAttribute(attribute, at: at)
                op = Op(id: id, timestamp: timestamp, payload: .formatSet(FormatSet(start: start, end: end, key: key, value: value)))
                guesses.other(by: author)
            } else if kind & 3 == 0 {
                guard let afterMode = AfterMode(rawValue: kind >> 2 & 3), let beforeMode = BeforeMode(rawValue: kind >> 4 & 3),
                    kind >> 6 <= 1
                else { throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)") }
                let after: Predictions.Ref?
                switch afterMode {
                case .none: after = nil
                case .written: after = try reference()
                case .beforeDeleted:
                    guard let guess = guesses.beforeDeleted(by: author) else {
                        throw DecodeError(offset: kinds.offset, reason: "an insert after a deletion its author did not make")
                    }
                    after = guess
                    guesses.touch(guess)
                }
                let before: Predictions.Ref?
                switch beforeMode {
                case .none: before = nil
                case .written: before = try reference()
                case .nextId:
                    guard let after, after.seq < Int(Int32.max) else {
                        throw DecodeError(offset: kinds.offset, reason: "a right origin next to a missing left origin")
                    }
                    before = Predictions.Ref(client: after.client, seq: after.seq + 1)
                case .runsRightOrigin:
                    guard let after, let guess = guesses.rightOriginOfRun(endingAt: after) else {
                        throw DecodeError(offset: kinds.offset, reason: "a right origin of a run not in the batch")
                    }
                    before = guess
                }
                let block = kind & 0x40 == 0 ? nil : try reference()
                let (utf8, start) = try bytes()
                guard !utf8.isEmpty, let inserted = String(validating: utf8, as: UTF8.self) else {
                    throw DecodeError(offset: start, reason: "insert text missing or not UTF-8")
                }
                let insert = TextInsert(block: block.map(opId), after: after.map(opId), before: before.map(opId), text: inserted)
                op = Op(id: id, timestamp: timestamp, payload: .textInsert(insert))
                guesses.inserted(by: author, seq: id.seq, length: insert.length, after: after, before: before)
            } else {
                guard kind & 3 == 1, kind >> 3 == 0 else { throw DecodeError(offset: kinds.offset, reason: "unknown op kind \(kind)") }
                let targetCount = kind & 4 != 0 ? 1 : try targetCounts.count(max: targetLengths.end - targetLengths.offset)
                guard targetCount > 0 else { throw DecodeError(offset: targetCounts.offset, reason: "a delete without targets") }
                var targets: [DeleteTarget] = []
                targets.reserveCapacity(targetCount)
                var first: Predictions.Ref?
                var previousHigh: Predictions.Ref?
                for _ in 0..<targetCount {
                    let how = previousHigh == nil ? .written : TargetStart(rawValue: try targetStarts.count(max: TargetStart.written.rawValue))!
                    let start: Predictions.Ref
                    if how == .written {
                        start = try read(clients: &targetClients, codes: &targetCodes)
                    } else {
                        guard let previousHigh,
                            let guess = how == .runAfterPrevious
                                ? guesses.runStart(after: previousHigh) : guesses.rightOriginOfRun(endingAt: previousHigh)
                        else { throw DecodeError(offset: targetStarts.offset, reason: "a deleted range guessed from nothing") }
                        start = guess
                    }
                    let code = try targetLengths.count(max: Int(Int32.max) * 2 + 2)
                    let backward = code & 1 == 1
                    guard how == .written || !backward else {
                        throw DecodeError(offset: targetLengths.offset, reason: "a guessed deleted range that is backward")
                    }
                    let length: Int
                    if code < 2 {
                        guard let rest = guesses.restOfRun(from: start, backward: backward) else {
                            throw DecodeError(offset: targetLengths.offset, reason: "a deleted range guessed from a run not in the batch")
                        }
                        length = rest
                    } else {
                        length = (code - 2) / 2 + 1
                    }
                    guard !backward || length <= start.seq + 1 else {
                        throw DecodeError(offset: targetLengths.offset, reason: "a delete target out of range")
                    }
                    let low = backward ? start.seq - length + 1 : start.seq
                    if first == nil { first = Predictions.Ref(client: start.client, seq: low) }
                    guesses.deletedRange(client: start.client, low: low, high: low + length - 1)
                    previousHigh = Predictions.Ref(client: start.client, seq: low + length - 1)
                    targets.append(DeleteTarget(start: opId(start), length: length, backward: backward))
                }
                op = Op(id: id, timestamp: timestamp, payload: .textDelete(TextDelete(targets: targets)))
                guesses.deleted(by: author, first: first)
            }
            guesses.ended(author: author, at: op.endSeq)
            ops.append(op)
        }
        for column in [kinds, authors, seqs, walls, logicals, referenceClients, referenceCodes, textLengths, text,
            targetCounts, targetStarts, targetClients, targetCodes, targetLengths] where !column.isAtEnd
        {
            throw DecodeError(offset: column.offset, reason: "unused bytes in a column")
        }
        return ops
    }

    /// The client table every encoding starts with: a `varint` count, then each client
    /// id as a `varint` length and 1 to 256 bytes of UTF-8.
    static func clientTable(_ reader: inout ByteReader) throws(DecodeError) -> [ClientId] {
        let clientCount = try reader.count(max: maxClients)
        var table: [ClientId] = []
        for _ in 0..<clientCount {
            let start = reader.offset
            let client = try reader.string(maxBytes: 256)
            guard !client.isEmpty else { throw DecodeError(offset: start, reason: "empty client id") }
            table.append(client)
        }
        return table
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

/// Zigzag: small negative and positive numbers both stay small.
@inline(__always)
func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

extension ByteWriter {
    /// Columns: a `varint` of `mask << 1 | compressed`, where bit *i* of the mask says
    /// column *i* holds bytes; then per such column its `varint` byte count and, when
    /// compressed, its `varint` stored count, then the stored bytes: raw when the two
    /// counts are equal, else one zstd frame. Compression is kept only where it saves, and
    /// a small batch (most appends) spends two bytes on the framing of each column.
    mutating func columns(_ columns: [[UInt8]]) {
        var mask: UInt64 = 0
        for (index, column) in columns.enumerated() where !column.isEmpty { mask |= 1 << UInt64(index) }
        let stored = Zstd.compressEach(columns)
        let compressed = zip(columns, stored).contains { $0.count != $1.count }
        varint(mask << 1 | (compressed ? 1 : 0))
        for (column, kept) in zip(columns, stored) where !column.isEmpty {
            varint(column.count)
            if compressed { varint(kept.count) }
            bytes += kept
        }
    }
}

extension ByteReader {
    /// `count` columns as `ByteWriter.columns` wrote them. All of them together may
    /// inflate to at most 64 times the largest payload.
    mutating func columns(_ count: Int) throws(DecodeError) -> [ByteReader] {
        let start = offset
        let header = try varint()
        guard header >> 1 < 1 << UInt64(count) else { throw DecodeError(offset: start, reason: "unknown op-batch columns") }
        let compressed = header & 1 == 1
        var inflated = 0
        var columns: [ByteReader] = []
        for index in 0..<count {
            guard header >> 1 & 1 << UInt64(index) != 0 else {
                columns.append(ByteReader([]))
                continue
            }
            let columnStart = offset
            let size = try self.count(max: ClogFormat.maxPayloadSize * 64 - inflated)
            guard size > 0 else { throw DecodeError(offset: columnStart, reason: "an empty column marked present") }
            inflated += size
            let storedSize = compressed ? try self.count(max: end - offset) : size
            let stored = try bytes(storedSize)
            if storedSize == size {
                columns.append(ByteReader(bytes, from: stored.startIndex, to: stored.endIndex))
                continue
            }
            guard storedSize < size, let inflated = Zstd.decompress(stored, size: size) else {
                throw DecodeError(offset: columnStart, reason: "column does not inflate to \(size) bytes")
            }
            columns.append(ByteReader(inflated))
        }
        return columns
    }
}
