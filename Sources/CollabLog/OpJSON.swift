import CollabCore

/// Why an op's JSON form was refused: the path of the offending field and what was wrong.
public struct OpFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// The JSON form of ops (docs/ops.md, docs/op.schema.json): one object per op, one op per line.
public enum OpJSON {
    public static let opTypes = [
        "text_insert", "text_delete", "format_set", "comment_add", "comment_edit", "comment_resolve", "comment_delete",
        "block_insert", "block_set", "block_delete", "block_move",
    ]

    // MARK: Writing

    public static func encode(_ op: Op, into writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        id(op.id, &writer)
        writer.raw(",\"type\":")
        writer.string(op.typeName)
        writer.raw(",\"timestamp\":{\"wall\":")
        writer.int(op.timestamp.wall)
        writer.raw(",\"logical\":")
        writer.int(op.timestamp.logical)
        writer.raw("},\"payload\":")
        switch op.payload {
        case .textInsert(let insert):
            writer.raw("{\"block\":")
            optionalId(insert.block, &writer)
            writer.raw(",\"after\":")
            optionalId(insert.after, &writer)
            writer.raw(",\"before\":")
            optionalId(insert.before, &writer)
            writer.raw(",\"text\":")
            writer.string(insert.text)
            writer.raw("}")
        case .textDelete(let delete):
            writer.raw("{\"targets\":[")
            for (k, target) in delete.targets.enumerated() {
                if k > 0 { writer.raw(",") }
                writer.raw("{\"clientId\":")
                writer.string(target.start.client)
                writer.raw(",\"seq\":")
                writer.int(target.start.seq)
                writer.raw(",\"len\":")
                writer.int(target.length)
                if target.backward { writer.raw(",\"backward\":true") }
                writer.raw("}")
            }
            writer.raw("]}")
        case .formatSet(let format):
            writer.raw("{\"start\":")
            anchor(format.start, &writer)
            writer.raw(",\"end\":")
            anchor(format.end, &writer)
            writer.raw(",\"key\":")
            writer.string(format.key)
            writer.raw(",\"value\":")
            attributeValue(format.value, &writer)
            writer.raw("}")
        case .comment(let comment):
            commentPayload(comment, &writer)
        case .block(let block):
            blockPayload(block, &writer)
        }
        writer.raw("}")
    }

    /// A block op's payload object.
    static func blockPayload(_ block: BlockOp, _ writer: inout JSONWriter) {
        switch block {
        case .insert(let after, let before, let attributes):
            writer.raw("{\"after\":")
            optionalId(after, &writer)
            writer.raw(",\"before\":")
            optionalId(before, &writer)
            writer.raw(",\"attributes\":{")
            for (k, key) in attributes.keys.sorted().enumerated() {
                if k > 0 { writer.raw(",") }
                writer.string(key)
                writer.raw(":")
                attributeValue(attributes[key]!, &writer)
            }
            writer.raw("}")
        case .set(let id, let key, let value):
            writer.raw("{\"block\":")
            optionalId(id, &writer)
            writer.raw(",\"key\":")
            writer.string(key)
            writer.raw(",\"value\":")
            attributeValue(value, &writer)
        case .delete(let id, let until):
            writer.raw("{\"block\":")
            self.id(id, &writer)
            writer.raw(",\"until\":")
            optionalId(until, &writer)
        case .move(let id, let after, let before):
            writer.raw("{\"block\":")
            self.id(id, &writer)
            writer.raw(",\"after\":")
            optionalId(after, &writer)
            writer.raw(",\"before\":")
            optionalId(before, &writer)
        }
        writer.raw("}")
    }

    /// A comment op's payload object.
    static func commentPayload(_ comment: CommentOp, _ writer: inout JSONWriter) {
        switch comment {
        case .add(let start, let end, let replyTo, let text):
            writer.raw("{\"start\":")
            anchor(start, &writer)
            writer.raw(",\"end\":")
            anchor(end, &writer)
            writer.raw(",\"replyTo\":")
            optionalId(replyTo, &writer)
            writer.raw(",\"text\":")
            writer.string(text)
        case .edit(let id, let text):
            writer.raw("{\"comment\":")
            self.id(id, &writer)
            writer.raw(",\"text\":")
            writer.string(text)
        case .resolve(let id, let resolved):
            writer.raw("{\"comment\":")
            self.id(id, &writer)
            writer.raw(resolved ? ",\"resolved\":true" : ",\"resolved\":false")
        case .delete(let id):
            writer.raw("{\"comment\":")
            self.id(id, &writer)
        }
        writer.raw("}")
    }

    private static func anchor(_ anchor: MarkAnchor?, _ writer: inout JSONWriter) {
        guard let anchor else { return writer.raw("null") }
        writer.raw("{\"clientId\":")
        writer.string(anchor.id.client)
        writer.raw(",\"seq\":")
        writer.int(anchor.id.seq)
        writer.raw(",\"side\":")
        writer.string(anchor.side.rawValue)
        writer.raw("}")
    }

    private static func attributeValue(_ value: AttributeValue, _ writer: inout JSONWriter) {
        switch value {
        case .null: writer.raw("null")
        case .bool(let flag): writer.raw(flag ? "true" : "false")
        case .int(let number): writer.int(number)
        case .string(let text): writer.string(text)
        }
    }

    /// One op as a JSON text without a newline.
    public static func line(_ op: Op) -> String {
        var writer = JSONWriter()
        encode(op, into: &writer)
        return writer.text
    }

    private static func id(_ id: OpId, _ writer: inout JSONWriter) {
        writer.raw("{\"clientId\":")
        writer.string(id.client)
        writer.raw(",\"seq\":")
        writer.int(id.seq)
        writer.raw("}")
    }

    private static func optionalId(_ value: OpId?, _ writer: inout JSONWriter) {
        if let value { id(value, &writer) } else { writer.raw("null") }
    }

    // MARK: Reading

    public static func decode(_ value: JSONValue) throws(OpFormatError) -> Op {
        let fields = try object(value, "")
        try onlyKnown(fields, ["id", "type", "timestamp", "payload"], "")
        let id = try opId(field(fields, "id", ""), "id")
        let type = try string(field(fields, "type", ""), "type")
        let timestampFields = try object(field(fields, "timestamp", ""), "timestamp")
        try onlyKnown(timestampFields, ["wall", "logical"], "timestamp")
        let wall = try integer(field(timestampFields, "wall", "timestamp"), "timestamp.wall", min: 0)
        let logical = try integer(field(timestampFields, "logical", "timestamp"), "timestamp.logical", min: 0, max: Int64(Int32.max))
        let payload = try object(field(fields, "payload", ""), "payload")
        let timestamp = Timestamp(wall: wall, logical: Int32(logical))
        switch type {
        case "text_insert":
            try onlyKnown(payload, ["block", "after", "before", "text"], "payload")
            let text = try string(field(payload, "text", "payload"), "payload.text")
            guard !text.isEmpty else { throw OpFormatError(path: "payload.text", message: "must not be empty") }
            let insert = TextInsert(
                block: try optionalOpId(payload["block"], "payload.block"),
                after: try optionalOpId(payload["after"], "payload.after"),
                before: try optionalOpId(payload["before"], "payload.before"),
                text: text)
            return Op(id: id, timestamp: timestamp, payload: .textInsert(insert))
        case "text_delete":
            try onlyKnown(payload, ["targets"], "payload")
            guard case .array(let items) = try field(payload, "targets", "payload"), !items.isEmpty else {
                throw OpFormatError(path: "payload.targets", message: "expected a non-empty array")
            }
            var targets: [DeleteTarget] = []
            for (k, item) in items.enumerated() {
                let path = "payload.targets[\(k)]"
                let target = try object(item, path)
                try onlyKnown(target, ["clientId", "seq", "len", "backward"], path)
                let client = try clientId(field(target, "clientId", path), path + ".clientId")
                let seq = try integer(field(target, "seq", path), path + ".seq", min: 0, max: Int64(Int32.max))
                let length = try integer(field(target, "len", path), path + ".len", min: 1, max: Int64(Int32.max))
                var backward = false
                if let flag = target["backward"] {
                    guard case .bool(let value) = flag else { throw OpFormatError(path: path + ".backward", message: "expected a boolean") }
                    backward = value
                }
                if backward && length > seq + 1 { throw OpFormatError(path: path + ".len", message: "reaches below seq 0") }
                targets.append(DeleteTarget(start: OpId(client, Int(seq)), length: Int(length), backward: backward))
            }
            return Op(id: id, timestamp: timestamp, payload: .textDelete(TextDelete(targets: targets)))
        case "format_set":
            try onlyKnown(payload, ["start", "end", "key", "value"], "payload")
            let key = try string(field(payload, "key", "payload"), "payload.key")
            guard !key.isEmpty, key.utf8.count <= 256 else {
                throw OpFormatError(path: "payload.key", message: "an attribute name is 1 to 256 bytes")
            }
            let format = FormatSet(
                start: try anchor(field(payload, "start", "payload"), "payload.start"),
                end: try anchor(field(payload, "end", "payload"), "payload.end"), key: key,
                value: try attributeValue(field(payload, "value", "payload"), "payload.value"))
            return Op(id: id, timestamp: timestamp, payload: .formatSet(format))
        case "comment_add", "comment_edit", "comment_resolve", "comment_delete":
            return Op(id: id, timestamp: timestamp, payload: .comment(try commentOp(type, payload)))
        case "block_insert", "block_set", "block_delete", "block_move":
            return Op(id: id, timestamp: timestamp, payload: .block(try blockOp(type, payload)))
        default:
            let known = opTypes.joined(separator: ", ")
            throw OpFormatError(path: "type", message: "unknown op type \"\(type)\" (known: \(known))")
        }
    }

    /// Parses one line of a JSON-lines op file.
    public static func decode(line: some Collection<UInt8>) throws(OpFormatError) -> Op {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(line))
        } catch {
            throw OpFormatError(path: "", message: error.description)
        }
        return try decode(value)
    }

    private static func object(_ value: JSONValue, _ path: String) throws(OpFormatError) -> [String: JSONValue] {
        guard case .object(let fields) = value else {
            throw OpFormatError(path: path, message: "expected an object, found \(value.kindName)")
        }
        return fields
    }

    private static func field(_ fields: [String: JSONValue], _ key: String, _ path: String) throws(OpFormatError) -> JSONValue {
        guard let value = fields[key] else {
            throw OpFormatError(path: path.isEmpty ? key : "\(path).\(key)", message: "missing")
        }
        return value
    }

    private static func onlyKnown(_ fields: [String: JSONValue], _ known: Set<String>, _ path: String) throws(OpFormatError) {
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw OpFormatError(path: path.isEmpty ? unknown : "\(path).\(unknown)", message: "unknown field")
        }
    }

    private static func string(_ value: JSONValue, _ path: String) throws(OpFormatError) -> String {
        guard case .string(let text) = value else {
            throw OpFormatError(path: path, message: "expected a string, found \(value.kindName)")
        }
        return text
    }

    private static func clientId(_ value: JSONValue, _ path: String) throws(OpFormatError) -> String {
        let text = try string(value, path)
        if let problem = ClientIdGrammar.problem(with: text) { throw OpFormatError(path: path, message: problem) }
        return text
    }

    private static func integer(
        _ value: JSONValue, _ path: String, min: Int64, max: Int64 = Int64.max
    ) throws(OpFormatError) -> Int64 {
        guard case .int(let number) = value else {
            throw OpFormatError(path: path, message: "expected an integer, found \(value.kindName)")
        }
        guard number >= min && number <= max else {
            throw OpFormatError(path: path, message: "\(number) is out of range \(min)...\(max)")
        }
        return number
    }

    /// An op id in the JSON form, `{"clientId":"alice","seq":4}` (as presence cursors use).
    public static func decodeId(_ value: JSONValue, path: String) throws(OpFormatError) -> OpId {
        try opId(value, path)
    }

    private static func opId(_ value: JSONValue, _ path: String) throws(OpFormatError) -> OpId {
        let fields = try object(value, path)
        try onlyKnown(fields, ["clientId", "seq"], path)
        let client = try clientId(field(fields, "clientId", path), path + ".clientId")
        let seq = try integer(field(fields, "seq", path), path + ".seq", min: 0, max: Int64(Int32.max))
        return OpId(client, Int(seq))
    }

    private static func anchor(_ value: JSONValue, _ path: String) throws(OpFormatError) -> MarkAnchor? {
        if value == .null { return nil }
        let fields = try object(value, path)
        try onlyKnown(fields, ["clientId", "seq", "side"], path)
        let client = try clientId(field(fields, "clientId", path), path + ".clientId")
        let seq = try integer(field(fields, "seq", path), path + ".seq", min: 0, max: Int64(Int32.max))
        guard let side = MarkAnchor.Side(rawValue: try string(field(fields, "side", path), path + ".side")) else {
            throw OpFormatError(path: path + ".side", message: "expected \"before\" or \"after\"")
        }
        return MarkAnchor(OpId(client, Int(seq)), side)
    }

    /// The payload object of a comment or block op, as JSON bytes (how .clog stores them).
    static func payload(of payload: Op.Payload) -> [UInt8] {
        var writer = JSONWriter()
        switch payload {
        case .comment(let comment): commentPayload(comment, &writer)
        case .block(let block): blockPayload(block, &writer)
        default: preconditionFailure("only comment and block ops are stored as JSON payloads")
        }
        return writer.bytes
    }

    /// A comment or block op's payload from its type and JSON bytes.
    static func payload(type: String, json bytes: ArraySlice<UInt8>, at offset: Int) throws(DecodeError) -> Op.Payload {
        guard case .object(let payload)? = try? JSONParser.parse(Array(bytes)) else {
            throw DecodeError(offset: offset, reason: "a \(type) payload is not a JSON object")
        }
        do {
            if type.hasPrefix("comment_") { return .comment(try commentOp(type, payload)) }
            return .block(try blockOp(type, payload))
        } catch {
            throw DecodeError(offset: offset, reason: error.description)
        }
    }

    /// A block op's payload, by type name.
    static func blockOp(_ type: String, _ payload: [String: JSONValue]) throws(OpFormatError) -> BlockOp {
        func name(_ key: String, _ path: String) throws(OpFormatError) -> String {
            guard !key.isEmpty, key.utf8.count <= 256 else { throw OpFormatError(path: path, message: "an attribute name is 1 to 256 bytes") }
            return key
        }
        switch type {
        case "block_insert":
            try onlyKnown(payload, ["after", "before", "attributes"], "payload")
            let fields = try object(field(payload, "attributes", "payload"), "payload.attributes")
            var attributes: [String: AttributeValue] = [:]
            for (key, value) in fields {
                attributes[try name(key, "payload.attributes")] = try attributeValue(value, "payload.attributes.\(key)")
            }
            return .insert(
                after: try optionalOpId(payload["after"], "payload.after"), before: try optionalOpId(payload["before"], "payload.before"),
                attributes: attributes)
        case "block_set":
            try onlyKnown(payload, ["block", "key", "value"], "payload")
            return .set(
                block: try optionalOpId(try field(payload, "block", "payload"), "payload.block"),
                key: try name(try string(field(payload, "key", "payload"), "payload.key"), "payload.key"),
                value: try attributeValue(field(payload, "value", "payload"), "payload.value"))
        case "block_move":
            try onlyKnown(payload, ["block", "after", "before"], "payload")
            return .move(
                block: try opId(field(payload, "block", "payload"), "payload.block"),
                after: try optionalOpId(payload["after"], "payload.after"), before: try optionalOpId(payload["before"], "payload.before"))
        default:
            try onlyKnown(payload, ["block", "until"], "payload")
            return .delete(
                block: try opId(field(payload, "block", "payload"), "payload.block"),
                until: try optionalOpId(payload["until"], "payload.until"))
        }
    }

    /// A comment op's payload, by type name.
    static func commentOp(_ type: String, _ payload: [String: JSONValue]) throws(OpFormatError) -> CommentOp {
        func text() throws(OpFormatError) -> String {
            let text = try string(field(payload, "text", "payload"), "payload.text")
            guard !text.isEmpty else { throw OpFormatError(path: "payload.text", message: "must not be empty") }
            return text
        }
        switch type {
        case "comment_add":
            try onlyKnown(payload, ["start", "end", "replyTo", "text"], "payload")
            let start = try anchor(payload["start"] ?? .null, "payload.start")
            let end = try anchor(payload["end"] ?? .null, "payload.end")
            let replyTo = try optionalOpId(payload["replyTo"], "payload.replyTo")
            guard (replyTo == nil) == (start != nil && end != nil), replyTo == nil || (start == nil && end == nil) else {
                throw OpFormatError(path: "payload", message: "a comment has start and end anchors, or a replyTo and neither")
            }
            return .add(start: start, end: end, replyTo: replyTo, text: try text())
        case "comment_edit":
            try onlyKnown(payload, ["comment", "text"], "payload")
            return .edit(comment: try opId(field(payload, "comment", "payload"), "payload.comment"), text: try text())
        case "comment_resolve":
            try onlyKnown(payload, ["comment", "resolved"], "payload")
            guard case .bool(let resolved) = try field(payload, "resolved", "payload") else {
                throw OpFormatError(path: "payload.resolved", message: "expected a boolean")
            }
            return .resolve(comment: try opId(field(payload, "comment", "payload"), "payload.comment"), resolved: resolved)
        default:
            try onlyKnown(payload, ["comment"], "payload")
            return .delete(comment: try opId(field(payload, "comment", "payload"), "payload.comment"))
        }
    }

    /// An attribute's value: a JSON scalar other than a fraction.
    public static func attributeValue(_ value: JSONValue, _ path: String) throws(OpFormatError) -> AttributeValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .string(let text): return .string(text)
        default: throw OpFormatError(path: path, message: "expected null, a boolean, an integer or a string, found \(value.kindName)")
        }
    }

    /// An attribute value as JSON.
    public static func jsonValue(of value: AttributeValue) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .string(let text): .string(text)
        }
    }

    private static func optionalOpId(_ value: JSONValue?, _ path: String) throws(OpFormatError) -> OpId? {
        guard let value, value != .null else { return nil }
        return try opId(value, path)
    }
}
