import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabStorage
import Foundation

/// What access commands share: the store and who is acting.
struct AccessOptions: ParsableArguments {
    @Option(help: "The store: a directory or postgres://USER@HOST[:PORT]/DATABASE (default: $COLLAB_STORE, else collab-data).")
    var store: String?

    /// The store as given, or the default one.
    var storeName: String { store ?? StoreLocation.defaultStore }

    func opened() throws -> any Store { try StoreLocation.open(storeName) }

    @Option(name: .customLong("as"), help: "Who is acting (default: $USER).")
    var actor: String?

    var user: String { actor ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown" }

    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// A document id or folder prefix given on the command line, checked before any file is touched.
func checkedTarget(_ target: String) throws -> String {
    if let problem = DocumentPath.problem(with: target, folder: target.hasSuffix("/")) {
        throw CommandFailure(.usage, "\(target.debugDescription): \(problem)")
    }
    return target
}

/// `7d`, `12h`, `30m`, `90s` from now, or an ISO-8601 time.
func expiry(_ text: String, from now: Int64) throws -> Int64 {
    do {
        return try AccessEvent.expiry(text, from: now)
    } catch {
        throw CommandFailure(.usage, "--expires \(error.description)")
    }
}

extension Grant {
    /// `alice editor from team/specs/ (granted by boss 2026-…Z, expires …)`.
    var line: String {
        let expires = expiresAt.map { ", expires \(ISO8601.format(milliseconds: $0))" } ?? ""
        return "\(subject)\t\(level)\tfrom \(target) (granted by \(grantedBy) \(ISO8601.format(milliseconds: grantedAt))\(expires))"
    }
}

/// Records an access change, or says why the rules refuse it (exit 77).
func recordAccess(_ event: AccessEvent, in store: any Store) throws {
    do {
        try AccessLog.record(event, in: store, at: event.at)
    } catch let refusal as AccessRefusal {
        throw CommandFailure(.permissionDenied, refusal.reason)
    }
}

/// Refuses, with exit 77 and the reason, a batch of ops `user` may not send to `document`.
func requireAccess(of user: String, for ops: [Op], on document: String, in store: any Store) throws {
    let decision = try AccessLog.policy(in: store).decide(ops: ops, as: user, on: document, at: AccessOptions.now)
    guard decision.allowed else { throw CommandFailure(.permissionDenied, "refused, nothing written: \(decision.reason)") }
}
