import CollabCore
import CollabLog
import Foundation

/// Reading and writing whole `.clog` op logs, and appending to one under a lock.
public enum ClogLog {
    /// Ops per op-batch record when a whole log is written.
    static let opsPerBatch = 16_384

    /// A new log's bytes: the header, the base a compacted log starts from (if any),
    /// then the ops in batches, the tags, and the replicas' acknowledged versions.
    public static func encode(
        documentId: String, ops: [Op], tags: [VersionTag] = [], base: DocumentSnapshot? = nil, acknowledgements: [[UInt8]] = []
    ) -> [UInt8] {
        var bytes = ClogHeader(documentId: documentId).encoded()
        var number: UInt64 = 0
        if let base {
            bytes += ClogRecord.frame(type: .base, number: number, payload: CheckpointCodec.encode(base, compressTables: true))
            number += 1
        }
        var start = 0
        while start < ops.count {
            let end = min(start + opsPerBatch, ops.count)
            bytes += ClogRecord.frame(type: .opBatch, number: number, payload: OpBatchCodec.encode(ops[start..<end]))
            number += 1
            start = end
        }
        for tag in tags {
            bytes += tagRecord(tag, number: number)
            number += 1
        }
        for acknowledgement in acknowledgements {
            bytes += ClogRecord.frame(type: .replicaVersion, number: number, payload: acknowledgement, flags: ClogRecordType.replicaVersion.writtenFlags)
            number += 1
        }
        return bytes
    }

    /// A named-version record. It is marked skippable: a reader that does not know tags
    /// still reads the ops.
    static func tagRecord(_ tag: VersionTag, number: UInt64) -> [UInt8] {
        ClogRecord.frame(type: .namedVersion, number: number, payload: tag.json, flags: ClogRecordType.namedVersion.writtenFlags)
    }

    /// Replaces (or creates) a log holding just these records, atomically.
    public static func writeRecords(type: ClogRecordType, payloads: [[UInt8]], documentId: String, to path: String) throws(LogError) {
        try write(StoredDocument(id: documentId, records: payloads.map { StoredRecord(type, $0) }), to: path)
    }

    /// The payloads of a clean log's records of one type, in order.
    public static func records(ofType type: ClogRecordType, in path: String) throws(LogError) -> [[UInt8]] {
        let scan = ClogScanner.scan(try FileIO.read(path))
        try requireClean(scan, path: path)
        return scan.records.filter { $0.type == type.rawValue }.map(\.payload)
    }

    /// Appends one record of `type`, under the writer's lock and synced, creating the log
    /// (for `documentId`) when it does not exist. `build` gets the payloads of the
    /// records of that type already there and returns the new payload (or throws, and
    /// nothing is written): a check and its write cannot be split by another writer.
    public static func appendRecord(
        type: ClogRecordType, documentId: String, to path: String, _ build: ([[UInt8]]) throws -> [UInt8]
    ) throws {
        let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if created >= 0 {
            let header = ClogHeader(documentId: documentId).encoded()
            defer { close(created) }
            try FileIO.writeAll(header, to: created, path: path)
            guard fsync(created) == 0 else { throw LogError.io(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        } else if errno != EEXIST {
            throw LogError.io(path: path, reason: String(cString: strerror(errno)))
        }
        var refused: (any Error)?
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            let bytes = try file.readAll()
            let scan = ClogScanner.scan(bytes)
            try requireClean(scan, path: path)
            let payload: [UInt8]
            do {
                payload = try build(scan.records.filter { $0.type == type.rawValue }.map(\.payload))
            } catch {
                refused = error
                return
            }
            try file.write(ClogRecord.frame(type: type, number: UInt64(scan.records.count), payload: payload), at: bytes.count)
            try file.syncData()
        }
        if let refused { throw refused }
    }

    /// Runs `body` holding the log's writer lock: no append lands while it runs (a
    /// rewrite that renames a new file over the log; appends then open the new one).
    public static func withWriterLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        var outcome: Result<T, any Error>?
        try OpenLogFile.withWriterLock(path) { (_) throws(LogError) in
            outcome = Result { try body() }
        }
        return try outcome!.get()
    }

    /// The base a compacted log starts from, or nil.
    public static func base(of scan: ClogScan, path: String) throws(LogError) -> DocumentSnapshot? {
        guard let first = scan.records.first, first.type == ClogRecordType.base.rawValue else { return nil }
        do {
            return try CheckpointCodec.decode(first.payload)
        } catch {
            throw .damaged(path: path, reason: "its base (record 0) verifies but does not decode: \(error)")
        }
    }

    /// The tags of a scanned log, in the order they were made.
    public static func tags(of scan: ClogScan, path: String) throws(LogError) -> [VersionTag] {
        try requireClean(scan, path: path)
        var tags: [VersionTag] = []
        for record in scan.records where record.type == ClogRecordType.namedVersion.rawValue {
            let tag: VersionTag?
            do {
                tag = try VersionTag.decode(record.payload)
            } catch {
                throw .damaged(path: path, reason: "named-version record \(record.number) at byte \(record.offset): \(error)")
            }
            guard let tag else { throw .damaged(path: path, reason: "named-version record \(record.number) at byte \(record.offset) holds no tag") }
            tags.append(tag)
        }
        return tags
    }

    /// Appends one record (a tag, a checkpoint, a replica's version), under the writer's
    /// lock and synced; refused when the log changed since it was read
    /// (`expectingRecords`), and, for a tag, when the log has one of that name already.
    public static func append(_ record: StoredRecord, to path: String, expectingRecords: Int? = nil) throws(LogError) {
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            let bytes = try file.readAll()
            let scan = ClogScanner.scan(bytes)
            try requireClean(scan, path: path)
            if let expectingRecords, scan.records.count != expectingRecords { throw .changed(path: path) }
            if record.type == .namedVersion, let name = (try? VersionTag.decode(record.payload))??.name,
                try tags(of: scan, path: path).contains(where: { $0.name == name }) {
                throw .badData(path: path, reason: "it has a version named \(name.debugDescription) already; a name is unique")
            }
            try file.write(
                ClogRecord.frame(type: record.type, number: UInt64(scan.records.count), payload: record.payload, flags: record.type.writtenFlags),
                at: bytes.count)
            try file.syncData()
        }
    }

    /// The ops of a scanned log. A torn or corrupt log is refused: nothing is half-read.
    public static func ops(of scan: ClogScan, path: String) throws(LogError) -> [Op] {
        try contents(of: scan, path: path).ops
    }

    /// The ops of a scanned log, and its checkpoints: each one's record number and how
    /// many of the ops come before it (its version is those ops: `@N`). One pass.
    public static func contents(of scan: ClogScan, path: String) throws(LogError) -> (ops: [Op], checkpoints: [(record: UInt64, ops: Int)]) {
        try requireClean(scan, path: path)
        var ops: [Op] = []
        var checkpoints: [(record: UInt64, ops: Int)] = []
        for record in scan.records {
            switch ClogRecordType(rawValue: record.type) {
            case .base:
                guard record.number == 0 else { throw .damaged(path: path, reason: "a base record at record \(record.number): only the first record may be one") }
            case .opBatch:
                do {
                    ops += try OpBatchCodec.decode(record.payload)
                } catch {
                    throw .damaged(path: path, reason: "record \(record.number) at byte \(record.offset) verifies but does not decode: \(error)")
                }
            case .checkpoint: checkpoints.append((record.number, ops.count))
            default: break
            }
        }
        return (ops, checkpoints)
    }

    /// The document at the end of a scanned log: restored from its last checkpoint, with
    /// only the op batches after it replayed.
    public static func document(of scan: ClogScan, path: String) throws(LogError) -> Document {
        try requireClean(scan, path: path)
        let lastCheckpoint = scan.records.lastIndex {
            ($0.type == ClogRecordType.checkpoint.rawValue || $0.type == ClogRecordType.base.rawValue) && CheckpointCodec.isReadable($0.payload)
        }
        if let base = scan.records.first, base.type == ClogRecordType.base.rawValue, !CheckpointCodec.isReadable(base.payload) {
            throw .damaged(path: path, reason: "its base (record 0) is of a layout this collab cannot read")
        }
        let document: Document
        var rest = scan.records[...]
        if let lastCheckpoint {
            let record = scan.records[lastCheckpoint]
            do {
                document = try Document(snapshot: CheckpointCodec.decode(record.payload))
            } catch {
                throw .damaged(path: path, reason: "\(record.type == ClogRecordType.base.rawValue ? "base" : "checkpoint") record \(record.number) at byte \(record.offset) verifies but does not restore: \(error)")
            }
            rest = scan.records[(lastCheckpoint + 1)...]
        } else {
            document = Document()
        }
        for record in rest where record.type == ClogRecordType.opBatch.rawValue {
            do {
                for op in try OpBatchCodec.decode(record.payload) { try document.apply(op) }
            } catch {
                throw .damaged(path: path, reason: "record \(record.number) at byte \(record.offset): \(error)")
            }
        }
        if let (op, missing) = document.firstMissingDependency() {
            throw .damaged(path: path, reason: "op \(op) depends on \(missing), which the log lacks")
        }
        document.coalescingFloor = document.historyCount
        return document
    }

    /// Appends a checkpoint of the log's state at its end, under the writer's lock, so the
    /// next open restores it instead of replaying the history.
    public static func appendCheckpoint(to path: String) throws(LogError) -> (records: Int, bytes: Int) {
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            let bytes = try file.readAll()
            guard ClogFormat.looksLikeClog(bytes) else { throw .badData(path: path, reason: "checkpoints are for .clog logs") }
            let scan = ClogScanner.scan(bytes)
            let document = try Self.document(of: scan, path: path)
            let record = ClogRecord.frame(
                type: .checkpoint, number: UInt64(scan.records.count), payload: CheckpointCodec.encode(document.snapshot()))
            try file.write(record, at: bytes.count)
            try file.syncData()
            return (scan.records.count + 1, record.count)
        }
    }

    static func requireClean(_ scan: ClogScan, path: String) throws(LogError) {
        switch scan.state {
        case .clean: break
        case .torn(let offset, let reason):
            throw .damaged(path: path, reason: "torn tail at byte \(offset) (\(reason)); `collab repair \(path)` cuts it off, keeping a copy")
        case .corrupt(let offset, let record, let reason):
            throw .damaged(path: path, reason: "corrupt at byte \(offset), record \(record): \(reason); `collab salvage \(path) -o NEW` recovers what verifies")
        }
    }

    /// Appends ops as one op-batch record, under the writer's lock, durable (fdatasync)
    /// before it returns, through a `ClogAppender` (the one append path). The log must
    /// verify clean; with `expectingRecords`, it must also still have the records the ops
    /// were made against, or another writer came in between and the append is refused.
    public static func append(_ ops: [Op], to path: String, expectingRecords: Int? = nil) throws(LogError) {
        guard !ops.isEmpty else { return }
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            try append(ops, through: file, expectingRecords: expectingRecords)
        }
    }

    /// The same through `file`; tests pass a simulated disk to cut power at any point.
    /// When a checkpoint is due (`CheckpointSchedule`), the state after the ops is
    /// checkpointed too, so opening the log and travelling in time never replay more.
    public static func append(_ ops: [Op], through file: some LogFileIO, expectingRecords: Int? = nil) throws(LogError) {
        let appender = try ClogAppender(opening: file)
        if let expectingRecords, appender.recordCount != expectingRecords { throw .changed(path: file.path) }
        let due = appender.checkpointDue
        try appender.append(ops, through: file) {
            guard due else { return nil }
            return try document(of: ClogScanner.scan(try file.readAll()), path: file.path).snapshot()
        }
    }

    /// Takes the writer's lock (a POSIX record lock on the whole file), waiting up to
    /// `lockWait` for another writer to finish (the server holds it for an fdatasync,
    /// an offline command for one read and append); then says who holds it.
    static func lock(_ fd: Int32, path: String) throws(LogError) {
        let deadline = ContinuousClock.now + lockWait
        var pause = Duration.milliseconds(1)
        while true {
            var request = flock()
            request.l_type = Int16(F_WRLCK)
            request.l_whence = Int16(SEEK_SET)
            request.l_start = 0
            request.l_len = 0
            if fcntl(fd, F_SETLK, &request) == 0 { return }
            let reason = errno
            guard reason == EAGAIN || reason == EACCES else {
                throw .io(path: path, reason: "cannot lock: \(String(cString: strerror(reason)))")
            }
            guard ContinuousClock.now + pause < deadline else { break }
            // No timed F_SETLKW exists: poll, backing off to 20 ms.
            let (seconds, attoseconds) = pause.components
            usleep(UInt32(seconds) * 1_000_000 + UInt32(attoseconds / 1_000_000_000_000))
            pause = min(pause * 2, .milliseconds(20))
        }
        var holder = flock()
        holder.l_type = Int16(F_WRLCK)
        holder.l_whence = Int16(SEEK_SET)
        let pid = fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != Int16(F_UNLCK) ? Int(holder.l_pid) : nil
        throw .locked(path: path, holder: pid)
    }

    /// How long a writer waits for the lock before giving up with exit 75: the
    /// COLLAB_LOCK_WAIT_MS environment variable, 5,000 ms by default.
    public static var lockWait: Duration {
        if let text = getenv("COLLAB_LOCK_WAIT_MS"), let value = Int(String(cString: text)), value >= 0 { return .milliseconds(value) }
        return .seconds(5)
    }
}
