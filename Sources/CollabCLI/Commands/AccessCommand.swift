import ArgumentParser
import CollabAccess
import CollabLog

struct AccessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Show who may do what with a document, or check one user and action.",
        subcommands: [AccessListCommand.self, AccessCheckCommand.self],
        defaultSubcommand: AccessListCommand.self
    )
}

struct AccessListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Every subject's effective access to a document, and the grant it comes from.",
        discussion: """
            Examples:
              collab access team/specs/roadmap
              collab access team/specs/ --json
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Flag(help: "Print a JSON object a grant, one a line.")
    var json = false

    @OptionGroup var access: AccessOptions

    func run() throws {
        let target = try checkedTarget(self.target)
        let list = try AccessLog.policy(in: try access.opened()).accessList(of: target, at: AccessOptions.now)
        if json {
            for grant in list {
                var writer = JSONWriter()
                grant.json(&writer)
                print(writer.text)
            }
        } else if list.isEmpty {
            print("\(target): nobody has access (collab grant \(target) USER owner makes its first owner)")
        } else {
            for grant in list { print(grant.line) }
        }
    }
}

struct AccessCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Whether a user may do an action: exit 0 allowed, 77 denied, with the reason.",
        discussion: """
            ACTION is read, tag, compact, grant, or an op type (text_insert, comment_add, …).

            Examples:
              collab access check team/specs/roadmap bob text_insert && echo may edit
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Argument(help: "A user id, or anyone.")
    var user: String

    @Argument(help: "read, tag, compact, grant or an op type.")
    var action: String

    @OptionGroup var access: AccessOptions

    @Flag(help: "Print the decision as one JSON object (the exit status is the same).")
    var json = false

    func run() throws {
        let target = try checkedTarget(self.target)
        guard let action = AccessAction(name: action) else {
            throw CommandFailure(.usage, "\(action): an action is read, tag, compact, grant or an op type (\(AccessAction.opTypes.sorted().joined(separator: ", ")))")
        }
        let decision = try AccessLog.policy(in: try access.opened()).decide(user, action, on: target, at: AccessOptions.now)
        if json {
            var writer = JSONWriter()
            writer.raw("{\"target\":")
            writer.string(target)
            writer.raw(",\"user\":")
            writer.string(user)
            writer.raw(",\"action\":")
            writer.string(self.action)
            writer.raw(",\"allowed\":")
            writer.raw(decision.allowed ? "true" : "false")
            writer.raw(",\"reason\":")
            writer.string(decision.reason)
            writer.raw("}")
            print(writer.text)
            if !decision.allowed { throw ExitCode(ExitStatus.permissionDenied.rawValue) }
            return
        }
        guard decision.allowed else { throw CommandFailure(.permissionDenied, "denied: \(decision.reason)") }
        print("allowed: \(decision.reason)")
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Every access change that touches a document or folder, in order, with who and when.",
        discussion: """
            Grants, revokes and transfers on DOC itself and on the folders above it (and, \
            for a folder, on everything under it).

            Examples:
              collab audit team/specs/roadmap
              collab audit team/ --json | jq -c '.[] | select(.by == "mallory")'
            """
    )

    @Argument(help: "A document id, or a folder prefix ending in /.")
    var target: String

    @Flag(help: "Print each event as a JSON object, one a line.")
    var json = false

    @OptionGroup var access: AccessOptions

    func run() throws {
        let target = try checkedTarget(self.target)
        let events = try AccessLog.policy(in: try access.opened()).audit(of: target)
        if json {
            // An event a line (docs/json.md).
            // A share's password hash stays in the store, as in `share list`.
            for event in events { print(String(decoding: event.shown.json, as: UTF8.self)) }
            return
        }
        for event in events {
            let what: String = switch event.kind {
            case .grant: "grant \(event.subject) \(event.level!) on \(event.target)" + (event.expiresAt.map { " until \(ISO8601.format(milliseconds: $0))" } ?? "")
            case .revoke: "revoke \(event.subject) on \(event.target)"
            case .transfer: "transfer \(event.target) to \(event.subject)"
            case .share:
                "share \(event.share!) \(event.level!) on \(event.target)" + (event.passwordHash == nil ? "" : " with a password")
                    + (event.expiresAt.map { " until \(ISO8601.format(milliseconds: $0))" } ?? "")
            case .unshare: "revoke share \(event.share!)"
            }
            print("\(ISO8601.format(milliseconds: event.at))\t\(event.by)\t\(what)")
        }
    }
}
