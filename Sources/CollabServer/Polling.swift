import CollabAccess
import CollabCore
import CollabLog
import CollabProtocol
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP polling fallback, for clients that cannot hold a WebSocket: the same
/// tokens, the same access rules, the same durability rule (docs/protocol.md).
///
/// - `POST /api/v2/realtime/connect` `{"document_id":D,"session_token":T}` → the document's
///   ops so far and `last_operation`, the position to poll from;
/// - `GET /api/v2/realtime/poll?document_id=D&last_operation=N` → `{operations, presence,
///   heartbeat, last_operation}`, waiting up to 25 s for an op beyond N;
/// - `POST /api/v2/realtime/ops?document_id=D` `{"operations":[…]}` → `{"ack":[ids]}` once
///   the batch is durable.
///
/// The token comes as `Authorization: Bearer`, `?token=`, or (connect) `session_token`.
enum Polling {
    static let longPoll: Duration = .seconds(25)

    static func routes(_ router: Router<ConnectionContext>, hub: Hub, gate: TokenGate) {
        let group = router.group("/api/v2/realtime")
        group.post("connect") { request, context -> Response in
            let body = try await json(request, context, hub)
            guard case .string(let docId)? = body["document_id"] else { throw failure(.badRequest, "bad_message", "document_id is required") }
            let token = TokenGate.token(in: request) ?? body["session_token"].flatMap { if case .string(let token) = $0 { token } else { nil } }
            let password = body["password"].flatMap { if case .string(let password) = $0 { password } else { nil } } ?? sharePassword(request)
            let holder = try await authorize(token, password: password, to: .read, on: docId, hub: hub, gate: gate)
            let host = try await hub.host(docId)
            let page = await host.page(fromPosition: 0)
            var writer = JSONWriter()
            writer.raw("{\"session_id\":")
            writer.string(UUID().uuidString.lowercased())
            writer.raw(",\"user\":")
            writer.string(holder.user)
            writer.raw(",\"document_id\":")
            writer.string(docId)
            operations(page, &writer)
            writer.raw(",\"poll_timeout_ms\":")
            writer.int(Int(longPoll.components.seconds) * 1000)
            writer.raw("}")
            return respond(writer.text)
        }
        group.get("poll") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let docId = query["document_id"].map(String.init) else { throw failure(.badRequest, "bad_message", "document_id is required") }
            let last: Int
            switch query["last_operation"] {
            case nil: last = 0
            case let text?:
                guard let position = Int(text), position >= 0 else {
                    throw failure(.badRequest, "bad_message", "last_operation is a position: an integer from 0 to \(Int.max)", hub)
                }
                last = position
            }
            _ = try await authorize(TokenGate.token(in: request), password: sharePassword(request), to: .read, on: docId, hub: hub, gate: gate)
            let host = try await hub.host(docId)
            hub.metrics.longPollStarted()
            await host.waitForOps(beyond: last, timeout: longPoll)
            hub.metrics.longPollEnded()
            let page = await host.page(fromPosition: last)
            var writer = JSONWriter()
            writer.raw("{\"document_id\":")
            writer.string(docId)
            operations(page, &writer)
            writer.raw(",\"presence\":[")
            writer.bytes += Array(await hub.presence(in: docId).joined(separator: ",").utf8)
            writer.raw("],\"heartbeat\":")
            writer.int(Int64(Date().timeIntervalSince1970 * 1000))
            writer.raw("}")
            return respond(writer.text)
        }
        group.post("presence") { request, context -> Response in
            let body = try await json(request, context, hub)
            let docId = request.uri.queryParameters["document_id"].map(String.init)
                ?? body["document_id"].flatMap { if case .string(let id) = $0 { id } else { nil } }
            guard let docId else { throw failure(.badRequest, "bad_message", "document_id is required") }
            guard case .string(let session)? = body["session_id"], !session.isEmpty, session.utf8.count <= 64 else {
                throw failure(.badRequest, "bad_message", "session_id is the id connect answered with", hub)
            }
            let holder = try await authorize(TokenGate.token(in: request), password: sharePassword(request), to: .read, on: docId, hub: hub, gate: gate)
            let presence: Presence
            do {
                presence = try Presence(message: body)
            } catch {
                throw failure(.badRequest, "bad_message", "\(error)", hub)
            }
            guard await hub.update(docId, polling: session, user: holder.shownAs, presence) else {
                throw failure(.forbidden, "forbidden", "session \(session) sends presence as someone else", hub)
            }
            return respond("{}")
        }
        group.post("ops") { request, context -> Response in
            let arrived = ContinuousClock.now
            let body = try await json(request, context, hub)
            let docId = request.uri.queryParameters["document_id"].map(String.init)
                ?? body["document_id"].flatMap { if case .string(let id) = $0 { id } else { nil } }
            guard let docId else { throw failure(.badRequest, "bad_message", "document_id is required") }
            let holder = try await authorize(TokenGate.token(in: request), password: sharePassword(request), to: .read, on: docId, hub: hub, gate: gate)
            let host = try await hub.host(docId)
            do {
                let ids: [OpId]
                if let edit = try await positionEdit(body, by: holder, head: host.version) {
                    ids = try await host.submit(edit, as: holder)
                    hub.metrics.acknowledged(ops: edit.patches.count, seconds: Hub.seconds(since: arrived))
                } else {
                    guard case .array(let items)? = body["operations"], !items.isEmpty else {
                        throw failure(.badRequest, "bad_message", "operations is a non-empty array of ops or rows, or patches are given")
                    }
                    var ops: [Op] = []
                    for item in items {
                        do {
                            ops.append(try OpJSON.decode(item))
                        } catch {
                            throw failure(.unprocessableContent, "invalid_op", "\(error)", hub)
                        }
                    }
                    ids = try await host.submit(ops, as: holder)
                    hub.metrics.acknowledged(ops: ops.count, seconds: Hub.seconds(since: arrived))
                }
                var writer = JSONWriter()
                writer.raw("{\"ack\":")
                writer.list(ids) { $0.string($1.description) }
                writer.raw("}")
                return respond(writer.text)
            } catch let refusal as DocumentHost.Refusal {
                throw failure(refusal, hub)
            }
        }
    }

    /// The position edit a body holds, or nil when it sends ops: `patches` with
    /// `client_id` and `version` (as the WebSocket `edit` message), or `operations` of
    /// rows in the seed's form, each read against its `vector_clock`. The client is
    /// `client_id`, else the rows' `author_id`, else the token's user.
    private static func positionEdit(_ body: [String: JSONValue], by holder: TokenHolder, head: VersionVector) throws -> PositionEdit? {
        var client = holder.user
        if case .string(let given)? = body["client_id"] { client = given }
        let rows: [JSONValue]
        if body["patches"] != nil {
            rows = []
        } else if case .array(let items)? = body["operations"], case .object(let first)? = items.first, first["operation_type"] != nil {
            rows = items
            if body["client_id"] == nil, case .object(let fields) = items[0], case .string(let author)? = fields["author_id"] { client = author }
        } else {
            return nil
        }
        if let problem = ClientIdGrammar.problem(with: client) { throw failure(.badRequest, "bad_message", "client_id: \(problem)") }
        do {
            if rows.isEmpty {
                guard let version = VersionVector(message: body["version"]), body["version"] != nil else {
                    throw failure(.badRequest, "bad_message", "version is the version vector {client: count} the patches are read against")
                }
                return try PositionEdit(client: client, version: version, patches: body["patches"])
            }
            for row in rows {
                if case .object(let fields) = row, case .string(let author)? = fields["author_id"], author != client {
                    throw failure(.badRequest, "bad_message", "the rows of one request are by one client (\(client), not \(author))")
                }
            }
            return try PositionEdit(client: client, rows: rows, head: head)
        } catch let error as PositionEditError {
            throw failure(.badRequest, "bad_message", error.description)
        }
    }

    /// The holder of a valid token who may `action` on `docId` (a link share's holder with
    /// its password, if it has one); else 401 or 403.
    private static func authorize(
        _ token: String?, password: String? = nil, to action: AccessAction, on docId: String, hub: Hub, gate: TokenGate
    ) async throws -> TokenHolder {
        guard DocumentPath.problem(with: docId) == nil else { throw failure(.badRequest, "bad_message", "not a valid document id", hub) }
        let credentials = try await Self.credentials(token, password: password, hub: hub, gate: gate)
        guard credentials.reaches(docId) else { throw failure(.forbidden, "forbidden", "the token is limited to \(credentials.scope!)", hub) }
        let decision = try hub.policy().decide(credentials.holder, action, on: docId, at: Session.now)
        guard decision.allowed else { throw failure(.forbidden, "forbidden", decision.reason, hub) }
        return credentials.holder
    }

    /// Who a token is (401 when there is none or it does not verify); what it may do is
    /// for the caller to ask.
    static func credentials(_ token: String?, password: String? = nil, hub: Hub, gate: TokenGate) async throws -> Credentials {
        guard let token else { throw failure(.unauthorized, "unauthenticated", "a token is required", hub) }
        do {
            return Credentials(try await gate.verify(token), password: password)
        } catch {
            throw failure(.unauthorized, "unauthenticated", "\(error)", hub)
        }
    }

    /// A link share's password on a request after connect: the `X-Share-Password` header
    /// (a header, so that it stays out of URLs and their logs).
    static func sharePassword(_ request: Request) -> String? {
        HTTPField.Name("X-Share-Password").flatMap { request.headers[$0] }
    }

    /// The body as a JSON object. One over the message limit is answered 413 and its
    /// connection closed: reading on would take in what the limit is there to refuse.
    static func json(_ request: Request, _ context: ConnectionContext, _ hub: Hub) async throws -> [String: JSONValue] {
        let limit = hub.limits.maxMessageBytes
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            // No more is read: the answer is written, then the connection ends.
            context.channel.close(mode: .input, promise: nil)
            throw failure(.contentTooLarge, "too_large", "the body is over the limit of \(limit) bytes", hub, closing: true)
        }
        guard case .object(let fields)? = try? JSONParser.parse(String(buffer: buffer)) else {
            throw failure(.badRequest, "bad_message", "the body is a JSON object", hub)
        }
        return fields
    }

    /// One page of ops, where the next poll starts, and whether more are waiting there:
    /// a large document is caught up in several answers, each within the message limit.
    private static func operations(_ page: (ops: [String], next: Int, more: Bool), _ writer: inout JSONWriter) {
        writer.raw(",\"operations\":[")
        for (k, json) in page.ops.enumerated() {
            if k > 0 { writer.raw(",") }
            writer.bytes += Array(json.utf8)
        }
        writer.raw("],\"last_operation\":")
        writer.int(page.next)
        writer.raw(",\"more\":")
        writer.raw(page.more ? "true" : "false")
    }

    static func respond(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An error answered as `{"error":{"code":C,"message":M}}` with an HTTP status.
    struct Failure: HTTPResponseError {
        let status: HTTPResponse.Status
        let body: String
        /// Close the connection after the answer (the rest of an oversized body is not read).
        var closing = false

        func response(from request: Request, context: some RequestContext) throws -> Response {
            var response = Polling.respond(body, status: status)
            if closing { response.headers[.connection] = "close" }
            return response
        }
    }

    /// A document host's refusal of a batch, answered over HTTP: 403, 422 or 503.
    static func failure(_ refusal: DocumentHost.Refusal, _ hub: Hub) -> Failure {
        switch refusal {
        case .forbidden(let reason): failure(.forbidden, "forbidden", reason, hub)
        case .invalid(let reason): failure(.unprocessableContent, "invalid_op", reason, hub)
        case .unavailable(let reason): failure(.serviceUnavailable, "unavailable", reason, hub)
        }
    }

    static func failure(
        _ status: HTTPResponse.Status, _ code: String, _ message: String, _ hub: Hub? = nil, closing: Bool = false
    ) -> Failure {
        hub?.metrics.rejected(code)
        return Failure(status: status, body: ServerMessage.httpError(code, message), closing: closing)
    }
}
