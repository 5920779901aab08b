/// Reads a `.clog` file's bytes and classifies them: clean, a torn tail (the end of an
/// interrupted append: repairable), or corrupt (damage with valid data after it, a
/// sequence gap, a foreign header: refused, never skipped over).
public enum ClogScanner {
    public static func scan(_ bytes: [UInt8]) -> ClogScan {
        let header: ClogHeader
        let headerSize: Int
        switch ClogHeader.decode(bytes) {
        case .success(let decoded):
            (header, headerSize) = decoded
        case .failure(.truncated) where ClogScanner.validRecordExists(after: 0, in: bytes):
            // The header claims more bytes than come before valid records: it is damaged.
            return ClogScan(documentId: nil, headerSize: 0, records: [], validLength: 0,
                            state: .corrupt(offset: 0, record: 0, reason: "file header: damaged (it runs into the records)"))
        case .failure(.truncated):
            return ClogScan(documentId: nil, headerSize: 0, records: [], validLength: 0,
                            state: .torn(offset: 0, reason: "the file header is incomplete"))
        case .failure(.notAClog):
            return ClogScan(documentId: nil, headerSize: 0, records: [], validLength: 0,
                            state: .corrupt(offset: 0, record: 0, reason: "not a collab log (no .clog header)"))
        case .failure(.damaged(let reason)), .failure(.unsupported(let reason)):
            return ClogScan(documentId: nil, headerSize: 0, records: [], validLength: 0,
                            state: .corrupt(offset: 0, record: 0, reason: "file header: \(reason)"))
        }
        let (records, validLength, state) = self.records(in: bytes, from: headerSize, numberedFrom: 0)
        return ClogScan(documentId: header.documentId, headerSize: headerSize, records: records, validLength: validLength, state: state)
    }

    /// The records from `start` to the end of `bytes`, the first numbered `first`: what
    /// verifies up to the first problem, where it ends, and what the problem is. Record
    /// offsets count from the start of `bytes`.
    package static func records(
        in bytes: [UInt8], from start: Int, numberedFrom first: Int
    ) -> (records: [ClogRecord], validLength: Int, state: ClogScan.State) {
        var records: [ClogRecord] = []
        var offset = start
        while offset < bytes.count {
            let number = first + records.count
            switch frame(at: offset, in: bytes) {
            case .valid(let record):
                guard record.number == UInt64(number) else {
                    return (records, offset, .corrupt(offset: offset, record: number,
                                                      reason: "record number \(record.number) where \(number) belongs (records lost, repeated or reordered)"))
                }
                if ClogRecordType(rawValue: record.type) == nil && record.flags & ClogFormat.skippableFlag == 0 {
                    return (records, offset, .corrupt(offset: offset, record: number,
                                                      reason: "record type \(record.type) is unknown and not skippable (written by a newer collab?)"))
                }
                records.append(record)
                offset += record.size
            case .invalid(let reason, let provablyDamaged):
                if provablyDamaged || validRecordExists(after: offset, in: bytes) {
                    return (records, offset, .corrupt(offset: offset, record: number, reason: reason + (provablyDamaged ? "" : ", and valid records follow")))
                }
                return (records, offset, .torn(offset: offset, reason: reason))
            }
        }
        return (records, offset, .clean)
    }

    package enum Frame {
        case valid(ClogRecord)
        /// `provablyDamaged`: the record header verifies yet says something impossible, so
        /// this is not the end of an interrupted write.
        case invalid(String, provablyDamaged: Bool)
    }

    package static func frame(at offset: Int, in bytes: [UInt8]) -> Frame {
        let size = ClogFormat.recordHeaderSize
        guard bytes.count - offset >= size else { return .invalid("incomplete record header", provablyDamaged: false) }
        var reader = ByteReader(bytes, from: offset)
        // Reads cannot fail: 24 bytes are there.
        let length = Int((try? reader.u32()) ?? 0)
        let type = (try? reader.u8()) ?? 0
        let flags = (try? reader.u8()) ?? 0
        let reserved = (try? reader.u16()) ?? 0
        let number = (try? reader.u64()) ?? 0
        let payloadChecksum = (try? reader.u32()) ?? 0
        let headerChecksum = (try? reader.u32()) ?? 0
        guard Checksum.crc32(bytes[offset..<(offset + 20)]) == headerChecksum else {
            return .invalid("record header fails its checksum", provablyDamaged: false)
        }
        guard length <= ClogFormat.maxPayloadSize else {
            return .invalid("record length \(length) is over the limit of \(ClogFormat.maxPayloadSize)", provablyDamaged: true)
        }
        guard reserved == 0, flags & ~ClogFormat.skippableFlag == 0 else {
            return .invalid("unknown record flags", provablyDamaged: true)
        }
        let end = offset + size + length
        guard end <= bytes.count else { return .invalid("record cut short", provablyDamaged: false) }
        guard Checksum.crc32(bytes[(offset + size)..<end]) == payloadChecksum else {
            return .invalid("record payload fails its checksum", provablyDamaged: false)
        }
        return .valid(ClogRecord(type: type, flags: flags, number: number, payload: Array(bytes[(offset + size)..<end]), offset: offset))
    }

    /// Whether a whole, verifying record starts anywhere after `offset`: then damage at
    /// `offset` is in the middle of the log, not at its end.
    package static func validRecordExists(after offset: Int, in bytes: [UInt8]) -> Bool {
        var candidate = offset + 1
        while candidate + ClogFormat.recordHeaderSize <= bytes.count {
            // Cheap filter first: the reserved bytes are zero in every record.
            if bytes[candidate + 6] == 0 && bytes[candidate + 7] == 0, case .valid = frame(at: candidate, in: bytes) {
                return true
            }
            candidate += 1
        }
        return false
    }
}

/// What a scan found.
public struct ClogScan: Sendable {
    public enum State: Sendable, Equatable {
        case clean
        /// The log ends in an incomplete or failing record with nothing valid after it:
        /// what an interrupted append leaves. `collab repair` cuts it off (keeping a copy).
        case torn(offset: Int, reason: String)
        /// Damage that an interrupted append cannot explain. Refused; `collab salvage`
        /// recovers what verifies into a new log.
        case corrupt(offset: Int, record: Int, reason: String)
    }

    /// nil when the header itself is missing or damaged.
    public var documentId: String?
    public var headerSize: Int
    /// The records that verify, in order, up to the first problem.
    public var records: [ClogRecord]
    /// Bytes from the start through the last valid record.
    public var validLength: Int
    public var state: State
}
