import CollabCore
import CollabLog
import CollabStorage
import Foundation
import Hummingbird

/// A document's history over HTTP, for the pages' history panel (docs/protocol.md), on
/// the same tokens and authorization rule as every other client. Versions are named as
/// the commands name them (`VersionSpec`: head, `@N`, a tag, a time, a version vector),
/// and everything is read through the document's host, between its writes.
///
/// - `GET /api/v2/history/DOC` → the tags and checkpoints (`collab versions --json`);
/// - `GET /api/v2/history/DOC?at=V` → the document at V as HTML (`materialize --at`);
/// - `GET /api/v2/history/DOC?from=V&to=W` → the track-changes diff (`collab diff`);
/// - `POST /api/v2/tags/DOC` `{"name","at"?,"message"?}` → the tag made (`collab tag`);
/// - `POST /api/v2/restore/DOC` `{"at"}` → the ids of the ops that make head show that
///   version again (`collab restore`), passed on to every follower.
enum HistoryAPI {
    static func routes(_ router: Router<ConnectionContext>, hub: Hub, gate: TokenGate) {
        router.get("/api/v2/history/**") { request, context -> Response in
            let (id, _, _, _) = try await WebPages.reader(request, context, hub: hub, gate: gate)
            let log = try await storedLog(id, hub)
            let query = request.uri.queryParameters
            var writer = JSONWriter()
            writer.raw("{\"id\":")
            writer.string(id)
            if let at = query["at"].map(String.init) {
                let document = try version(at, of: log, hub)
                writer.raw(",\"at\":")
                writer.string(at)
                writer.raw(",\"version\":")
                document.version.json(&writer)
                writer.raw(",\"html\":")
                writer.string(RichTextRendering.html(document))
            } else if let from = query["from"].map(String.init) {
                let to = query["to"].map(String.init) ?? "head"
                let old = try version(from, of: log, hub)
                let new = try version(to, of: log, hub)
                guard old.version.isIncluded(in: new.version) else {
                    throw Polling.failure(.badRequest, "bad_version", "\(from) (\(old.version)) is not part of \(to) (\(new.version)): compare the older with the newer", hub)
                }
                let hunks = try new.changes(from: old)
                writer.raw(",\"from\":")
                writer.string(from)
                writer.raw(",\"to\":")
                writer.string(to)
                writer.raw(DiffRendering.hasChanges(hunks) ? ",\"changed\":true" : ",\"changed\":false")
                writer.raw(",\"html\":")
                // No inline style: the pages' policy forbids it (their style sheet has it).
                writer.string(DiffRendering.html(hunks, styled: false))
            } else {
                writer.raw(",\"head\":")
                VersionSpec.vector(of: log.ops[...], from: log.baseVersion ?? VersionVector()).json(&writer)
                writer.raw(",\"versions\":")
                writer.list(LogVersion.all(in: log)) { $1.json(&$0) }
            }
            writer.raw("}")
            return Polling.respond(writer.text)
        }
        router.post("/api/v2/tags/**") { request, context -> Response in
            let (id, credentials, _, _) = try await WebPages.reader(request, context, hub: hub, gate: gate)
            try WebPages.require(.tag, of: credentials, on: id, hub)
            let body = try await Polling.json(request, context, hub)
            guard case .string(let name)? = body["name"] else { throw Polling.failure(.badRequest, "bad_message", "name is a string", hub) }
            if let problem = VersionTag.problem(withName: name) { throw Polling.failure(.badRequest, "bad_message", problem, hub) }
            let message: String? = if case .string(let text)? = body["message"], !text.isEmpty { text } else { nil }
            let at: String = if case .string(let text)? = body["at"] { text } else { "head" }
            let host = try await hub.host(id)
            let log = try await storedLog(id, hub)
            // Causally closed, or refused naming the missing op.
            let version = try self.version(at, of: log, hub).version
            let tag = VersionTag(name: name, version: version, author: credentials.user, time: Int64(Date().timeIntervalSince1970 * 1000), message: message)
            do {
                try await host.tag(tag)
            } catch LogError.badData(_, let reason) {
                throw Polling.failure(.conflict, "conflict", reason, hub)
            } catch let refusal as DocumentHost.Refusal {
                throw Polling.failure(refusal, hub)
            }
            return Polling.respond(String(decoding: tag.json, as: UTF8.self), status: .created)
        }
        router.post("/api/v2/restore/**") { request, context -> Response in
            let (id, credentials, _, _) = try await WebPages.reader(request, context, hub: hub, gate: gate)
            let body = try await Polling.json(request, context, hub)
            guard case .string(let at)? = body["at"] else { throw Polling.failure(.badRequest, "bad_message", "at names the version to restore", hub) }
            let host = try await hub.host(id)
            let target = try version(at, of: try await storedLog(id, hub), hub)
            // Ops of the user's own, apart from any page's (alice/restore).
            let client = "\(credentials.user)/restore"
            do {
                let ids = try await host.restore(to: HandedOver(target), as: credentials.holder, client: client)
                var writer = JSONWriter()
                writer.raw("{\"ack\":")
                writer.list(ids) { $0.string($1.description) }
                writer.raw("}")
                return Polling.respond(writer.text)
            } catch let refusal as DocumentHost.Refusal {
                throw Polling.failure(refusal, hub)
            }
        }
    }

    /// The document's log as stored now.
    private static func storedLog(_ id: String, _ hub: Hub) async throws -> OpLogFile {
        guard let log = try await (try hub.host(id)).storedLog() else { throw Polling.failure(.notFound, "not_found", "no document \(id)", hub) }
        return log.value
    }

    /// The document at a version named as the commands name them; 400 when there is no
    /// such version or it is not causally closed.
    private static func version(_ name: String, of log: OpLogFile, _ hub: Hub) throws -> Document {
        do {
            return try VersionSpec(parsing: name).document(of: log)
        } catch let problem as VersionSpec.Problem {
            throw Polling.failure(.badRequest, "bad_version", problem.description, hub)
        }
    }
}
