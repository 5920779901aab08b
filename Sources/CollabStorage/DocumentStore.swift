import CollabLog
import Foundation

/// A directory of documents: one `.clog` per document, filed under a hash of its id, so
/// no id (`../../etc`, `/`, a NUL) can name a path outside the store. The log's header
/// holds the id, which is checked on every open: a hash collision or a misplaced file
/// is refused, never mixed up.
public struct DocumentStore: Sendable {
    public static let defaultDirectory = "collab-data"
    public let directory: String

    public init(_ directory: String) {
        self.directory = directory
    }

    /// Where a document's log lives: `DIR/ab/abcdef0123456789.clog` (FNV-1a 64 of the id).
    public func path(for documentId: String) throws(LogError) -> String {
        if let problem = ClogFormat.problem(withDocumentId: documentId) {
            throw .badData(path: directory, reason: "document id \(documentId.debugDescription): \(problem)")
        }
        let hash = String(Checksum.fnv1a(documentId), radix: 16)
        let name = String(repeating: "0", count: 16 - hash.count) + hash
        return "\(directory)/\(name.prefix(2))/\(name).clog"
    }

    /// Makes the directory a document's log goes in.
    public func prepare(for documentId: String) throws(LogError) -> String {
        let path = try path(for: documentId)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: folder, reason: "\(error.localizedDescription)")
        }
        return path
    }

    /// Refuses a log whose header names another document than the one asked for.
    public func check(_ file: OpLogFile, isFor documentId: String) throws(LogError) {
        if let stored = file.documentId, stored != documentId { throw misfiled(file.path, documentId, header: stored) }
    }

    /// A log whose header names another document than the one it is filed for.
    func misfiled(_ path: String, _ documentId: String, header: String) -> LogError {
        .badData(path: path, reason: "filed for \(documentId.debugDescription) but its header says \(header.debugDescription) (a hash collision or a misplaced file)")
    }

    /// Every log in the store, with the document id its header names, sorted by id.
    /// A log whose header cannot be read is listed with a nil id.
    public func logs() throws(LogError) -> [(path: String, documentId: String?)] {
        guard FileIO.exists(directory) else { throw .missingInput(path: directory) }
        var found: [(String, String?)] = []
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for folder in folders.sorted() where folder.count == 2 {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/\(folder)")) ?? []
            for file in files.sorted() where file.hasSuffix(".clog") {
                let path = "\(directory)/\(folder)/\(file)"
                // Only the header: the caller reads the logs it wants in full.
                let handle = FileHandle(forReadingAtPath: path)
                let head = handle.map { [UInt8]($0.readData(ofLength: 22 + ClogFormat.maxDocumentIdBytes + 4)) } ?? []
                try? handle?.close()
                let id: String? = if case .success(let (header, _)) = ClogHeader.decode(head) { header.documentId } else { nil }
                found.append((path, id))
            }
        }
        return found.sorted { ($0.1 ?? "") < ($1.1 ?? "") }
    }
}
