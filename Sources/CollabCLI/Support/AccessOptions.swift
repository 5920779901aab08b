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
    if let time = ISO8601.milliseconds(text) {
        guard time > now else { throw CommandFailure(.usage, "--expires \(text) is in the past") }
        return time
    }
    let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000]
    guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0 else {
        throw CommandFailure(.usage, "--expires \(text): a duration (30m, 12h, 7d, 2w) or an ISO-8601 time")
    }
    return now + count * unit
}

extension Grant {
    /// `alice editor from team/specs/ (granted by boss 2026-…Z, expires …)`.
    var line: String {
        let expires = expiresAt.map { ", expires \(ISO8601.format(milliseconds: $0))" } ?? ""
        return "\(subject)\t\(level)\tfrom \(target) (granted by \(grantedBy) \(ISO8601.format(milliseconds: grantedAt))\(expires))"
    }

    func json(_ writer: inout JSONWriter) {
        writer.raw("{\"subject\":")
        writer.string(subject)
        writer.raw(",\"level\":")
        writer.string(level.description)
        writer.raw(",\"from\":")
        writer.string(target)
        writer.raw(",\"grantedBy\":")
        writer.string(grantedBy)
        writer.raw(",\"grantedAt\":")
        writer.string(ISO8601.format(milliseconds: grantedAt))
        writer.raw(",\"expiresAt\":")
        if let expiresAt { writer.string(ISO8601.format(milliseconds: expiresAt)) } else { writer.raw("null") }
        writer.raw("}")
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
