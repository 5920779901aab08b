import CollabCore
import CollabLog
import Foundation

/// The directory store as a `Store`: each document a `.clog` (`path(for:)`), the access
/// events in `DIR/access.clog`. Every write takes the log's writer lock and syncs.
extension DocumentStore: Store {
    public var name: String { directory }

    /// The access events' log.
    public var accessLogPath: String { "\(directory)/access.clog" }

    public func read(_ documentId: String) throws -> StoredDocument? {
        let path = try path(for: documentId)
        guard FileIO.exists(path) else { return nil }
        let document = try ClogLog.storedRecords(in: path)
        guard document.id == documentId else { throw misfiled(path, documentId, header: document.id) }
        return document
    }

    /// The document's log as a command reads it, straight from its file.
    public func log(_ documentId: String) throws -> OpLogFile? {
        let path = try path(for: documentId)
        guard FileIO.exists(path) else { return nil }
        var file = try OpLogFile.load(path)
        try check(file, isFor: documentId)
        file.store = self
        file.storedId = documentId
        return file
    }

    public func document(_ documentId: String) throws -> Document? {
        let path = try path(for: documentId)
        guard FileIO.exists(path) else { return nil }
        let (document, header) = try OpLogFile.loadDocument(path)
        if let header, header != documentId { throw misfiled(path, documentId, header: header) }
        return document
    }

    public func documentIds() throws -> [String] {
        try logs().map { log in
            guard let id = log.documentId else { throw LogError.badData(path: log.path, reason: "not a readable log (collab verify says why)") }
            return id
        }
    }

    public func append(_ ops: [Op], to documentId: String, expectingRecords: Int?) throws {
        guard !ops.isEmpty else { return }
        let path = try prepare(for: documentId)
        try createIfMissing(path, documentId, expectingRecords: expectingRecords)
        try ClogLog.append(ops, to: path, expectingRecords: expectingRecords)
    }

    public func append(_ record: StoredRecord, to documentId: String, expectingRecords: Int?) throws {
        let path = try path(for: documentId)
        guard FileIO.exists(path) else { throw LogError.missingInput(path: "\(directory): \(documentId)") }
        try ClogLog.append(record, to: path, expectingRecords: expectingRecords)
    }

    /// Under the log's writer lock when it exists, so that no append lands in between.
    public func replace(_ document: StoredDocument) throws {
        let path = try prepare(for: document.id)
        guard FileIO.exists(path) else { return try FileIO.replace(path, with: document.clogBytes) }
        try ClogLog.withWriterLock(path) { try FileIO.replace(path, with: document.clogBytes) }
    }

    /// Under the log's writer lock.
    public func rewrite(_ documentId: String, _ body: @escaping @Sendable (StoredDocument) throws -> StoredDocument) throws {
        let path = try path(for: documentId)
        guard FileIO.exists(path) else { throw LogError.missingInput(path: place(of: documentId)) }
        try ClogLog.withWriterLock(path) {
            let now = try ClogLog.storedRecords(in: path)
            guard now.id == documentId else { throw misfiled(path, documentId, header: now.id) }
            try FileIO.replace(path, with: try body(now).clogBytes)
        }
    }

    public func accessEvents() throws -> [[UInt8]] {
        try Self.accessTurns.withLock {
            guard FileIO.exists(accessLogPath) else { return [] }
            return try ClogLog.records(ofType: .accessControl, in: accessLogPath)
        }
    }

    public func recordAccessEvent(_ build: ([[UInt8]]) throws -> [UInt8]) throws {
        try makeDirectory()
        try Self.accessTurns.withLock {
            try ClogLog.appendRecord(type: .accessControl, documentId: Self.accessLogId, to: accessLogPath, build)
        }
    }

    public func replaceAccessEvents(_ events: [[UInt8]]) throws {
        try makeDirectory()
        try Self.accessTurns.withLock {
            try ClogLog.writeRecords(type: .accessControl, payloads: events, documentId: Self.accessLogId, to: accessLogPath)
        }
    }

    /// The access log is read and written by one thread of a process at a time: its
    /// writer's lock is a POSIX record lock, which belongs to the process and is given up
    /// when any descriptor of the file closes, so a server's reading of access changes
    /// must not close a descriptor while one of its pages records a change.
    private static let accessTurns = NSLock()

    public func documentLog(_ documentId: String, observer: LogObserver) throws -> any DocumentLog {
        ClogDocumentLog(path: try prepare(for: documentId), documentId: documentId, observer: observer)
    }

    /// The access log's size, modification time and inode: one `stat`. It changes with
    /// every append (made only under its lock) and with a replacement (a rename).
    public func accessSignature() -> [Int] {
        var info = stat()
        guard stat(accessLogPath, &info) == 0 else { return [] }
        return [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
    }

    /// A directory that is gone, or is no directory.
    public func problem() -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return "\(directory) does not exist" }
        return isDirectory.boolValue ? nil : "\(directory) is not a directory"
    }

    /// In `DIR/store-id`.
    public func storeId(creating: Bool) throws -> String? {
        let path = "\(directory)/store-id"
        if let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard creating else { return nil }
        try makeDirectory()
        do {
            try FileIO.createNew(path, with: Array((UUID().uuidString.lowercased() + "\n").utf8))
        } catch {
            // Another process made it first: theirs is the store's id.
            guard FileIO.exists(path) else { throw error }
        }
        return try storeId(creating: false)
    }

    /// The document id the access log's header holds.
    static let accessLogId = "(access)"

    private func makeDirectory() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LogError.cannotCreate(path: directory, reason: error.localizedDescription)
        }
    }

    /// A new document's log starts as its header. Made only by the writer that expects
    /// an empty log (or expects nothing): another that read the document before it
    /// existed finds the file there and is refused as changed.
    private func createIfMissing(_ path: String, _ documentId: String, expectingRecords: Int?) throws {
        guard !FileIO.exists(path) else { return }
        guard expectingRecords == nil || expectingRecords == 0 else { throw LogError.changed(path: path) }
        do {
            try FileIO.createNew(path, with: ClogHeader(documentId: documentId).encoded())
        } catch {
            // Another writer may have made it first; the append then checks what it holds.
            guard FileIO.exists(path) else { throw error }
        }
    }

}
