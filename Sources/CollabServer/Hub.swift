import CollabAccess
import CollabCore
import CollabLog
import Foundation

/// The documents a server holds open, each with its one writer (`DocumentHost`),
/// opened from the store on first use.
public actor Hub {
    public let store: String
    private var hosts: [String: DocumentHost] = [:]

    public init(store: String) {
        self.store = store
    }

    /// The store's access rules now (re-read for every check, so `collab grant` and
    /// `revoke` on the same store take effect at once).
    public nonisolated func policy() throws -> AccessPolicy {
        try AccessLog.policy(in: store)
    }

    /// The host of `documentId`, opening its log (or none yet) on first use.
    public func host(_ documentId: String) throws -> DocumentHost {
        if let host = hosts[documentId] { return host }
        let documents = DocumentStore(store)
        let path = try documents.prepare(for: documentId)
        let document = FileIO.exists(path) ? try OpLogFile.loadDocument(path).document : Document()
        let store = self.store
        let host = DocumentHost(
            documentId: documentId, document: document,
            persist: { ops in
                // The first write creates the log; the next ones append to it (synced).
                if FileIO.exists(path) {
                    try ClogLog.append(ops, to: path)
                } else {
                    try OpLogFile.write(ops, to: path, format: .clog, documentId: documentId)
                }
            },
            policy: { try AccessLog.policy(in: store) })
        hosts[documentId] = host
        return host
    }
}
