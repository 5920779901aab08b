import ArgumentParser
import CollabAccess
import CollabLog

struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Give a user (or anyone, a link share) a level of access to a document or folder.",
        discussion: """
            Levels: owner > editor > commenter > viewer (docs/permissions.md). DOC is a \
            document id, or a folder prefix ending in / whose grants every document under \
            it inherits; a document's own grant overrides its folders', up or down. Only an \
            owner changes access (--as, else $USER); a document's first grant must make an \
            owner; the last owner cannot be downgraded. Every change is kept in the store's \
            audit trail (collab audit).

            Examples:
              collab grant team/ alice owner --as alice
              collab grant team/specs/roadmap bob editor --as alice --expires 7d
              collab grant team/specs/ anyone viewer --as alice
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Argument(help: "A user id, or anyone.")
    var user: String

    @Argument(help: "owner, editor, commenter or viewer.")
    var level: String

    @Option(help: "When the grant ends: a duration (30m, 12h, 7d, 2w) or an ISO-8601 time.")
    var expires: String?

    @OptionGroup var access: AccessOptions

    @Flag(help: "Print the access event recorded, as one JSON object.")
    var json = false

    func run() throws {
        let target = try checkedTarget(self.target)
        guard let level = AccessLevel(name: level) else { throw CommandFailure(.usage, "\(level): a level is owner, editor, commenter or viewer") }
        let now = AccessOptions.now
        let event = AccessEvent(
            kind: .grant, target: target, subject: user, level: level, by: access.user, at: now, expiresAt: try expires.map { try expiry($0, from: now) })
        try recordAccess(event, in: try access.opened())
        if json { return print(String(decoding: event.json, as: UTF8.self)) }
        print("\(target): \(user) is \(level)\(event.expiresAt.map { " until \(ISO8601.format(milliseconds: $0))" } ?? "") (granted by \(access.user))")
    }
}

struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Take away what a user was granted on a document or folder itself.",
        discussion: """
            Only the grant on DOC itself goes; grants on folders above it still apply (collab \
            access DOC shows what is left). The last owner cannot be revoked.

            Examples:
              collab revoke team/specs/roadmap bob --as alice
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Argument(help: "A user id, or anyone.")
    var user: String

    @OptionGroup var access: AccessOptions

    @Flag(help: "Print the access event recorded, as one JSON object.")
    var json = false

    func run() throws {
        let target = try checkedTarget(self.target)
        let policy = try AccessLog.policy(in: try access.opened())
        guard policy.grants[target]?[user] != nil else {
            throw CommandFailure(.usage, "\(user) has no grant on \(target) itself (collab access \(target) shows where access comes from)")
        }
        let event = AccessEvent(kind: .revoke, target: target, subject: user, by: access.user, at: AccessOptions.now)
        try recordAccess(event, in: try access.opened())
        if json { return print(String(decoding: event.json, as: UTF8.self)) }
        print("\(target): \(user)'s grant revoked (by \(access.user))")
    }
}

struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Move ownership of a document or folder to another user.",
        discussion: """
            The new owner gets owner on DOC; the one transferring (--as) becomes an editor \
            there. Needs --yes: an owner cannot take it back alone.

            Examples:
              collab transfer team/specs/roadmap --to carol --as alice --yes
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Option(help: "The new owner.")
    var to: String

    @Flag(help: "Confirm the transfer.")
    var yes = false

    @OptionGroup var access: AccessOptions

    @Flag(help: "Print the access event recorded, as one JSON object.")
    var json = false

    func run() throws {
        let target = try checkedTarget(self.target)
        guard yes else { throw CommandFailure(.usage, "transferring \(target) to \(to) cannot be undone by you alone: add --yes") }
        let event = AccessEvent(kind: .transfer, target: target, subject: to, by: access.user, at: AccessOptions.now)
        try recordAccess(event, in: try access.opened())
        if json { return print(String(decoding: event.json, as: UTF8.self)) }
        print("\(target): \(to) is owner; \(access.user) is editor")
    }
}
