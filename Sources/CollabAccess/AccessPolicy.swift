import CollabCore

/// A grant in force: `subject` has `level` on `target`.
package struct Grant: Equatable, Sendable {
    package var target: String
    package var subject: String
    package var level: AccessLevel
    package var grantedBy: String
    package var grantedAt: Int64
    package var expiresAt: Int64?

    package func isLive(at now: Int64) -> Bool { expiresAt.map { now < $0 } ?? true }
}

/// What access control decided, and why (said to the user as it is).
package struct AccessDecision: Equatable, Sendable {
    package var allowed: Bool
    package var reason: String
}

/// A change to access that the rules refuse, and why.
package struct AccessRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    package var reason: String
    package var description: String { reason }
}

/// The access rules of a store: what its access events add up to, and the one function
/// that decides every action, offline and in the server alike (docs/permissions.md).
package struct AccessPolicy: Sendable {
    /// Every change, in order: the audit trail.
    package private(set) var events: [AccessEvent] = []
    /// The grants in force, by target and subject (expired ones included, ignored when
    /// deciding).
    package private(set) var grants: [String: [String: Grant]] = [:]
    /// The link shares in force, by id.
    package private(set) var shares: [String: AccessEvent] = [:]

    package init(events: [AccessEvent] = []) {
        for event in events { record(event) }
    }

    /// Adds an event that was checked when it was made.
    package mutating func record(_ event: AccessEvent) {
        events.append(event)
        switch event.kind {
        case .grant:
            grants[event.target, default: [:]][event.subject] = Grant(
                target: event.target, subject: event.subject, level: event.level!, grantedBy: event.by, grantedAt: event.at,
                expiresAt: event.expiresAt)
        case .revoke:
            grants[event.target]?[event.subject] = nil
        case .transfer:
            grants[event.target, default: [:]][event.subject] = Grant(
                target: event.target, subject: event.subject, level: .owner, grantedBy: event.by, grantedAt: event.at)
            grants[event.target, default: [:]][event.by] = Grant(
                target: event.target, subject: event.by, level: .editor, grantedBy: event.by, grantedAt: event.at)
        case .share: shares[event.share!] = event
        case .unshare: shares[event.share!] = nil
        }
    }

    // MARK: Deciding

    /// The grant that gives `subject` (a user, or `anyone`) its level on `target` (a
    /// document, or a folder prefix) at `now`: the one on the most specific target that
    /// covers it. A document's own grant overrides its folders', up or down, and a
    /// nearer folder's a farther one's.
    package func grant(of subject: String, on target: String, at now: Int64) -> Grant? {
        var best: Grant?
        for (covering, bySubject) in grants where covers(covering, target) {
            guard let grant = bySubject[subject], grant.isLive(at: now) else { continue }
            if best.map({ DocumentPath.specificity(of: covering) > DocumentPath.specificity(of: $0.target) }) ?? true { best = grant }
        }
        return best
    }

    /// A user's level on a target and the grant it comes from: the user's own, or a link
    /// share to `anyone`, whichever gives more.
    package func access(of user: String, on target: String, at now: Int64) -> Grant? {
        let own = grant(of: user, on: target, at: now)
        let shared = user == "anyone" ? nil : grant(of: "anyone", on: target, at: now)
        guard let shared else { return own }
        guard let own else { return shared }
        return shared.level > own.level ? shared : own
    }

    /// Whether `user` may do `action` to `target` at `now`, and why.
    package func decide(_ user: String, _ action: AccessAction, on target: String, at now: Int64) -> AccessDecision {
        let needed = action.requiredLevel
        guard let grant = access(of: user, on: target, at: now) else {
            return AccessDecision(allowed: false, reason: "\(user) has no access to \(target) (\(action) needs \(needed))")
        }
        let source = grant.subject == "anyone" ? "a link share on \(grant.target)" : "a grant on \(grant.target)"
        if grant.level >= needed {
            return AccessDecision(allowed: true, reason: "\(user) is \(grant.level) of \(target) (\(source)); \(action) needs \(needed)")
        }
        return AccessDecision(allowed: false, reason: "\(user) is \(grant.level) of \(target) (\(source)); \(action) needs \(needed)")
    }

    /// Whether `user` may send a batch of ops to `document` (`decide(ops:as:on:at:)`
    /// for a token holder).
    package func decide(ops: [Op], as user: String, on document: String, at now: Int64) -> AccessDecision {
        decide(ops: ops, as: TokenHolder(user: user), on: document, at: now)
    }

    /// The subjects with an owner's level on `target` at `now`.
    package func owners(of target: String, at now: Int64) -> [String] {
        let subjects = Set(grants.filter { covers($0.key, target) }.flatMap(\.value.keys))
        return subjects.filter { grant(of: $0, on: target, at: now)?.level == .owner }.sorted()
    }

    /// Every subject with access to `target` at `now`, with the grant it comes from.
    package func accessList(of target: String, at now: Int64) -> [Grant] {
        let subjects = Set(grants.filter { covers($0.key, target) }.flatMap(\.value.keys))
        return subjects.sorted().compactMap { grant(of: $0, on: target, at: now) }
    }

    /// The events about `target`: on it, on a folder above it, or (for a folder) on
    /// anything under it; in the order they happened.
    package func audit(of target: String) -> [AccessEvent] {
        events.filter { covers($0.target, target) || covers(target, $0.target) }
    }

    /// What the holder of link share `id`'s token may do to `document` at `now`: the
    /// share's level when it is in force, covers the document, and (if it has one) the
    /// password matches.
    package func decide(share id: String, password: String?, _ action: AccessAction, on document: String, at now: Int64) -> AccessDecision {
        decide(share: id, passwordMatches: { hash in password.map { PasswordHash.verify($0, against: hash) } ?? false }, action, on: document, at: now)
    }

    /// The same, with the password check given (`TokenHolder` remembers its outcomes).
    func decide(
        share id: String, passwordMatches: (String) -> Bool, _ action: AccessAction, on document: String, at now: Int64
    ) -> AccessDecision {
        guard let share = shares[id] else { return AccessDecision(allowed: false, reason: "link share \(id) does not exist or was revoked") }
        guard share.expiresAt.map({ now < $0 }) ?? true else { return AccessDecision(allowed: false, reason: "link share \(id) has expired") }
        guard covers(share.target, document) else { return AccessDecision(allowed: false, reason: "link share \(id) is for \(share.target), not \(document)") }
        if let hash = share.passwordHash, !passwordMatches(hash) {
            return AccessDecision(allowed: false, reason: "link share \(id) needs its password")
        }
        let level = share.level!
        let needed = action.requiredLevel
        return AccessDecision(allowed: level >= needed, reason: "link share \(id) gives \(level) on \(share.target); \(action) needs \(needed)")
    }

    /// The link shares in force on `target` or the folders above it.
    package func shares(of target: String, at now: Int64) -> [AccessEvent] {
        shares.values.filter { covers($0.target, target) && ($0.expiresAt.map { now < $0 } ?? true) }.sorted { $0.at < $1.at }
    }

    // MARK: Changing

    /// Checks a change before it is recorded. The actor must be an owner of the target
    /// (or, while nothing owns it, the change must make its first owner); a target never
    /// loses its last owner; `anyone` is never an owner.
    package func check(_ event: AccessEvent, at now: Int64) throws(AccessRefusal) {
        if let problem = DocumentPath.problem(with: event.target, folder: event.target.hasSuffix("/")) {
            throw AccessRefusal(reason: "\(event.target.debugDescription): \(problem)")
        }
        if event.kind == .unshare {
            guard let share = shares[event.share ?? ""] else { throw AccessRefusal(reason: "link share \(event.share ?? "?") does not exist or was revoked") }
            guard owners(of: share.target, at: now).contains(event.by) else {
                throw AccessRefusal(reason: "only an owner of \(share.target) revokes its link shares")
            }
            return
        }
        if event.kind == .share && event.level == .owner { throw AccessRefusal(reason: "a link share cannot make owners") }
        if event.subject.isEmpty || event.subject.utf8.count > 256 || event.subject.contains("/") {
            throw AccessRefusal(reason: "a user id is 1 to 256 bytes without /")
        }
        let owners = owners(of: event.target, at: now)
        if owners.isEmpty {
            guard event.kind == .grant, event.level == .owner, event.subject != "anyone" else {
                throw AccessRefusal(reason: "\(event.target) has no owner yet: its first grant makes one (collab grant \(event.target) USER owner)")
            }
        } else if !owners.contains(event.by) {
            throw AccessRefusal(reason: "only an owner changes access to \(event.target) (owners: \(owners.joined(separator: ", "))): " + decide(event.by, .grant, on: event.target, at: now).reason)
        }
        if event.subject == "anyone" && (event.level == .owner || event.kind == .transfer) {
            throw AccessRefusal(reason: "anyone (a link share) cannot own a document")
        }
        if event.kind == .transfer && event.subject == event.by {
            throw AccessRefusal(reason: "\(event.by) owns \(event.target) already")
        }
        var after = self
        after.record(event)
        if !owners.isEmpty && after.owners(of: event.target, at: now).isEmpty {
            throw AccessRefusal(reason: "\(event.target) would be left without an owner: grant another owner first, or transfer (collab transfer \(event.target) --to USER)")
        }
    }

    private func covers(_ covering: String, _ target: String) -> Bool {
        // A folder covers the documents and folders under it; a document only itself.
        covering.hasSuffix("/") ? target.hasPrefix(covering) : covering == target
    }
}
