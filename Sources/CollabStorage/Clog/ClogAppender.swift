import CollabCore
import CollabLog
import Foundation

/// The one way ops are appended to a `.clog`: the log is read and verified once, when
/// opened, and each append then costs one record and one fdatasync, not a re-read of the
/// whole file. The server's document host keeps one for as long as the document is open;
/// a command (`ClogLog.append`) opens one for its single append. The power-cut tests
/// drive it through a simulated disk.
///
/// Other processes write the same log (`collab edit`, `tag`, `compact`, … on a live
/// store). Each append takes the log's writer lock and checks that the file is the one
/// it verified, at the length it left it: if not, nothing is written and the append is
/// refused with `.changed`; `changes()` then reads what the others appended (or says
/// the log must be opened again), and the writer tries again after ops it has seen.
public final class ClogAppender: @unchecked Sendable {
    public let path: String
    fileprivate var length: Int
    fileprivate var records: Int
    fileprivate var inode: UInt64
    /// Op batches written since the log's last checkpoint (for automatic checkpoints).
    public private(set) var batchesSinceCheckpoint: Int

    /// Opens `path`, which must be a clean log (or creates it, header only, for
    /// `documentId`).
    public convenience init(path: String, documentId: String) throws(LogError) {
        if !FileIO.exists(path) { try FileIO.createNew(path, with: ClogHeader(documentId: documentId).encoded()) }
        let scan = try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in try Self.scanClean(file) }
        self.init(path: path, scan)
    }

    /// Opens an existing clean log and reads the document it holds, from the same bytes
    /// under the same lock: no append can fall between the reading and the writer's place.
    public static func openDocument(_ path: String) throws(LogError) -> (ClogAppender, Document) {
        let scan = try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in try scanClean(file) }
        return (ClogAppender(path: path, scan), try ClogLog.document(of: scan.scan, path: path))
    }

    /// The writer's place at the end of an open, clean log (a command's single append).
    convenience init(opening file: some LogFileIO) throws(LogError) {
        self.init(path: file.path, try Self.scanClean(file))
    }

    private init(path: String, _ opened: (scan: ClogScan, length: Int, inode: UInt64)) {
        self.path = path
        length = opened.length
        records = opened.scan.records.count
        inode = opened.inode
        batchesSinceCheckpoint = opened.scan.records.reversed().prefix { $0.type != ClogRecordType.checkpoint.rawValue }
            .filter { $0.type == ClogRecordType.opBatch.rawValue }.count
    }

    /// Records the log had when the writer took its place (and has written since).
    var recordCount: Int { records }

    private static func scanClean(_ file: some LogFileIO) throws(LogError) -> (scan: ClogScan, length: Int, inode: UInt64) {
        let bytes = try file.readAll()
        guard ClogFormat.isClog(bytes) else { throw .badData(path: file.path, reason: "not a .clog log") }
        let scan = ClogScanner.scan(bytes)
        try ClogLog.requireClean(scan, path: file.path)
        return (scan, bytes.count, try file.inode())
    }

    /// Whether the next append should carry a checkpoint (`CheckpointSchedule`).
    public var checkpointDue: Bool { CheckpointSchedule.isDue(batchesSinceCheckpoint: batchesSinceCheckpoint) }

    /// Appends `ops` as one record and syncs it; then, best effort, `checkpoint` (the
    /// document's state after these ops) as another.
    public func append(_ ops: [Op], checkpoint: DocumentSnapshot? = nil) throws(LogError) {
        guard !ops.isEmpty else { return }
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            try checkUnchanged(file)
            try append(ops, through: file) { checkpoint }
        }
    }

    /// The append itself, through `file` (the locked log, or a simulated disk): one
    /// op-batch record, synced; then, best effort, the checkpoint `checkpoint` makes (the
    /// state after the ops; nil for none).
    func append(_ ops: [Op], through file: some LogFileIO, checkpoint: () throws -> DocumentSnapshot?) throws(LogError) {
        try write(ClogRecord.frame(type: .opBatch, number: UInt64(records), payload: OpBatchCodec.encode(ops)), through: file)
        batchesSinceCheckpoint += 1
        // The ops are durable already: the append has succeeded whatever happens to the
        // checkpoint, and one that cannot be made or written is given up.
        guard let state = try? checkpoint() else { return }
        let frame = ClogRecord.frame(type: .checkpoint, number: UInt64(records), payload: CheckpointCodec.encode(state))
        do {
            try file.write(frame, at: length)
            try file.syncData()
            length += frame.count
            records += 1
            batchesSinceCheckpoint = 0
        } catch {
            try? file.truncate(to: length)
        }
    }
}

extension ClogAppender {
    /// What others wrote since this writer last looked. A `stat` when nothing changed;
    /// otherwise the new bytes are read under the writer's lock.
    public func changes() throws(LogError) -> LogChange {
        var info = stat()
        guard stat(path, &info) == 0 else { return .replaced }
        if UInt64(info.st_ino) == inode && Int(info.st_size) == length { return .none }
        do throws(LogError) {
            return try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in try changes(through: file) }
        } catch .missingInput {
            return .replaced
        }
    }

    private func changes(through file: OpenLogFile) throws(LogError) -> LogChange {
        let size = try file.size()
        guard try file.inode() == inode, size >= length else { return .replaced }
        guard size > length else { return .none }
        let tail = try file.read(from: length)
        let (found, _, state) = ClogScanner.records(in: tail, from: 0, numberedFrom: records)
        guard state == .clean else { return .replaced }
        var ops: [Op] = []
        var sinceCheckpoint = batchesSinceCheckpoint
        for record in found {
            switch ClogRecordType(rawValue: record.type) {
            case .opBatch:
                do {
                    ops += try OpBatchCodec.decode(record.payload)
                } catch {
                    throw .damaged(path: path, reason: "record \(record.number) verifies but does not decode: \(error)")
                }
                sinceCheckpoint += 1
            case .checkpoint: sinceCheckpoint = 0
            case .base: return .replaced
            default: break
            }
        }
        length += tail.count
        records += found.count
        batchesSinceCheckpoint = sinceCheckpoint
        return .appended(ops)
    }

    /// Appends one skippable record of another kind (a replica's acknowledged version)
    /// and syncs it, with the same check that the log is still the one verified.
    public func appendSkippable(_ type: ClogRecordType, payload: [UInt8]) throws(LogError) {
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            try checkUnchanged(file)
            try write(ClogRecord.frame(type: type, number: UInt64(records), payload: payload, flags: ClogFormat.skippableFlag), through: file)
        }
    }

    /// Appends a tag and syncs it, with the same check that the log is still the one
    /// verified; refused when the log names a version so already.
    public func appendTag(_ tag: VersionTag) throws(LogError) {
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            try checkUnchanged(file)
            if try ClogLog.tags(of: ClogScanner.scan(try file.readAll()), path: path).contains(where: { $0.name == tag.name }) {
                throw .badData(path: path, reason: "it has a version named \(tag.name.debugDescription) already; a name is unique")
            }
            try write(ClogRecord.frame(type: .namedVersion, number: UInt64(records), payload: tag.json, flags: ClogRecordType.namedVersion.writtenFlags), through: file)
        }
    }

    /// The file must be the one verified, at the length this writer left it.
    private func checkUnchanged(_ file: OpenLogFile) throws(LogError) {
        guard try file.inode() == inode, try file.size() == length else { throw .changed(path: path) }
    }

    /// Writes one framed record at the end and syncs it; on failure, cuts the file back.
    private func write(_ record: [UInt8], through file: some LogFileIO) throws(LogError) {
        do throws(LogError) {
            try file.write(record, at: length)
            try file.syncData()
        } catch {
            // Leave no partial record behind if the file can still be cut back.
            try? file.truncate(to: length)
            throw error
        }
        length += record.count
        records += 1
    }
}

extension OpenLogFile {
    public func inode() throws(LogError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, reason: "fstat failed: \(String(cString: strerror(errno)))") }
        return UInt64(info.st_ino)
    }

    func size() throws(LogError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, reason: "fstat failed: \(String(cString: strerror(errno)))") }
        return Int(info.st_size)
    }
}
