import CollabAccess
import CollabCore
import CollabLog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The pages `collab serve` serves to a browser (docs/web.md), from `WebAssets`, and the
/// API they read, on the same tokens and authorization rule as every other client:
///
/// - `GET /`, `GET /d/DOC`: the page (the script routes by path);
/// - `GET /assets/NAME`: its script and style;
/// - `GET /api/v2/documents` → `{"user":U,"documents":[{"id":D,"level":L},…],"folders":[F,…]}`,
///   the documents the token may read, sorted, and the folders it may make documents in;
/// - `GET /api/v2/documents/DOC` → `{"id":D,"user":U,"level":L,"exists":B,"html":H}`, the
///   document at its head rendered as HTML (escaped, links limited to safe schemes); for a
///   document not made yet, to a token that may write it, `exists` false; with
///   `?html=false`, no `html` (the editor's question: its access only).
///
/// The token comes as `Authorization: Bearer` (the page keeps it in `sessionStorage`, and
/// never puts it in a URL it requests).
enum WebPages {
    /// No inline script or style, nothing from elsewhere: the page's script, its style,
    /// and its WebSocket back to this server.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func routes(_ router: Router<ConnectionContext>, hub: Hub, gate: TokenGate) {
        router.get("/") { _, _ in page() }
        router.get("/d/**") { _, _ in page() }
        router.get("/assets/:name") { _, context -> Response in
            guard let name = context.parameters.get("name"), name != "index.html", let file = WebAssets.files[name] else {
                throw Polling.failure(.notFound, "not_found", "no such asset")
            }
            return answer(file.body, contentType: file.contentType)
        }
        router.get("/api/v2/documents") { request, _ -> Response in
            let (credentials, policy) = try await authenticate(request, hub: hub, gate: gate)
            var writer = JSONWriter()
            writer.raw("{\"user\":")
            writer.string(credentials.user)
            writer.raw(",\"documents\":[")
            var first = true
            for id in try await documentIds(hub) where credentials.reaches(id) {
                guard let level = level(of: credentials.holder, on: id, policy) else { continue }
                writer.raw(first ? "{\"id\":" : ",{\"id\":")
                first = false
                writer.string(id)
                writer.raw(",\"level\":")
                writer.string(level.description)
                writer.raw("}")
            }
            writer.raw("],\"folders\":")
            writer.list(creatableFolders(credentials, policy)) { $0.string($1) }
            writer.raw("}")
            return Polling.respond(writer.text)
        }
        router.get("/api/v2/documents/**") { request, context -> Response in
            let (id, credentials, level, exists) = try await reader(request, context, hub: hub, gate: gate, new: true)
            // The editor asks only for the access (`?html=false`): rendering is not its work.
            let rendered = request.uri.queryParameters["html"] != "false"
            let html = exists && rendered ? await (try hub.host(id)).html() : ""
            var writer = JSONWriter()
            writer.raw("{\"id\":")
            writer.string(id)
            writer.raw(",\"user\":")
            writer.string(credentials.user)
            writer.raw(",\"level\":")
            writer.string(level.description)
            writer.raw(exists ? ",\"exists\":true" : ",\"exists\":false")
            if rendered {
                writer.raw(",\"html\":")
                writer.string(html)
            }
            writer.raw("}")
            return Polling.respond(writer.text)
        }
    }

    /// The document a request's path names (after its route's prefix), checked with the
    /// token: its id, the credentials, the highest level they have on it, and whether it
    /// exists. 400 for a
    /// path that is no document id, 401 for a bad token, 403 when the token may not read
    /// the document (whether it exists or not), 404 when it may and it does not exist,
    /// unless `new` and the token may write it (a new document, made by its first edit).
    static func reader(
        _ request: Request, _ context: ConnectionContext, hub: Hub, gate: TokenGate, new: Bool = false
    ) async throws -> (String, Credentials, AccessLevel, exists: Bool) {
        // The page percent-encodes each segment of the id.
        let segments = context.parameters.getCatchAll().map { String($0).removingPercentEncoding }
        let id = segments.compactMap { $0 }.joined(separator: "/")
        guard !segments.contains(nil), DocumentPath.problem(with: id) == nil else {
            throw Polling.failure(.badRequest, "bad_message", "not a valid document id", hub)
        }
        let (credentials, policy) = try await authenticate(request, hub: hub, gate: gate)
        guard credentials.reaches(id), let level = level(of: credentials.holder, on: id, policy) else {
            // A link share's own reason (its password is needed) tells the page to ask for it.
            let decision = policy.decide(credentials.holder, .read, on: id, at: Session.now)
            let reason = credentials.holder.share != nil && credentials.reaches(id) ? decision.reason : "\(credentials.user) may not read \(id)"
            throw Polling.failure(.forbidden, "forbidden", reason, hub)
        }
        let exists = try await documentIds(hub).contains(id)
        guard exists || (new && level >= .editor) else { throw Polling.failure(.notFound, "not_found", "no document \(id)", hub) }
        return (id, credentials, level, exists)
    }

    /// 403, with the rule's reason, unless the token may do `action` on the document.
    static func require(_ action: AccessAction, of credentials: Credentials, on id: String, _ hub: Hub) throws {
        let decision = try hub.policy().decide(credentials.holder, action, on: id, at: Session.now)
        guard decision.allowed else { throw Polling.failure(.forbidden, "forbidden", decision.reason, hub) }
    }

    /// The folders (targets ending in `/`) under which the token may make documents: where
    /// it may write, within its document scope.
    static func creatableFolders(_ credentials: Credentials, _ policy: AccessPolicy) -> [String] {
        policy.grants.keys.filter { folder in
            folder.hasSuffix("/") && credentials.reaches(folder + "new")
                && policy.decide(credentials.holder, .op("text_insert"), on: folder + "new", at: Session.now).allowed
        }.sorted()
    }

    /// The highest level `holder` has on `document`, or nil when it may not read it.
    static func level(of holder: TokenHolder, on document: String, _ policy: AccessPolicy) -> AccessLevel? {
        let checks: [(AccessLevel, AccessAction)] = [
            (.owner, .grant), (.editor, .op("text_insert")), (.commenter, .op("comment_add")), (.viewer, .read),
        ]
        return checks.first { policy.decide(holder, $0.1, on: document, at: Session.now).allowed }?.0
    }

    private static func page() -> Response {
        answer(WebAssets.files["index.html"]!.body, contentType: WebAssets.files["index.html"]!.contentType)
    }

    private static func answer(_ body: String, contentType: String) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: "no-cache"]
        headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The token's credentials, with a link share's password from `X-Share-Password`.
    static func authenticate(_ request: Request, hub: Hub, gate: TokenGate) async throws -> (Credentials, AccessPolicy) {
        (try await Polling.credentials(TokenGate.token(in: request), password: Polling.sharePassword(request), hub: hub, gate: gate), try hub.policy())
    }

    /// The store's document ids, read as the hub opens documents: in a task of its own.
    private static func documentIds(_ hub: Hub) async throws -> [String] {
        let store = hub.store
        return try await Task { try store.documentIds() }.value
    }
}
