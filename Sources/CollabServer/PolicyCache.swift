import CollabAccess
import CollabLog
import CollabStorage
import Foundation

/// The store's access rules, read again only when its access signature changed
/// (`Store.accessSignature`: a `stat` for a directory, a counter the database's
/// notifications move for PostgreSQL), instead of reading and decoding every event for
/// every batch.
final class PolicyCache: Sendable {
    let store: any Store
    private let cached = Locked<(signature: [Int], policy: AccessPolicy)?>(nil)

    init(store: any Store) {
        self.store = store
    }

    func policy() throws -> AccessPolicy {
        let signature = store.accessSignature()
        if let hit = cached.withValue({ $0 }), hit.signature == signature, !signature.isEmpty { return hit.policy }
        let policy = try AccessLog.policy(in: store)
        cached.withValue { $0 = (signature, policy) }
        return policy
    }
}
