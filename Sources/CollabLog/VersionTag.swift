import CollabCore

/// A named version (`collab tag`): a version of the document with a name that is unique
/// in its log, who named it, when, and why. Kept in the log itself — a named-version
/// record of a `.clog`, a `{"type":"tag",…}` line of a JSON-lines log — and never
/// removed by any automatic process (docs/versions.md).
public struct VersionTag: Equatable, Sendable {
    public var name: String
    public var version: VersionVector
    public var author: String
    /// Milliseconds since 1970 (UTC).
    public var time: Int64
    public var message: String?

    public init(name: String, version: VersionVector, author: String, time: Int64, message: String? = nil) {
        self.name = name
        self.version = version
        self.author = author
        self.time = time
        self.message = message
    }

    /// Why `name` cannot name a version, or nil: it must be 1 to 256 bytes of printable
    /// text and must not read as another kind of version (`head`, `@N`, a time, a vector).
    public static func problem(withName name: String) -> String? {
        if name.isEmpty || name.utf8.count > 256 { return "a tag name is 1 to 256 bytes" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "a tag name has no control characters" }
        if name == "head" || name.hasPrefix("@") || ISO8601.milliseconds(name) != nil || VersionVector(parsing: name) != nil {
            return "\(name.debugDescription) reads as a version already (head, @N, a time or client:count); pick another name"
        }
        return nil
    }

    /// The tag as one JSON object: `{"type":"tag","name":…,"version":{…},"author":…,
    /// "time":"…Z","message":…}` (no `message` when there is none).
    public var json: [UInt8] {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"tag\",\"name\":")
        writer.string(name)
        writer.raw(",\"version\":")
        version.json(&writer)
        writer.raw(",\"author\":")
        writer.string(author)
        writer.raw(",\"time\":")
        writer.string(ISO8601.format(milliseconds: time))
        if let message {
            writer.raw(",\"message\":")
            writer.string(message)
        }
        writer.raw("}")
        return writer.bytes
    }

    /// A tag from its JSON object, or nil when `bytes` is not a tag at all (no
    /// `"type":"tag"`); a tag that is malformed is an error saying what is wrong.
    public static func decode(_ bytes: some Collection<UInt8>) throws(OpFormatError) -> VersionTag? {
        guard case .object(let fields)? = try? JSONParser.parse(Array(bytes)) else { return nil }
        return try decode(fields: fields)
    }

    /// A tag from the fields of its JSON object, or nil when they are not a tag's.
    public static func decode(fields: [String: JSONValue]) throws(OpFormatError) -> VersionTag? {
        guard fields["type"] == .string("tag") else { return nil }
        func text(_ key: String) throws(OpFormatError) -> String {
            guard case .string(let value)? = fields[key] else { throw OpFormatError(path: key, message: "expected a string") }
            return value
        }
        for key in fields.keys where !["type", "name", "version", "author", "time", "message"].contains(key) {
            throw OpFormatError(path: key, message: "unknown field of a tag")
        }
        let name = try text("name")
        if let problem = problem(withName: name) { throw OpFormatError(path: "name", message: problem) }
        guard case .object(let entries)? = fields["version"] else { throw OpFormatError(path: "version", message: "expected an object of client counts") }
        var counts: [ClientId: Int] = [:]
        for (client, value) in entries {
            guard case .int(let count) = value, count >= 0, count <= Int64(Int32.max), !client.isEmpty else {
                throw OpFormatError(path: "version.\(client)", message: "expected a count of ids")
            }
            counts[client] = Int(count)
        }
        guard let time = ISO8601.milliseconds(try text("time")) else { throw OpFormatError(path: "time", message: "expected an ISO-8601 time") }
        let message: String? = fields["message"] == nil || fields["message"] == .null ? nil : try text("message")
        return VersionTag(name: name, version: VersionVector(counts), author: try text("author"), time: time, message: message)
    }
}
