import CollabCore
import CollabLog

/// A document's log as its records, payloads as they are: what `collab store copy` moves
/// between a directory store and a PostgreSQL one without decoding ops or snapshots.
public struct StoredDocument: Sendable, Equatable {
    public var id: String
    public var records: [StoredRecord]

    public init(id: String, records: [StoredRecord]) {
        self.id = id
        self.records = records
    }
}

extension StoredDocument {
    /// The records as the bytes of a `.clog` log, for the readers that take one.
    public var clogBytes: [UInt8] {
        var bytes = ClogHeader(documentId: id).encoded()
        for (number, record) in records.enumerated() {
            bytes += ClogRecord.frame(type: record.type, number: UInt64(number), payload: record.payload, flags: record.type.writtenFlags)
        }
        return bytes
    }

}

public struct StoredRecord: Sendable, Equatable {
    public var type: ClogRecordType
    public var payload: [UInt8]

    public init(_ type: ClogRecordType, _ payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }
}

extension ClogLog {
    /// A clean log's document id and records, in order; a damaged log, or a record of a
    /// type this version does not know, is refused.
    public static func storedRecords(in path: String) throws(LogError) -> StoredDocument {
        try storedRecords(bytes: try FileIO.read(path), path: path)
    }

    /// The same of a log's bytes; `path` names it in messages.
    public static func storedRecords(bytes: [UInt8], path: String) throws(LogError) -> StoredDocument {
        let scan = ClogScanner.scan(bytes)
        try requireClean(scan, path: path)
        guard let id = scan.documentId else { throw .badData(path: path, reason: "the log names no document") }
        var records: [StoredRecord] = []
        for record in scan.records {
            guard let type = ClogRecordType(rawValue: record.type) else {
                throw .badData(path: path, reason: "record \(record.number) is of type \(record.type), which this collab cannot copy")
            }
            records.append(StoredRecord(type, record.payload))
        }
        return StoredDocument(id: id, records: records)
    }

    /// Writes a new log of these records, numbered in order, each with the flags its type
    /// is written with (`ClogRecordType.writtenFlags`); all or nothing.
    public static func write(_ document: StoredDocument, to path: String) throws(LogError) {
        try FileIO.replace(path, with: document.clogBytes)
    }

    /// The op ids an op-batch payload holds, as runs of consecutive sequence numbers per
    /// client, in the batch's order.
    public static func opIdRuns(inBatch payload: [UInt8]) throws(LogError) -> [(client: String, first: Int64, last: Int64)] {
        do {
            return opIdRuns(of: try OpBatchCodec.decode(payload))
        } catch {
            throw .badData(path: "(op batch)", reason: "\(error)")
        }
    }

    /// The id ranges of ops, consecutive ones of a client joined.
    public static func opIdRuns(of ops: [Op]) -> [(client: String, first: Int64, last: Int64)] {
        var runs: [(client: String, first: Int64, last: Int64)] = []
        for op in ops {
            let first = Int64(op.id.seq)
            let last = Int64(op.endSeq) - 1
            if let previous = runs.last, previous.client == op.id.client, previous.last + 1 == first {
                runs[runs.count - 1].last = last
            } else {
                runs.append((op.id.client, first, last))
            }
        }
        return runs
    }
}
