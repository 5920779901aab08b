import CollabCore
import CollabLog
import Foundation

/// An op log on disk: a binary `.clog` file or a JSON-lines file, told apart by content
/// (the `.clog` header), not by name. Its ops in log order, each with its position for
/// error messages.
public struct OpLogFile {
    public enum Format: Sendable, Equatable {
        case jsonLines
        case clog
    }

    public var path: String
    public var format: Format
    /// The document a `.clog` log belongs to (its header says).
    public var documentId: String?
    public var ops: [Op]
    /// Its named versions, in the order they were made.
    public var tags: [VersionTag] = []
    /// A `.clog`'s checkpoints that this reader can restore: how many of the log's ops
    /// come before each, and its payload (for time travel without a full replay).
    public var checkpoints: [(ops: Int, payload: [UInt8])] = []
    /// Every checkpoint of a `.clog`, readable or not: its record number and how many of
    /// the log's ops come before it.
    public var checkpointRecords: [(record: UInt64, ops: Int)] = []
    /// The versions replicas acknowledged holding (a `.clog`'s replica-version records).
    public var acknowledgements: [ReplicaAcknowledgement] = []
    /// The squashed state a compacted `.clog` starts from; its ops come after it.
    public var base: DocumentSnapshot?

    /// The version a compacted log's base stands for: versions must include it.
    public var baseVersion: VersionVector? {
        base.map { base in VersionVector(Dictionary(uniqueKeysWithValues: zip(base.clients, base.nextSeq.map(Int.init)))) }
    }
    /// Where each op came from: its line (JSON lines) or its number from 1 (`.clog`).
    public var lines: [Int]
    /// How many records a `.clog` had when read: an append made from this reading is
    /// refused if the log has changed since (another writer came in between).
    public var recordCount: Int?
    /// How many bytes the log was read from (a store's document: framed as a `.clog`).
    public var storedBytes = 0
    /// The store the log was read from, and the document's id in it: writes go back
    /// through the store. Nil for a log file named on its own.
    public var store: (any Store)?
    public var storedId: String?

    public init(path: String, format: Format = .jsonLines, documentId: String? = nil, ops: [Op], lines: [Int]) {
        self.path = path
        self.format = format
        self.documentId = documentId
        self.ops = ops
        self.lines = lines
    }

    /// Reads a log; with `allowMissing`, a missing file is an empty log (of the format
    /// its name asks for, see `format(forNew:)`). A torn or corrupt `.clog` is refused.
    public static func load(
        _ path: String, allowMissing: Bool = false, newDocumentId: String? = nil
    ) throws(LogError) -> OpLogFile {
        if allowMissing && path != "-" && !FileIO.exists(path) {
            return OpLogFile(path: path, format: format(forNew: path), documentId: newDocumentId, ops: [], lines: [])
        }
        return try load(bytes: try FileIO.read(path), path: path, allowEmpty: allowMissing)
    }

    /// Reads a log from its bytes (a file's, or a store's records framed as a `.clog`);
    /// `path` names it in messages.
    public static func load(bytes: [UInt8], path: String, allowEmpty: Bool = false) throws(LogError) -> OpLogFile {
        // An empty existing file is where a log may start (`edit`, `apply`), not one to read.
        if let problem = formatProblem(bytes), !(allowEmpty && bytes.isEmpty) { throw .badData(path: path, reason: problem.description) }
        if ClogFormat.isClog(bytes) {
            let scan = ClogScanner.scan(bytes)
            let (ops, checkpoints) = try ClogLog.contents(of: scan, path: path)
            var file = OpLogFile(path: path, format: .clog, documentId: scan.documentId, ops: ops, lines: Array(1..<(ops.count + 1)))
            file.storedBytes = bytes.count
            file.recordCount = scan.records.count
            file.tags = try ClogLog.tags(of: scan, path: path)
            file.base = try ClogLog.base(of: scan, path: path)
            file.checkpointRecords = checkpoints
            file.acknowledgements = scan.records.filter { $0.type == ClogRecordType.replicaVersion.rawValue }.compactMap { ReplicaAcknowledgement.decode($0.payload) }
            file.checkpoints = checkpoints.compactMap { checkpoint in
                let payload = scan.records[Int(checkpoint.record)].payload
                return CheckpointCodec.isReadable(payload) ? (checkpoint.ops, payload) : nil
            }
            return file
        }
        let log = try JSONLines.decodeLog(bytes, path: path)
        var file = OpLogFile(path: path, format: .jsonLines, ops: log.ops.map(\.op), lines: log.ops.map(\.line))
        file.storedBytes = bytes.count
        file.tags = log.tags
        return file
    }

    /// Why bytes are no log to read.
    public enum FormatProblem: String, Sendable, CustomStringConvertible {
        /// Nothing at all: a log holds at least one op, or a `.clog` header.
        case empty
        /// Neither a `.clog` nor JSON lines (whose first thing is an object).
        case notALog

        public var description: String {
            switch self {
            case .empty: "empty: no ops"
            case .notALog: "not a collab log: neither .clog nor JSON lines"
            }
        }
    }

    /// Why `bytes` are no log to read, or nil.
    public static func formatProblem(_ bytes: [UInt8]) -> FormatProblem? {
        if ClogFormat.isClog(bytes) { return nil }
        switch bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
        case nil: return .empty
        case UInt8(ascii: "{")?: return nil
        default: return .notALog
        }
    }

    /// Just the document at the end of a log, the fast way: a `.clog` restores its last
    /// checkpoint and replays only what follows it.
    public static func loadDocument(_ path: String) throws(LogError) -> (document: Document, documentId: String?) {
        let bytes = try FileIO.read(path)
        guard ClogFormat.isClog(bytes) else {
            return (try OpLogFile.load(path).document(), nil)
        }
        let scan = ClogScanner.scan(bytes)
        return (try ClogLog.document(of: scan, path: path), scan.documentId)
    }

    /// The format of a log that does not exist yet: JSON lines for stdout and for names
    /// ending in `.jsonl`, `.ndjson` or `.json`; `.clog` for everything else.
    public static func format(forNew path: String) -> Format {
        let lower = path.lowercased()
        if path == "-" || lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonLines }
        return .clog
    }

    /// The document id a new `.clog` log gets unless told: its file name without extension.
    public static func defaultDocumentId(for path: String) -> String {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return name.isEmpty ? "document" : name
    }

    /// The document at `version`, which must be causally closed: restored from the
    /// latest checkpoint inside it, with only the ops after that replayed (a full replay
    /// when there is none).
    public func document(at version: VersionVector) throws -> Document {
        if let baseVersion, !baseVersion.isIncluded(in: version) {
            throw LogError.badData(path: path, reason: "version \(version) is before this log's compaction cutoff (\(baseVersion)): that history was squashed")
        }
        var start = 0
        var document = try startingDocument()
        for checkpoint in checkpoints.reversed() where checkpoint.ops <= ops.count {
            var covered = VersionVector()
            for op in ops.prefix(checkpoint.ops) where op.endSeq > covered[op.id.client] { covered[op.id.client] = op.endSeq }
            guard covered.isIncluded(in: version) else { continue }
            do {
                document = try Document(snapshot: CheckpointCodec.decode(checkpoint.payload))
            } catch {
                throw LogError.damaged(path: path, reason: "a checkpoint verifies but does not restore: \(error)")
            }
            start = checkpoint.ops
            break
        }
        try document.apply(ops[start...], upTo: version)
        return document
    }

    /// Replays the log into a document; an op the engine refuses is reported with its
    /// line (or op number).
    public func document() throws(LogError) -> Document {
        let document = try startingDocument()
        for (index, op) in ops.enumerated() {
            do {
                try document.apply(op)
            } catch {
                throw refusal(at: lines[index], "\(error)")
            }
        }
        if let (op, missing) = document.firstMissingDependency() {
            throw refusal(at: line(of: op), "op \(op) depends on \(missing), which the log lacks")
        }
        document.coalescingFloor = document.historyCount
        return document
    }

    /// An empty document, or a compacted log's base.
    private func startingDocument() throws(LogError) -> Document {
        guard let base else { return Document() }
        do {
            return try Document(snapshot: base)
        } catch {
            throw .damaged(path: path, reason: "its base verifies but does not restore: \(error)")
        }
    }

    private func refusal(at position: Int, _ reason: String) -> LogError {
        format == .clog ? .badOp(path: path, op: position, reason: reason) : .badLine(path: path, line: position, reason: reason)
    }

    /// Where the op with this id is, as a message names it: `line N` or `op N`.
    public func place(of id: OpId) -> String {
        (format == .clog ? "op " : "line ") + String(line(of: id))
    }

    /// The line of the first op in the log with this id.
    public func line(of id: OpId) -> Int {
        let index = ops.firstIndex { $0.id.client == id.client && $0.id.seq <= id.seq && id.seq < $0.endSeq }
        return index.map { lines[$0] } ?? 0
    }

    /// Replaces (or creates) a log with these ops, all or nothing: in `format`, or the
    /// one `format(forNew:)` picks from the name.
    public static func write(
        _ ops: [Op], tags: [VersionTag] = [], base: DocumentSnapshot? = nil, to path: String, format: Format? = nil,
        documentId: String? = nil
    ) throws(LogError) {
        switch format ?? Self.format(forNew: path) {
        case .jsonLines:
            guard base == nil else { throw .badData(path: path, reason: "a compacted log's base is kept only in .clog logs") }
            try JSONLines.write(ops, tags: tags, to: path)
        case .clog:
            try FileIO.replace(path, with: ClogLog.encode(documentId: documentId ?? defaultDocumentId(for: path), ops: ops, tags: tags, base: base))
        }
    }

    /// Adds ops at the end of this log: a `.clog` gets one new record, appended under the
    /// writer's lock and synced; a JSON-lines log is rewritten whole (atomically) under
    /// the lock. Either way, a log that changed since it was read is not written (75).
    public func append(_ newOps: [Op]) throws {
        guard !newOps.isEmpty else { return }
        if let store, let storedId {
            try store.append(newOps, to: storedId, expectingRecords: recordCount ?? 0)
            return
        }
        guard path != "-" && FileIO.exists(path) else {
            try Self.write(ops + newOps, tags: tags, base: base, to: path, format: format, documentId: documentId)
            return
        }
        if format == .clog {
            try ClogLog.append(newOps, to: path, expectingRecords: recordCount)
            return
        }
        try rewriteJSONLines(ops: ops + newOps, tags: tags)
    }

    /// Adds a named version: a record of a `.clog` (appended, synced), a line of a
    /// JSON-lines log (rewritten whole, atomically). A log that changed since it was
    /// read is not written (75).
    public func appendTag(_ tag: VersionTag) throws {
        if let store, let storedId {
            try store.append(StoredRecord(.namedVersion, tag.json), to: storedId, expectingRecords: recordCount)
            return
        }
        guard path != "-" && FileIO.exists(path) else {
            try Self.write(ops, tags: tags + [tag], base: base, to: path, format: format, documentId: documentId)
            return
        }
        if format == .clog {
            try ClogLog.append(StoredRecord(.namedVersion, tag.json), to: path, expectingRecords: recordCount)
            return
        }
        try rewriteJSONLines(ops: ops, tags: tags + [tag])
    }

    /// Rewrites a JSON-lines log under the writer's lock, if it still holds what was read.
    private func rewriteJSONLines(ops newOps: [Op], tags newTags: [VersionTag]) throws(LogError) {
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            let now = try JSONLines.decodeLog(file.readAll(), path: path)
            guard now.ops.map(\.op) == ops && now.tags == tags else { throw .changed(path: path) }
            try Self.write(newOps, tags: newTags, to: path, format: .jsonLines)
        }
    }
}
