import CollabAccess
import CollabLog
import CollabStorage
import Foundation
import Hummingbird

/// Who may do what with a document, over HTTP, for the pages' share dialog
/// (docs/protocol.md): the access changes of `collab grant`, `revoke` and `share`, made by
/// the token's user under the same rules (`AccessPolicy.check`: only an owner changes
/// access, a document keeps an owner, `anyone` is never one), recorded in the store's
/// access log and in force on every server within a second.
///
/// - `GET /api/v2/access/DOC` → who has access and from which grant, the link shares in
///   force, and the audit trail (owners only);
/// - `POST /api/v2/grants/DOC` `{"user","level","expires"?}` → the grant recorded;
/// - `DELETE /api/v2/grants/DOC?user=U` → U's grant on DOC itself revoked;
/// - `POST /api/v2/shares/DOC` `{"level","expires"?,"password"?}` → the share and its token;
/// - `DELETE /api/v2/shares/DOC?id=S` → the share revoked.
enum AccessAPI {
    static func routes(_ router: Router<ConnectionContext>, hub: Hub, gate: TokenGate) {
        router.get("/api/v2/access/**") { request, context -> Response in
            let (id, credentials) = try await owner(request, context, hub: hub, gate: gate)
            let policy = try hub.policy()
            var writer = JSONWriter()
            writer.raw("{\"id\":")
            writer.string(id)
            writer.raw(",\"user\":")
            writer.string(credentials.user)
            writer.raw(",\"access\":")
            writer.list(policy.accessList(of: id, at: Session.now)) { $1.json(&$0) }
            writer.raw(",\"shares\":")
            writer.list(policy.shares(of: id, at: Session.now)) { $0.bytes += $1.shown.json }
            writer.raw(",\"audit\":")
            writer.list(policy.audit(of: id)) { $0.bytes += $1.shown.json }
            writer.raw("}")
            return Polling.respond(writer.text)
        }
        router.post("/api/v2/grants/**") { request, context -> Response in
            let (id, credentials) = try await owner(request, context, hub: hub, gate: gate)
            let body = try await Polling.json(request, context, hub)
            guard case .string(let user)? = body["user"], !user.isEmpty else { throw Polling.failure(.badRequest, "bad_message", "user is a user id, or anyone", hub) }
            let level = try self.level(body, hub)
            let now = Session.now
            let event = AccessEvent(kind: .grant, target: id, subject: user, level: level, by: credentials.user, at: now, expiresAt: try expiry(body, from: now, hub))
            return try await record(event, hub)
        }
        router.delete("/api/v2/grants/**") { request, context -> Response in
            let (id, credentials) = try await owner(request, context, hub: hub, gate: gate)
            guard let user = request.uri.queryParameters["user"].map(String.init) else {
                throw Polling.failure(.badRequest, "bad_message", "user names whose grant to revoke", hub)
            }
            guard try hub.policy().grants[id]?[user] != nil else {
                throw Polling.failure(.notFound, "not_found", "\(user) has no grant on \(id) itself (it may come from a folder above)", hub)
            }
            return try await record(AccessEvent(kind: .revoke, target: id, subject: user, by: credentials.user, at: Session.now), hub)
        }
        router.post("/api/v2/shares/**") { request, context -> Response in
            let (id, credentials) = try await owner(request, context, hub: hub, gate: gate)
            let body = try await Polling.json(request, context, hub)
            let level = try self.level(body, hub)
            guard level != .owner else { throw Polling.failure(.badRequest, "bad_message", "a link share gives viewer, commenter or editor", hub) }
            let now = Session.now
            let expiresAt = try expiry(body, from: now, hub) ?? now + 30 * 86_400_000
            var hash: String?
            if case .string(let password)? = body["password"], !password.isEmpty {
                // scrypt takes tens of milliseconds on purpose: off the event loop.
                hash = try await Task.detached { try PasswordHash.make(password) }.value
            }
            let share = "s-" + UUID().uuidString.lowercased().prefix(12)
            let event = AccessEvent(
                kind: .share, target: id, subject: "anyone", level: level, by: credentials.user, at: now, expiresAt: expiresAt,
                share: String(share), passwordHash: hash)
            try await recordOnly(event, hub)
            let token = try await AccessToken(user: "anyone", expiresAt: expiresAt, audience: gate.audience, document: id, share: String(share))
                .signed(with: gate.key)
            var writer = JSONWriter()
            writer.bytes += event.shown.json.dropLast()  // its closing brace: the token goes in
            writer.raw(",\"token\":")
            writer.string(token)
            writer.raw("}")
            return Polling.respond(writer.text, status: .created)
        }
        router.delete("/api/v2/shares/**") { request, context -> Response in
            let (id, credentials) = try await owner(request, context, hub: hub, gate: gate)
            guard let share = request.uri.queryParameters["id"].map(String.init), let found = try hub.policy().shares[share], found.target == id else {
                throw Polling.failure(.notFound, "not_found", "no link share of that id on \(id)", hub)
            }
            return try await record(AccessEvent(kind: .unshare, target: id, subject: "anyone", by: credentials.user, at: Session.now, share: share), hub)
        }
    }

    /// The document a request names, and credentials that may change its access (403
    /// otherwise, with the reason).
    private static func owner(_ request: Request, _ context: ConnectionContext, hub: Hub, gate: TokenGate) async throws -> (String, Credentials) {
        let (id, credentials, _, _) = try await WebPages.reader(request, context, hub: hub, gate: gate)
        try WebPages.require(.grant, of: credentials, on: id, hub)
        return (id, credentials)
    }

    private static func level(_ body: [String: JSONValue], _ hub: Hub) throws -> AccessLevel {
        guard case .string(let name)? = body["level"], let level = AccessLevel(name: name) else {
            throw Polling.failure(.badRequest, "bad_message", "level is owner, editor, commenter or viewer", hub)
        }
        return level
    }

    private static func expiry(_ body: [String: JSONValue], from now: Int64, _ hub: Hub) throws -> Int64? {
        guard case .string(let text)? = body["expires"], !text.isEmpty else { return nil }
        do {
            return try AccessEvent.expiry(text, from: now)
        } catch {
            throw Polling.failure(.badRequest, "bad_message", "expires \(error.description)", hub)
        }
    }

    /// Records an access change (refused by the rules: 403) and answers it.
    private static func record(_ event: AccessEvent, _ hub: Hub) async throws -> Response {
        try await recordOnly(event, hub)
        return Polling.respond(String(decoding: event.shown.json, as: UTF8.self))
    }

    private static func recordOnly(_ event: AccessEvent, _ hub: Hub) async throws {
        let store = hub.store
        do {
            try await Task { try AccessLog.record(event, in: store, at: event.at) }.value
        } catch let refusal as AccessRefusal {
            throw Polling.failure(.forbidden, "forbidden", refusal.reason, hub)
        }
    }
}
