import ArgumentParser
import CollabAccess
import CollabLog
import Foundation

struct ShareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Make, list or revoke link shares: tokens that give anyone who holds them a level.",
        subcommands: [ShareCreateCommand.self, ShareListCommand.self, ShareRevokeCommand.self],
        defaultSubcommand: ShareCreateCommand.self
    )
}

struct ShareCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a link share and print its token.",
        discussion: """
            Whoever holds the token may do what LEVEL allows (not owner) on DOC (a document, \
            or a folder prefix ending in /) until it expires or is revoked by id. With \
            --password, the password is read from the first line of standard input and kept \
            only as a salted scrypt hash; the token is then useless without it.

            Examples:
              collab share team/specs/roadmap --level viewer --expires 7d --key-file k --as alice
              echo 'hunter2' | collab share team/specs/ --level commenter --password --key-file k --as alice
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Option(help: "viewer, commenter or editor.")
    var level: String

    @Option(help: "When it ends: a duration (30m, 12h, 7d) or an ISO-8601 time (default: 30d).")
    var expires = "30d"

    @Flag(help: "Protect it with a password read from standard input.")
    var password = false

    @Option(help: "The signing key file.")
    var keyFile: String

    @OptionGroup var access: AccessOptions

    @Flag(help: "Print the share (its event, without the password's hash) and its token as one JSON object.")
    var json = false

    func run() async throws {
        let target = try checkedTarget(self.target)
        guard let level = AccessLevel(name: level), level != .owner else { throw CommandFailure(.usage, "\(level): a link share gives viewer, commenter or editor") }
        let key = try loadKey(keyFile)
        var hash: String?
        if password {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CommandFailure(.usage, "--password reads the password from standard input: none came") }
            hash = try PasswordHash.make(line)
        }
        let now = AccessOptions.now
        let id = "s-" + UUID().uuidString.lowercased().prefix(12)
        let event = AccessEvent(
            kind: .share, target: target, subject: "anyone", level: level, by: access.user, at: now, expiresAt: try expiry(expires, from: now),
            share: String(id), passwordHash: hash)
        try recordAccess(event, in: try access.opened())
        let token = AccessToken(
            user: "anyone", expiresAt: event.expiresAt!, audience: try StoreIdentity.audience(of: try access.opened(), creating: true), document: target,
            share: String(id))
        let signed = try await token.signed(with: key)
        if json {
            let fields = String(decoding: event.shown.json, as: UTF8.self).dropLast()
            var writer = JSONWriter()
            writer.raw(",\"token\":")
            writer.string(signed)
            writer.raw("}")
            return print(fields + writer.text)
        }
        standardError("share \(id): \(level) on \(target) until \(ISO8601.format(milliseconds: event.expiresAt!))\(hash == nil ? "" : ", with a password")\n")
        print(signed)
    }
}

struct ShareListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The link shares in force on a document or the folders above it.",
        discussion: """
            Examples:
              collab share list team/specs/roadmap --json
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Flag(help: "Print each share as a JSON object, one a line.")
    var json = false

    @OptionGroup var access: AccessOptions

    func run() throws {
        let shares = try AccessLog.policy(in: try access.opened()).shares(of: try checkedTarget(target), at: AccessOptions.now)
        if json {
            // A share a line (docs/json.md); the password hashes stay in the store.
            for share in shares { print(String(decoding: share.shown.json, as: UTF8.self)) }
            return
        }
        for share in shares {
            print("\(share.share!)\t\(share.level!)\ton \(share.target)\tby \(share.by)\tuntil \(share.expiresAt.map { ISO8601.format(milliseconds: $0) } ?? "-")\(share.passwordHash == nil ? "" : "\twith a password")")
        }
    }
}

struct ShareRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Stop a link share from working.",
        discussion: """
            Examples:
              collab share revoke s-1a2b3c4d5e6f --as alice
            """
    )

    @Argument(help: "The share's id (collab share list shows them).")
    var id: String

    @OptionGroup var access: AccessOptions

    @Flag(help: "Print the access event recorded as one JSON object.")
    var json = false

    func run() throws {
        guard let share = try AccessLog.policy(in: try access.opened()).shares[id] else { throw CommandFailure(.usage, "no link share \(id) in \(access.storeName)") }
        let event = AccessEvent(kind: .unshare, target: share.target, subject: "anyone", by: access.user, at: AccessOptions.now, share: id)
        try recordAccess(event, in: try access.opened())
        if json { return print(String(decoding: event.json, as: UTF8.self)) }
        print("share \(id) revoked")
    }
}
