import CollabCore
import CollabLog

/// The JSON messages the server sends (docs/protocol.md has their schemas).
enum Messages {
    static func error(_ code: String, _ message: String, docId: String? = nil) -> String {
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

    /// The JSON error form of HTTP answers: `{"error":{"code":C,"message":M}}`.
    static func httpError(_ code: String, _ message: String) -> String {
        var writer = JSONWriter()
        writer.raw("{\"error\":{\"code\":")
        writer.string(code)
        writer.raw(",\"message\":")
        writer.string(message)
        writer.raw("}}")
        return writer.text
    }

    /// `ops` (others' ops) or `sync_response` (with the server's `version`).
    static func ops(_ type: String, _ docId: String, _ ops: [Op], version: VersionVector? = nil) -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":")
        writer.string(type)
        writer.raw(",\"docId\":")
        writer.string(docId)
        writer.raw(",\"ops\":[")
        for (k, op) in ops.enumerated() {
            if k > 0 { writer.raw(",") }
            writer.bytes += Array(OpJSON.line(op).utf8)
        }
        writer.raw("]")
        if let version {
            writer.raw(",\"version\":")
            version.json(&writer)
        }
        writer.raw("}")
        return writer.text
    }

    /// `ops` from ops already encoded (objects separated by commas).
    static func ops(_ docId: String, json: String) -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"ops\",\"docId\":")
        writer.string(docId)
        return writer.text + ",\"ops\":[" + json + "]}"
    }

    /// A catch-up as `sync_response` messages, one per page of ops already encoded
    /// (`CatchUpPages`), each within `limit` bytes: every page but the last says
    /// `"last":false`; the last says `"last":true` and carries the server's version
    /// (alone, with no ops, when it would not fit beside the last page's ops).
    static func syncResponses(_ docId: String, pages: [String], version: VersionVector, limit: Int) -> [String] {
        var head = JSONWriter()
        head.raw("{\"type\":\"sync_response\",\"docId\":")
        head.string(docId)
        head.raw(",\"ops\":[")
        var tail = JSONWriter()
        tail.raw("],\"version\":")
        version.json(&tail)
        tail.raw(",\"last\":true}")
        let (opening, closing, more) = (head.text, tail.text, "],\"last\":false}")
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

    static func ack(_ docId: String, _ ids: [OpId]) -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"ack\",\"docId\":")
        writer.string(docId)
        writer.raw(",\"opIds\":")
        writer.list(ids) { $0.string($1.description) }
        writer.raw("}")
        return writer.text
    }

    static func authenticated(user: String, expiresAt: Int64) -> String {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"auth_ok\",\"user\":")
        writer.string(user)
        writer.raw(",\"expiresAt\":")
        writer.int(expiresAt)
        writer.raw("}")
        return writer.text
    }

    /// A version vector from a message's `since` (absent: nothing).
    static func version(from value: JSONValue?) -> VersionVector? {
        var version = VersionVector()
        switch value {
        case nil, .null?: return version
        case .object(let counts)?:
            for (client, count) in counts {
                guard case .int(let count) = count, count >= 0, count <= Int64(Int32.max), !client.isEmpty else { return nil }
                version[client] = Int(count)
            }
            return version
        default: return nil
        }
    }
}
