import CollabCore
import CollabLog

/// Where one client is in a document and what it shows of itself: a cursor and
/// selection as character ids (so they stay put under concurrent edits), a name, a
/// colour, whether it is typing. Passed on to the document's other clients, never
/// written to the log.
public struct Presence: Equatable, Sendable {
    /// The selection's fixed end and moving end; equal for a caret. A nil end is the
    /// document's start.
    public var anchor: OpId?
    public var head: OpId?
    public var hasCursor = false
    public var name: String?
    public var color: String?
    public var typing = false

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// A caret at `anchor` (and a selection to `head`), with a name and colour.
    public init(cursor: (anchor: OpId?, head: OpId?)? = nil, name: String? = nil, color: String? = nil, typing: Bool = false) {
        if let cursor {
            hasCursor = true
            anchor = cursor.anchor
            head = cursor.head
        }
        self.name = name
        self.color = color
        self.typing = typing
    }

    /// Reads a client's `presence` message, keeping only the known fields, checked.
    public init(message fields: [String: JSONValue]) throws(Problem) {
        switch fields["cursor"] {
        case nil, .null?: break
        case .object(let cursor)?:
            hasCursor = true
            anchor = try Self.id(cursor["anchor"], "cursor.anchor")
            head = try Self.id(cursor["head"] ?? cursor["anchor"], "cursor.head")
        default: throw Problem(description: "cursor is an object {anchor, head} of character ids, or null")
        }
        switch fields["name"] {
        case nil, .null?: break
        case .string(let name)? where !name.isEmpty && name.count <= 100: self.name = name
        default: throw Problem(description: "name is a string of 1 to 100 characters")
        }
        switch fields["color"] {
        case nil, .null?: break
        case .string(let color)? where Self.isHexColor(color): self.color = color
        default: throw Problem(description: "color is #rrggbb")
        }
        switch fields["typing"] {
        case nil, .null?: break
        case .bool(let typing)?: self.typing = typing
        default: throw Problem(description: "typing is true or false")
        }
    }

    private static func id(_ value: JSONValue?, _ path: String) throws(Problem) -> OpId? {
        guard let value, value != .null else { return nil }
        do {
            return try OpJSON.decodeId(value, path: path)
        } catch {
            throw Problem(description: "\(error)")
        }
    }

    private static func isHexColor(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 7 && bytes[0] == UInt8(ascii: "#")
            && bytes.dropFirst().allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }

    /// Its fields in a message: `,"cursor":…,"name":…,"color":…,"typing":…`.
    func fields(_ writer: inout JSONWriter) {
        if hasCursor {
            writer.raw(",\"cursor\":{\"anchor\":")
            Self.id(anchor, &writer)
            writer.raw(",\"head\":")
            Self.id(head, &writer)
            writer.raw("}")
        }
        if let name {
            writer.raw(",\"name\":")
            writer.string(name)
        }
        if let color {
            writer.raw(",\"color\":")
            writer.string(color)
        }
        writer.raw(typing ? ",\"typing\":true" : ",\"typing\":false")
    }

    private static func id(_ id: OpId?, _ writer: inout JSONWriter) {
        guard let id else { return writer.raw("null") }
        writer.raw("{\"clientId\":")
        writer.string(id.client)
        writer.raw(",\"seq\":")
        writer.int(id.seq)
        writer.raw("}")
    }
}
