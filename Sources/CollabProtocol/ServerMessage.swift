import CollabCore
import CollabLog

/// A message `collab serve` sends (docs/protocol.md), as a value: the server writes these,
/// and `collab sync`, `watch`, `loadtest` and the tests read them, through this one
/// definition. The server's hot paths write pages of ops already encoded
/// (`opsMessage(docId:json:)`, `syncResponses`).
public enum ServerMessage: Equatable, Sendable {
    case authenticated(user: String, expiresAt: Int64)
    /// The document's state (`ReplicaState`, in its JSON form) for a fresh replica that
    /// asked for it (`join` with `state`); the catch-up from its version follows.
    case syncState(docId: String, state: JSONValue)
    /// A page of a catch-up; the last one (`last`) carries the server's version.
    case syncResponse(docId: String, ops: [Op], last: Bool, version: VersionVector?)
    /// The batch with these ops is durable.
    case ack(docId: String, opIds: [OpId])
    /// Others' ops, once durable.
    case ops(docId: String, ops: [Op])
    case presence(PresenceUpdate)
    case error(code: String, docId: String?, message: String)

    /// The `type` of each message.
    public enum Kind: String, Sendable, CaseIterable {
        case authenticated = "auth_ok"
        case syncState = "sync_state"
        case syncResponse = "sync_response"
        case ack, ops, presence, error
    }

    public var kind: Kind {
        switch self {
        case .authenticated: .authenticated
        case .syncState: .syncState
        case .syncResponse: .syncResponse
        case .ack: .ack
        case .ops: .ops
        case .presence: .presence
        case .error: .error
        }
    }

    /// The document the message is about, if any.
    public var docId: String? {
        switch self {
        case .authenticated: nil
        case .syncState(let docId, _), .syncResponse(let docId, _, _, _), .ack(let docId, _), .ops(let docId, _): docId
        case .presence(let update): update.docId
        case .error(_, let docId, _): docId
        }
    }

    /// The message's JSON text.
    public var json: String {
        switch self {
        case .authenticated(let user, let expiresAt):
            var writer = JSONWriter()
            writer.raw("{\"type\":\"auth_ok\",\"user\":")
            writer.string(user)
            writer.raw(",\"expiresAt\":")
            writer.int(expiresAt)
            writer.raw("}")
            return writer.text
        case .syncState(let docId, let state):
            var writer = JSONWriter()
            writer.value(state)
            return Self.syncStateMessage(docId: docId, stateJSON: writer.text)
        case .syncResponse(let docId, let ops, let last, let version):
            var writer = Self.opening("sync_response", docId)
            writer.ops(ops)
            writer.raw("]")
            if let version {
                writer.raw(",\"version\":")
                version.json(&writer)
            }
            writer.raw(last ? ",\"last\":true}" : ",\"last\":false}")
            return writer.text
        case .ack(let docId, let ids):
            var writer = JSONWriter()
            writer.raw("{\"type\":\"ack\",\"docId\":")
            writer.string(docId)
            writer.raw(",\"opIds\":")
            writer.list(ids) { $0.string($1.description) }
            writer.raw("}")
            return writer.text
        case .ops(let docId, let ops):
            var writer = Self.opening("ops", docId)
            writer.ops(ops)
            writer.raw("]}")
            return writer.text
        case .presence(let update):
            return update.json
        case .error(let code, let docId, let message):
            var writer = JSONWriter()
            writer.raw("{\"type\":\"error\",\"code\":")
            writer.string(code)
            if let docId {
                writer.raw(",\"docId\":")
                writer.string(docId)
            }
            writer.raw(",\"message\":")
            writer.string(message)
            writer.raw("}")
            return writer.text
        }
    }

    /// `{"type":T,"docId":D,"ops":[`
    private static func opening(_ type: StaticString, _ docId: String) -> JSONWriter {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"")
        writer.raw(type)
        writer.raw("\",\"docId\":")
        writer.string(docId)
        writer.raw(",\"ops\":[")
        return writer
    }


    // MARK: The server's forms of pages already encoded

    /// `sync_state` from a state already encoded (`ReplicaState.json`).
    public static func syncStateMessage(docId: String, stateJSON: String) -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"sync_state\",\"docId\":")
        writer.string(docId)
        return writer.text + ",\"state\":" + stateJSON + "}"
    }

    /// `ops` from ops already encoded (objects separated by commas).
    public static func opsMessage(docId: String, json: String) -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"ops\",\"docId\":")
        writer.string(docId)
        return writer.text + ",\"ops\":[" + json + "]}"
    }

    /// A catch-up as `sync_response` messages, one per page of ops already encoded, each
    /// within `limit` bytes: every page but the last says `"last":false`; the last says
    /// `"last":true` and carries the server's version (alone, with no ops, when it would
    /// not fit beside the last page's ops).
    public static func syncResponses(docId: String, pages: [String], version: VersionVector, limit: Int) -> [String] {
        let opening = opening("sync_response", docId).text
        var tail = JSONWriter()
        tail.raw("],\"version\":")
        version.json(&tail)
        tail.raw(",\"last\":true}")
        let (closing, more) = (tail.text, "],\"last\":false}")
        var messages = pages.dropLast().map { opening + $0 + more }
        let last = pages.last ?? ""
        if !last.isEmpty && opening.utf8.count + last.utf8.count + closing.utf8.count > limit {
            messages.append(opening + last + more)
            messages.append(opening + closing)
        } else {
            messages.append(opening + last + closing)
        }
        return messages
    }

    /// The JSON error form of HTTP answers: `{"error":{"code":C,"message":M}}`.
    public static func httpError(_ code: String, _ message: String) -> String {
        var writer = JSONWriter()
        writer.raw("{\"error\":{\"code\":")
        writer.string(code)
        writer.raw(",\"message\":")
        writer.string(message)
        writer.raw("}}")
        return writer.text
    }

    // MARK: Reading

    /// The kind of a message the server wrote, from its first bytes, without reading the
    /// rest (a load generator reads thousands a second); nil for another text.
    public static func kind(of text: String) -> Kind? {
        guard text.hasPrefix("{\"type\":\"") else { return nil }
        let rest = text.utf8.dropFirst(9)
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return Kind(rawValue: String(decoding: rest[..<end], as: UTF8.self))
    }

    /// Reads a message; a text that is no message of this protocol is refused.
    public static func decode(_ text: String) throws(ProtocolProblem) -> ServerMessage {
        guard case .object(let fields)? = try? JSONParser.parse(text), case .string(let type)? = fields["type"], let kind = Kind(rawValue: type) else {
            throw ProtocolProblem("not a message of the protocol: \(text.prefix(200))")
        }
        let reader = FieldReader(fields: fields, type: type)
        switch kind {
        case .authenticated:
            return .authenticated(user: try reader.string("user"), expiresAt: try reader.integer("expiresAt"))
        case .syncState:
            guard case .object? = fields["state"] else { throw reader.problem("state") }
            return .syncState(docId: try reader.string("docId"), state: fields["state"]!)
        case .syncResponse:
            let version = fields["version"] == nil ? nil : try reader.version("version")
            return .syncResponse(docId: try reader.string("docId"), ops: try reader.ops("ops"), last: try reader.bool("last"), version: version)
        case .ack:
            return .ack(docId: try reader.string("docId"), opIds: try reader.opIds("opIds"))
        case .ops:
            return .ops(docId: try reader.string("docId"), ops: try reader.ops("ops"))
        case .presence:
            guard let state = PresenceUpdate.State(rawValue: try reader.string("state")) else { throw reader.problem("state") }
            var presence: Presence?
            // A session that joined and told nothing yet, or left, has no presence fields.
            if ["cursor", "name", "color", "typing"].contains(where: { fields[$0] != nil }) {
                do {
                    presence = try Presence(message: fields)
                } catch {
                    throw ProtocolProblem("presence: \(error.description)")
                }
            }
            return .presence(PresenceUpdate(
                docId: try reader.string("docId"), session: try reader.string("session"), user: try reader.string("user"), state: state,
                presence: presence))
        case .error:
            let docId = fields["docId"] == nil ? nil : try reader.string("docId")
            return .error(code: try reader.string("code"), docId: docId, message: try reader.string("message"))
        }
    }
}

/// What a `presence` message says: who (a session of a user) joined, moved or left.
public struct PresenceUpdate: Equatable, Sendable {
    public enum State: String, Sendable {
        case joined, update, left
    }

    public var docId: String
    public var session: String
    public var user: String
    public var state: State
    /// The caret, name and colour; nil for one that has just joined and told nothing yet,
    /// or left.
    public var presence: Presence?

    public init(docId: String, session: String, user: String, state: State, presence: Presence?) {
        self.docId = docId
        self.session = session
        self.user = user
        self.state = state
        self.presence = presence
    }

    public var json: String {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"presence\",\"docId\":")
        writer.string(docId)
        writer.raw(",\"session\":")
        writer.string(session)
        writer.raw(",\"user\":")
        writer.string(user)
        writer.raw(",\"state\":")
        writer.string(state.rawValue)
        presence?.fields(&writer)
        writer.raw("}")
        return writer.text
    }
}

/// Why a text is not the message it should be.
public struct ProtocolProblem: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Typed fields of a message, each refused with a problem that names it.
struct FieldReader {
    let fields: [String: JSONValue]
    let type: String

    func problem(_ name: String) -> ProtocolProblem {
        ProtocolProblem("\(type): \(name) is missing or not what the protocol says")
    }

    func string(_ name: String) throws(ProtocolProblem) -> String {
        guard case .string(let value)? = fields[name] else { throw problem(name) }
        return value
    }

    func integer(_ name: String) throws(ProtocolProblem) -> Int64 {
        guard case .int(let value)? = fields[name] else { throw problem(name) }
        return value
    }

    func bool(_ name: String) throws(ProtocolProblem) -> Bool {
        guard case .bool(let value)? = fields[name] else { throw problem(name) }
        return value
    }

    func version(_ name: String) throws(ProtocolProblem) -> VersionVector {
        guard let version = VersionVector(message: fields[name]) else { throw problem(name) }
        return version
    }

    func ops(_ name: String) throws(ProtocolProblem) -> [Op] {
        guard case .array(let items)? = fields[name] else { throw problem(name) }
        var ops: [Op] = []
        ops.reserveCapacity(items.count)
        for item in items {
            do {
                ops.append(try OpJSON.decode(item))
            } catch {
                throw ProtocolProblem("\(type): \(error)")
            }
        }
        return ops
    }

    func opIds(_ name: String) throws(ProtocolProblem) -> [OpId] {
        guard case .array(let items)? = fields[name] else { throw problem(name) }
        return try items.map { (item) throws(ProtocolProblem) -> OpId in
            guard case .string(let text) = item, let colon = text.lastIndex(of: ":"), let seq = Int(text[text.index(after: colon)...]) else {
                throw problem(name)
            }
            return OpId(String(text[..<colon]), seq)
        }
    }
}

extension JSONWriter {
    /// Ops in their JSON form, separated by commas (the inside of a message's `ops`).
    mutating func ops(_ ops: [Op]) {
        for (k, op) in ops.enumerated() {
            if k > 0 { raw(",") }
            bytes += Array(OpJSON.line(op).utf8)
        }
    }
}

extension VersionVector {
    /// A version vector in a message (`since`, `version`): `{client: count}`; absent or
    /// null is the empty version; nil for anything else.
    public init?(message value: JSONValue?) {
        self.init()
        switch value {
        case nil, .null?: return
        case .object(let counts)?:
            for (client, count) in counts {
                guard case .int(let count) = count, count >= 0, count <= Int64(Int32.max), !client.isEmpty else { return nil }
                self[client] = Int(count)
            }
        default: return nil
        }
    }
}
