import ArgumentParser
import CollabAccess
import CollabLog
import Foundation

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new signing key for a store's tokens.",
        discussion: """
            32 random bytes, base64, in a file only you may read (mode 0600). An existing \
            file is never overwritten: every token signed with a key stops working when the \
            key goes. A shorter key, or a key file others may read, is refused wherever one \
            is used.

            Examples:
              collab keygen -o collab-data/signing.key
            """
    )

    @Option(name: .shortAndLong, help: "The key file to write.")
    var output: String

    @Flag(help: "Print the key file written as one JSON object.")
    var json = false

    func run() throws {
        do {
            _ = try SigningKey.generate(at: output)
        } catch let problem as SigningKey.Problem {
            throw CommandFailure(.cannotCreate, problem.description)
        }
        if json {
            var writer = JSONWriter()
            writer.raw("{\"keyFile\":")
            writer.string(output)
            writer.raw("}")
            return print(writer.text)
        }
        print("\(output): a new signing key (collab token issue --user USER --key-file \(output) makes a token)")
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue or check signed tokens that say who their bearer is.",
        subcommands: [TokenIssueCommand.self, TokenVerifyCommand.self, TokenCheckCommand.self]
    )
}

/// A token's claims when it verifies against the key and the store, else exit 77 and why.
func verifiedToken(_ token: String, keyFile: String, store: String?) async throws -> AccessToken {
    let key = try loadKey(keyFile)
    let opened = try StoreLocation.open(store ?? StoreLocation.defaultStore)
    do {
        return try await AccessToken.verify(token, key: key, audience: try StoreIdentity.audience(of: opened, creating: false))
    } catch let refusal as AccessToken.Refusal {
        throw CommandFailure(.permissionDenied, "token refused: \(refusal.description)")
    }
}

/// A key file, checked (length, permissions) before it is used.
func loadKey(_ path: String) throws -> SigningKey {
    do {
        return try SigningKey.load(path)
    } catch let problem as SigningKey.Problem {
        throw CommandFailure(.permissionDenied, problem.description)
    }
}

struct TokenIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Print a token for a user, signed with the store's key.",
        discussion: """
            An HS256 JSON Web Token: the user, an expiry (required; 1 day unless --expires), \
            the store as its audience, and with --doc the only document or folder it may be \
            used for.

            Examples:
              collab token issue --user alice --key-file collab-data/signing.key
              collab token issue --user bob --expires 2h --doc team/specs/ --key-file k
            """
    )

    @Option(help: "The user the token speaks for.")
    var user: String

    @Option(help: "When it expires: a duration (30m, 12h, 7d) or an ISO-8601 time.")
    var expires = "1d"

    @Option(help: "Limit it to a document, or a folder prefix ending in /.")
    var doc: String?

    @Option(help: "The signing key file.")
    var keyFile: String

    @Option(help: "The store the token is for (default: $COLLAB_STORE, else collab-data).")
    var store: String?

    @Flag(help: "Print the token with its user, document and expiry as one JSON object.")
    var json = false

    func run() async throws {
        let key = try loadKey(keyFile)
        if let doc { _ = try checkedTarget(doc) }
        guard !user.isEmpty, user != "anyone", !user.contains("/") else { throw CommandFailure(.usage, "a token is for a user id (not anyone, no /)") }
        let token = AccessToken(
            user: user, expiresAt: try expiry(expires, from: AccessOptions.now), audience: try StoreIdentity.audience(of: try StoreLocation.open(store ?? StoreLocation.defaultStore), creating: true),
            document: doc)
        let signed = try await token.signed(with: key)
        guard json else { return print(signed) }
        var writer = JSONWriter()
        writer.raw("{\"token\":")
        writer.string(signed)
        writer.raw(",\"user\":")
        writer.string(user)
        writer.raw(",\"document\":")
        if let doc { writer.string(doc) } else { writer.raw("null") }
        writer.raw(",\"expiresAt\":")
        writer.int(token.expiresAt)
        writer.raw("}")
        print(writer.text)
    }
}

struct TokenVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Print a token's claims, or why it is refused (exit 77).",
        discussion: """
            Refused: another algorithm than HS256 (none included), a signature that does not \
            match the key (tampered, or another key's), an expired token, a token for another \
            store.

            Examples:
              collab token verify "$TOKEN" --key-file collab-data/signing.key
            """
    )

    @Argument(help: "The token.")
    var token: String

    @Option(help: "The signing key file.")
    var keyFile: String

    @Option(help: "The store the token must be for (default: $COLLAB_STORE, else collab-data).")
    var store: String?

    func run() async throws {
        let claims = try await verifiedToken(token, keyFile: keyFile, store: store)
        var writer = JSONWriter()
        writer.raw("{\"user\":")
        writer.string(claims.user)
        writer.raw(",\"expires\":")
        writer.string(ISO8601.format(milliseconds: claims.expiresAt))
        writer.raw(",\"audience\":")
        writer.string(claims.audience)
        writer.raw(",\"doc\":")
        if let doc = claims.document { writer.string(doc) } else { writer.raw("null") }
        writer.raw(",\"share\":")
        if let share = claims.share { writer.string(share) } else { writer.raw("null") }
        writer.raw("}")
        print(writer.text)
    }
}

struct TokenCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Whether a token's bearer may do an action to a document: exit 0 allowed, 77 refused.",
        discussion: """
            What the server does with every request: the token must verify (see collab \
            token verify), be meant for the document if it names one, and then its user's \
            access — or, for a link share's token, the share's, with its password when it \
            has one (read from standard input with --password) — must allow the action.

            Examples:
              collab token check "$TOKEN" team/specs/roadmap text_insert --key-file k
              echo 'hunter2' | collab token check "$LINK" team/specs/roadmap read --password --key-file k
            """
    )

    @Argument(help: "The token.")
    var token: String

    @Argument(help: "A document id.")
    var document: String

    @Argument(help: "read, tag, compact, grant or an op type.")
    var action: String

    @Flag(help: "Read a link share's password from standard input.")
    var password = false

    @Option(help: "The signing key file.")
    var keyFile: String

    @Option(help: "The store (default: $COLLAB_STORE, else collab-data).")
    var store: String?

    func run() async throws {
        let document = try checkedTarget(self.document)
        guard let action = AccessAction(name: action) else { throw CommandFailure(.usage, "\(action): not an action") }
        let claims = try await verifiedToken(token, keyFile: keyFile, store: store)
        if let scope = claims.document, !(scope.hasSuffix("/") ? document.hasPrefix(scope) : scope == document) {
            throw CommandFailure(.permissionDenied, "the token is for \(scope), not \(document)")
        }
        let policy = try AccessLog.policy(in: try StoreLocation.open(store ?? StoreLocation.defaultStore))
        let decision: AccessDecision
        if let share = claims.share {
            decision = policy.decide(share: share, password: password ? readLine(strippingNewline: true) : nil, action, on: document, at: AccessOptions.now)
        } else {
            decision = policy.decide(claims.user, action, on: document, at: AccessOptions.now)
        }
        guard decision.allowed else { throw CommandFailure(.permissionDenied, "denied: \(decision.reason)") }
        print("allowed: \(decision.reason)")
    }
}
