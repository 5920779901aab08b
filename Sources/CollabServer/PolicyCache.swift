import CollabAccess
import CollabLog
import Foundation

/// The store's access rules, re-read only when the access log changed: one `stat` per
/// check instead of reading and decoding the whole log for every batch. The signature
/// (size, modification time, inode) changes with every append — the log is only ever
/// appended to under its lock, or replaced by a rename.
final class PolicyCache: Sendable {
    let store: String
    private let cached = Locked<(signature: [Int], policy: AccessPolicy)?>(nil)

    init(store: String) {
        self.store = store
    }

    func policy() throws -> AccessPolicy {
        let signature = Self.signature(of: DocumentStore(store).accessLogPath)
        if let hit = cached.withValue({ $0 }), hit.signature == signature, !signature.isEmpty { return hit.policy }
        let policy = try AccessLog.policy(in: DocumentStore(store))
        cached.withValue { $0 = (signature, policy) }
        return policy
    }

    static func signature(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
    }
}
