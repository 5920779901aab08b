import CollabAccess
import CollabCore
import Testing

/// The authorization rule: levels × actions, inheritance, link shares, expiry, owners.
@Suite("Access policy")
struct AccessPolicyTests {
    static let now: Int64 = 1_800_000_000_000

    /// A policy where `boss` owns `team/` and the given grants were made on top.
    static func policy(_ grants: [(target: String, subject: String, level: AccessLevel, expires: Int64?)] = []) throws -> AccessPolicy {
        var policy = AccessPolicy()
        let first = AccessEvent(kind: .grant, target: "team/", subject: "boss", level: .owner, by: "boss", at: now - 10)
        try policy.check(first, at: now)
        policy.record(first)
        for grant in grants {
            let event = AccessEvent(kind: .grant, target: grant.target, subject: grant.subject, level: grant.level, by: "boss", at: now - 5, expiresAt: grant.expires)
            try policy.check(event, at: now)
            policy.record(event)
        }
        return policy
    }

    static let actions: [AccessAction] = [
        .read, .op("comment_add"), .op("comment_resolve"), .op("text_insert"), .op("format_set"), .op("block_move"), .tag, .compact, .grant,
    ]

    /// What each level may do, action by action (the table in docs/permissions.md).
    static let allowed: [AccessLevel: Set<String>] = [
        .viewer: ["read"],
        .commenter: ["read", "comment_add", "comment_resolve"],
        .editor: ["read", "comment_add", "comment_resolve", "text_insert", "format_set", "block_move", "tag"],
        .owner: ["read", "comment_add", "comment_resolve", "text_insert", "format_set", "block_move", "tag", "compact", "grant"],
    ]

    @Test(arguments: AccessLevel.allCases)
    func everyLevelMayDoWhatItsTableSaysAndNothingElse(level: AccessLevel) throws {
        let viaUser = try Self.policy([("team/doc", "u", level, nil)])
        let viaShare = try Self.policy([("team/doc", "anyone", level == .owner ? .editor : level, nil)])
        for action in Self.actions {
            let expected = Self.allowed[level]!.contains(action.description)
            #expect(viaUser.decide("u", action, on: "team/doc", at: Self.now).allowed == expected, "\(level) \(action)")
            if level != .owner {
                #expect(viaShare.decide("stranger", action, on: "team/doc", at: Self.now).allowed == expected, "anyone \(level) \(action)")
            }
        }
        // No grant at all: nothing, not even read.
        #expect(!viaUser.decide("nobody", .read, on: "team/doc", at: Self.now).allowed)
    }

    @Test func anExpiredGrantGivesNothing() throws {
        let policy = try Self.policy([("team/doc", "temp", .editor, Self.now + 1000), ("team/doc", "anyone", .viewer, Self.now + 1000)])
        #expect(policy.decide("temp", .op("text_insert"), on: "team/doc", at: Self.now).allowed)
        #expect(!policy.decide("temp", .op("text_insert"), on: "team/doc", at: Self.now + 1000).allowed)
        #expect(!policy.decide("stranger", .read, on: "team/doc", at: Self.now + 1000).allowed)
    }

    @Test func folderGrantsAreInheritedAndADocumentsOwnOverridesThemBothWays() throws {
        let policy = try Self.policy([
            ("team/specs/", "ann", .editor, nil), ("team/specs/roadmap", "ann", .viewer, nil),  // down
            ("team/", "bob", .viewer, nil), ("team/specs/roadmap", "bob", .editor, nil),  // up
            ("team/specs/", "cy", .commenter, nil), ("team/", "cy", .editor, nil),  // the nearer folder wins
        ])
        #expect(policy.access(of: "ann", on: "team/specs/plan", at: Self.now)?.level == .editor)
        #expect(policy.access(of: "ann", on: "team/specs/roadmap", at: Self.now)?.level == .viewer)
        #expect(policy.access(of: "bob", on: "team/specs/plan", at: Self.now)?.level == .viewer)
        #expect(policy.access(of: "bob", on: "team/specs/roadmap", at: Self.now)?.level == .editor)
        #expect(policy.access(of: "cy", on: "team/specs/plan", at: Self.now)?.level == .commenter)
        #expect(policy.access(of: "cy", on: "team/other", at: Self.now)?.level == .editor)
        #expect(policy.access(of: "boss", on: "team/specs/roadmap", at: Self.now)?.level == .owner)
        #expect(policy.access(of: "ann", on: "elsewhere/doc", at: Self.now) == nil)
    }

    @Test func aTargetNeverLosesItsLastOwner() throws {
        var policy = try Self.policy()
        let downgrade = AccessEvent(kind: .grant, target: "team/", subject: "boss", level: .editor, by: "boss", at: Self.now)
        #expect(throws: AccessRefusal.self) { try policy.check(downgrade, at: Self.now) }
        let revoke = AccessEvent(kind: .revoke, target: "team/", subject: "boss", by: "boss", at: Self.now)
        #expect(throws: AccessRefusal.self) { try policy.check(revoke, at: Self.now) }
        // With a second owner, one may go.
        let second = AccessEvent(kind: .grant, target: "team/", subject: "deputy", level: .owner, by: "boss", at: Self.now)
        try policy.check(second, at: Self.now)
        policy.record(second)
        try policy.check(revoke, at: Self.now)
        // Only owners change access, and a first grant must make an owner.
        let stranger = AccessEvent(kind: .grant, target: "team/doc", subject: "x", level: .editor, by: "x", at: Self.now)
        #expect(throws: AccessRefusal.self) { try policy.check(stranger, at: Self.now) }
        let unowned = AccessEvent(kind: .grant, target: "other/doc", subject: "x", level: .editor, by: "x", at: Self.now)
        #expect(throws: AccessRefusal.self) { try policy.check(unowned, at: Self.now) }
        let anyoneOwns = AccessEvent(kind: .grant, target: "team/doc", subject: "anyone", level: .owner, by: "boss", at: Self.now)
        #expect(throws: AccessRefusal.self) { try policy.check(anyoneOwns, at: Self.now) }
    }

    @Test func transferMovesOwnership() throws {
        var policy = try Self.policy([("team/doc", "boss", .owner, nil)])
        let transfer = AccessEvent(kind: .transfer, target: "team/doc", subject: "heir", by: "boss", at: Self.now)
        try policy.check(transfer, at: Self.now)
        policy.record(transfer)
        #expect(policy.owners(of: "team/doc", at: Self.now) == ["heir"])
        #expect(policy.access(of: "boss", on: "team/doc", at: Self.now)?.level == .editor)
        #expect(policy.audit(of: "team/doc").map(\.kind) == [.grant, .grant, .transfer])
    }

    @Test func aBatchNeedsEveryOpAllowedAndMadeByTheUsersClients() throws {
        let policy = try Self.policy([("team/doc", "carol", .commenter, nil)])
        func op(_ client: String, _ payload: Op.Payload) -> Op { Op(id: OpId(client, 0), timestamp: Timestamp(wall: 1), payload: payload) }
        let comment = op("carol/laptop", .comment(.add(start: nil, end: nil, replyTo: OpId("x", 0), text: "hm")))
        let insert = op("carol", .textInsert(TextInsert(after: nil, before: nil, text: "x")))
        #expect(policy.decide(ops: [comment], as: "carol", on: "team/doc", at: Self.now).allowed)
        let mixed = policy.decide(ops: [comment, insert], as: "carol", on: "team/doc", at: Self.now)
        #expect(!mixed.allowed && mixed.reason.contains("text_insert needs editor"), "\(mixed.reason)")
        let forged = policy.decide(ops: [op("carolyn", .comment(.delete(comment: OpId("x", 0))))], as: "carol", on: "team/doc", at: Self.now)
        #expect(!forged.allowed && forged.reason.contains("not one of carol's"), "\(forged.reason)")
    }

    @Test(arguments: ["..", "../etc/passwd", "/etc/passwd", "a/../b", "a/./b", "a//b", "nul\u{0}byte", "%2e%2e/x", "a%2Fb", "back\\slash", String(repeating: "x", count: 1025), ""])
    func idsThatCouldEscapeTheStoreAreRefused(id: String) {
        #expect(DocumentPath.problem(with: id) != nil, "\(id.debugDescription)")
        #expect(DocumentPath.problem(with: id + "/", folder: true) != nil, "\(id.debugDescription)/")
    }

    @Test func ordinaryIdsAndFoldersAreFine() {
        #expect(DocumentPath.problem(with: "team/specs/roadmap") == nil)
        #expect(DocumentPath.problem(with: "team/specs/", folder: true) == nil)
        #expect(DocumentPath.problem(with: "notes 2026.v2") == nil)
    }
}
