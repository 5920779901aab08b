import CollabCore
import CollabLog

/// A message a client sends to `collab serve` (docs/protocol.md), as a value: `collab
/// sync`, `watch`, `loadtest` and the tests write these, and the server reads them as
/// `ReceivedMessage`, through this one definition.
public enum ClientMessage: Equatable, Sendable {
    /// The token (first, or to renew it); a link share's password.
    case auth(token: String, password: String?)
    /// Follow a document; `since`, the version the client has; `replica`, the client id
    /// this replica writes as; `state`, a fresh replica that would rather start from the
    /// document's state (`sync_state`) than from every op.
    case join(docId: String, since: VersionVector?, replica: String?, state: Bool = false)
    case syncRequest(docId: String, since: VersionVector?)
    case ops(docId: String, ops: [Op])
    /// Splices at positions read against `version`, made ops of `clientId` by the server.
    case edit(docId: String, clientId: String, version: VersionVector, patches: [Patch])
    case presence(docId: String, Presence)
    case leave(docId: String)

    /// One splice of an `edit`: `deleteCount` characters at `position` replaced by `text`.
    public struct Patch: Equatable, Sendable {
        public var position: Int
        public var deleteCount: Int
        public var text: String

        public init(position: Int, deleteCount: Int, text: String) {
            self.position = position
            self.deleteCount = deleteCount
            self.text = text
        }
    }

    /// The `type` of each message.
    public enum Kind: String, Sendable, CaseIterable {
        case auth, join
        case syncRequest = "sync_request"
        case ops, edit, presence, leave
    }

    public var kind: Kind {
        switch self {
        case .auth: .auth
        case .join: .join
        case .syncRequest: .syncRequest
        case .ops: .ops
        case .edit: .edit
        case .presence: .presence
        case .leave: .leave
        }
    }

    /// The message's JSON text.
    public var json: String {
        var writer = JSONWriter()
        writer.raw("{\"type\":")
        writer.string(kind.rawValue)
        switch self {
        case .auth(let token, let password):
            writer.raw(",\"token\":")
            writer.string(token)
            if let password {
                writer.raw(",\"password\":")
                writer.string(password)
            }
        case .join(let docId, let since, let replica, let state):
            Self.docId(docId, &writer)
            if let replica {
                writer.raw(",\"replica\":")
                writer.string(replica)
            }
            if let since {
                writer.raw(",\"since\":")
                since.json(&writer)
            }
            if state { writer.raw(",\"state\":true") }
        case .syncRequest(let docId, let since):
            Self.docId(docId, &writer)
            if let since {
                writer.raw(",\"since\":")
                since.json(&writer)
            }
        case .ops(let docId, let ops):
            Self.docId(docId, &writer)
            writer.raw(",\"ops\":[")
            writer.ops(ops)
            writer.raw("]")
        case .edit(let docId, let clientId, let version, let patches):
            Self.docId(docId, &writer)
            writer.raw(",\"clientId\":")
            writer.string(clientId)
            writer.raw(",\"version\":")
            version.json(&writer)
            writer.raw(",\"patches\":")
            writer.list(patches) { writer, patch in
                writer.raw("[")
                writer.int(patch.position)
                writer.raw(",")
                writer.int(patch.deleteCount)
                writer.raw(",")
                writer.string(patch.text)
                writer.raw("]")
            }
        case .presence(let docId, let presence):
            Self.docId(docId, &writer)
            presence.fields(&writer)
        case .leave(let docId):
            Self.docId(docId, &writer)
        }
        writer.raw("}")
        return writer.text
    }

    private static func docId(_ docId: String, _ writer: inout JSONWriter) {
        writer.raw(",\"docId\":")
        writer.string(docId)
    }
}

/// A client's message as the server reads it: its kind, and its fields read one by one in
/// the order the server checks them (whether the client joined the document comes before
/// what its ops hold), each refused as `bad_message` or `invalid_op` with the reason.
public struct ReceivedMessage: Sendable {
    /// The `type` as sent, and the kind it names (nil for an unknown type).
    public let type: String
    public let kind: ClientMessage.Kind?
    public let fields: [String: JSONValue]

    /// A refusal: the error code and message the server answers with.
    public struct Refusal: Error, Sendable {
        public let code: String
        public let message: String
    }

    /// Reads a message's envelope; a text that is no JSON object with a type is refused.
    public init(_ text: String) throws(Refusal) {
        guard case .object(let fields)? = try? JSONParser.parse(text), case .string(let type)? = fields["type"] else {
            throw Refusal(code: "bad_message", message: "a message is a JSON object with a type")
        }
        self.type = type
        kind = ClientMessage.Kind(rawValue: type)
        self.fields = fields
    }

    /// The document it names, unchecked (the server checks it is a document id).
    public var docId: String? {
        if case .string(let docId)? = fields["docId"] { docId } else { nil }
    }

    private static func bad(_ message: String) -> Refusal { Refusal(code: "bad_message", message: message) }

    /// An optional string field (`password`, `replica`).
    public func optionalString(_ name: String, _ what: String) throws(Refusal) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw Self.bad(what)
        }
    }

    /// `since` or `version`; absent is the empty version.
    public func version(_ name: String, _ what: String) throws(Refusal) -> VersionVector {
        guard let version = VersionVector(message: fields[name]) else { throw Self.bad(what) }
        return version
    }

    /// The ops of an `ops` message: a malformed one is `invalid_op`.
    public func ops() throws(Refusal) -> [Op] {
        guard case .array(let items)? = fields["ops"], !items.isEmpty else { throw Self.bad("ops is a non-empty array of ops") }
        var ops: [Op] = []
        ops.reserveCapacity(items.count)
        for item in items {
            do {
                ops.append(try OpJSON.decode(item))
            } catch {
                throw Refusal(code: "invalid_op", message: "\(error)")
            }
        }
        return ops
    }

    /// Whether a `join` asks for the document's state (`state`: true).
    public func wantsState() throws(Refusal) -> Bool {
        switch fields["state"] {
        case nil, .null?: return false
        case .bool(let wanted)?: return wanted
        default: throw Self.bad("state is true or false")
        }
    }

    /// The presence a `presence` message tells.
    public func presence() throws(Refusal) -> Presence {
        do {
            return try Presence(message: fields)
        } catch {
            throw Self.bad(error.description)
        }
    }

    /// The whole message as a value (for a reader that needs no particular order of
    /// checks: the tests, a proxy).
    public func message() throws(Refusal) -> ClientMessage {
        guard let kind else { throw Self.bad("unknown message type \(type)") }
        if kind == .auth {
            guard case .string(let token)? = fields["token"] else { throw Self.bad("auth carries a token") }
            return .auth(token: token, password: try optionalString("password", "password is a string"))
        }
        guard let docId else { throw Self.bad("a message names a valid docId") }
        let since = fields["since"] == nil ? nil : try version("since", "since is a version vector {client: count}")
        switch kind {
        case .auth: preconditionFailure("read above")
        case .join:
            return .join(docId: docId, since: since, replica: try optionalString("replica", "replica is a client id"), state: try wantsState())
        case .syncRequest: return .syncRequest(docId: docId, since: since)
        case .ops: return .ops(docId: docId, ops: try ops())
        case .edit:
            guard case .string(let client)? = fields["clientId"] else { throw Self.bad("clientId is a client id") }
            guard case .array(let items)? = fields["patches"] else { throw Self.bad("patches is an array of [position, deleteCount, text]") }
            let patches = try items.map { (item) throws(Refusal) -> ClientMessage.Patch in
                guard case .array(let parts) = item, parts.count == 3, case .int(let position) = parts[0], case .int(let count) = parts[1],
                    case .string(let text) = parts[2]
                else { throw Self.bad("a patch is [position, deleteCount, text]") }
                return ClientMessage.Patch(position: Int(position), deleteCount: Int(count), text: text)
            }
            return .edit(docId: docId, clientId: client, version: try version("version", "version is a version vector"), patches: patches)
        case .presence: return .presence(docId: docId, try presence())
        case .leave: return .leave(docId: docId)
        }
    }
}
