import CollabCore
import Foundation

/// Who presents a token, as the access rules see them: a user, or the holder of a link
/// share (user `anyone`), with the share's password if it has one. One decision rule for
/// both: a user's own access, or the share's level (`AccessPolicy.decide`).
package struct TokenHolder: Sendable {
    package var user: String
    /// The link share the token stands for, if it is a share's.
    package var share: String?
    package var password: String? {
        didSet { passwordChecks = PasswordChecks() }
    }
    /// Share passwords are checked with scrypt (tens of milliseconds on purpose): once
    /// per holder and hash, not for every batch.
    private var passwordChecks = PasswordChecks()

    package init(user: String, share: String? = nil, password: String? = nil) {
        self.user = user
        self.share = share
        self.password = password
    }

    /// How presence shows the holder: a share's holder is `anyone (link)`.
    package var shownAs: String { share == nil ? user : "anyone (link)" }

    func passwordMatches(_ hash: String) -> Bool {
        guard let password else { return false }
        return passwordChecks.matches(password, hash)
    }
}

/// Remembered outcomes of checking one holder's password against share hashes.
private final class PasswordChecks: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [String: Bool] = [:]

    func matches(_ password: String, _ hash: String) -> Bool {
        if let known = lock.withLock({ outcomes[hash] }) { return known }
        let outcome = PasswordHash.verify(password, against: hash)
        lock.withLock { outcomes[hash] = outcome }
        return outcome
    }
}

extension AccessPolicy {
    /// Whether `holder` may do `action` to `target` at `now`, and why: a user's access,
    /// or a link share's level (in force, covering the target, its password given).
    package func decide(_ holder: TokenHolder, _ action: AccessAction, on target: String, at now: Int64) -> AccessDecision {
        guard let share = holder.share else { return decide(holder.user, action, on: target, at: now) }
        return decide(share: share, passwordMatches: holder.passwordMatches, action, on: target, at: now)
    }

    /// Whether `holder` may send a batch of ops to `document`: every op must be allowed
    /// and made by one of the holder's clients (the user id, or it and `/`, as
    /// `alice/laptop`; `anyone/…` for a share's holder); one op refused refuses the batch.
    package func decide(ops: [Op], as holder: TokenHolder, on document: String, at now: Int64) -> AccessDecision {
        decide(writes: ops.map { ($0.id.client, $0.typeName, $0.id.description) }, as: holder, on: document, at: now)
    }

    /// The same for writes named by their client, op type and a name for messages: for
    /// edits whose ops are made later (position edits), checked before they are queued.
    package func decide(
        writes: [(client: ClientId, type: String, name: String)], as holder: TokenHolder, on document: String, at now: Int64
    ) -> AccessDecision {
        let user = holder.user
        var last = decide(holder, .read, on: document, at: now)
        for write in writes {
            guard write.client == user || write.client.hasPrefix(user + "/") else {
                return AccessDecision(allowed: false, reason: "op \(write.name) is by client \(write.client), which is not one of \(user)'s (\(user) or \(user)/…)")
            }
            last = decide(holder, .op(write.type), on: document, at: now)
            guard last.allowed else { return AccessDecision(allowed: false, reason: "op \(write.name): " + last.reason) }
        }
        return last
    }
}
