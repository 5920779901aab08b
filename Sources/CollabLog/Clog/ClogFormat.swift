/// The constants and framing of the `.clog` format, specified in docs/format.md.
public enum ClogFormat {
    /// `\x89CLOG\r\n\x1a`: not text, and mangled by text-mode transfers in a visible way.
    package static let magic: [UInt8] = [0x89, 0x43, 0x4C, 0x4F, 0x47, 0x0D, 0x0A, 0x1A]
    package static let version: UInt16 = 1
    package static let maxDocumentIdBytes = 1024
    package static let recordHeaderSize = 24
    /// No record is bigger: a corrupt length can never cause a huge allocation.
    public static let maxPayloadSize = 16 << 20
    /// Record flag: a reader that does not know the record's type may skip it.
    package static let skippableFlag: UInt8 = 0x01

    /// Why a document id cannot be used, or nil when it can: 1 to 1024 UTF-8 bytes, no
    /// control characters.
    public static func problem(withDocumentId id: String) -> String? {
        if id.isEmpty || id.utf8.count > maxDocumentIdBytes { return "a document id is 1 to \(maxDocumentIdBytes) bytes" }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a document id has no control characters"
        }
        return nil
    }

    /// Whether bytes start like a `.clog` file (how commands tell formats apart).
    public static func looksLikeClog(_ bytes: [UInt8]) -> Bool {
        bytes.count >= magic.count && Array(bytes[0..<magic.count]) == magic
    }

    /// `looksLikeClog`, or a `.clog` whose magic itself was cut short: a log to scan (and
    /// find torn), not JSON lines to parse.
    public static func isClog(_ bytes: [UInt8]) -> Bool {
        looksLikeClog(bytes) || (!bytes.isEmpty && bytes.count < magic.count && magic.starts(with: bytes))
    }
}

/// Record types. A type not listed is refused unless its record is marked skippable.
public enum ClogRecordType: UInt8, Sendable {
    case opBatch = 1
    case namedVersion = 2
    case checkpoint = 3
    case accessControl = 4
    /// The squashed state a compacted log starts from (docs/versions.md); the first
    /// record when present, never skippable.
    case base = 5
    /// A replica's acknowledged version, recorded by `collab serve` (`compact --stable`
    /// takes its cutoff from them). Written skippable.
    case replicaVersion = 6

    /// The flags a record of this type is written with: tags and replica versions are
    /// skippable (a reader that does not know them still reads the ops), nothing else.
    package var writtenFlags: UInt8 {
        self == .namedVersion || self == .replicaVersion ? ClogFormat.skippableFlag : 0
    }
}

/// The file header: which document the log belongs to.
package struct ClogHeader: Equatable {
    package var documentId: String

    package init(documentId: String) {
        self.documentId = documentId
    }

    package func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes.append(contentsOf: ClogFormat.magic)
        writer.u16(ClogFormat.version)
        writer.u16(0)  // flags: none defined
        writer.u64(Checksum.fnv1a(documentId))
        let id = Array(documentId.utf8)
        writer.u16(UInt16(id.count))
        writer.bytes.append(contentsOf: id)
        writer.u32(Checksum.crc32(writer.bytes))
        return writer.bytes
    }

    /// Reads the header and returns it with its size, or says what is wrong with it.
    package static func decode(_ bytes: [UInt8]) -> Result<(header: ClogHeader, size: Int), ClogHeaderProblem> {
        guard ClogFormat.looksLikeClog(bytes) else {
            return .failure(bytes.count < ClogFormat.magic.count && ClogFormat.magic.starts(with: bytes) ? .truncated : .notAClog)
        }
        var reader = ByteReader(bytes, from: ClogFormat.magic.count)
        do {
            let version = try reader.u16()
            let flags = try reader.u16()
            let hash = try reader.u64()
            let length = Int(try reader.u16())
            guard length <= ClogFormat.maxDocumentIdBytes else { return .failure(.damaged("document id length \(length)")) }
            let idBytes = try reader.bytes(length)
            let stored = try reader.u32()
            guard Checksum.crc32(bytes[0..<(reader.offset - 4)]) == stored else { return .failure(.damaged("header checksum mismatch")) }
            guard version == ClogFormat.version else { return .failure(.unsupported("format version \(version)")) }
            guard flags == 0 else { return .failure(.unsupported("header flags \(String(flags, radix: 16))")) }
            guard let id = String(validating: idBytes, as: UTF8.self), Checksum.fnv1a(id) == hash else {
                return .failure(.damaged("document id does not match its hash"))
            }
            return .success((ClogHeader(documentId: id), reader.offset))
        } catch {
            return .failure(.truncated)
        }
    }
}

package enum ClogHeaderProblem: Error, Equatable {
    case notAClog
    case truncated
    case damaged(String)
    case unsupported(String)
}

/// One framed record: 24 header bytes, then the payload.
///
///     0  u32 payload length        8  u64 record number (0, 1, 2, …)
///     4  u8  type                 16  u32 CRC-32 of the payload
///     5  u8  flags                20  u32 CRC-32 of bytes 0..<20
///     6  u16 reserved (0)         24  payload
public struct ClogRecord: Sendable {
    public var type: UInt8
    public var flags: UInt8
    public var number: UInt64
    public var payload: [UInt8]
    /// Where the record starts in its file.
    public var offset: Int

    public var size: Int { ClogFormat.recordHeaderSize + payload.count }

    package static func frame(type: ClogRecordType, number: UInt64, payload: [UInt8], flags: UInt8 = 0) -> [UInt8] {
        precondition(payload.count <= ClogFormat.maxPayloadSize, "record payload over the format's limit")
        var writer = ByteWriter()
        writer.u32(UInt32(payload.count))
        writer.u8(type.rawValue)
        writer.u8(flags)
        writer.u16(0)
        writer.u64(number)
        writer.u32(Checksum.crc32(payload))
        writer.u32(Checksum.crc32(writer.bytes))
        writer.bytes.append(contentsOf: payload)
        return writer.bytes
    }
}
