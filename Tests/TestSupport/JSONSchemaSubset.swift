import CollabLog

/// A validator for the part of JSON Schema 2020-12 that docs/op.schema.json and
/// docs/protocol.schema.json use:
/// `type`, `const`, `enum`, `properties`, `required`, `additionalProperties: false`,
/// `items`, `prefixItems`, `minItems`, `maxItems`, string and number bounds, `oneOf`,
/// `anyOf` and local `$ref`s.
/// A keyword outside that part is reported, so the schema cannot quietly outgrow it.
public struct JSONSchemaSubset {
    public let root: JSONValue

    public init(root: JSONValue) {
        self.root = root
    }

    static let understood: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "const", "enum", "properties",
        "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "minLength", "maxLength", "minimum",
        "maximum", "oneOf", "anyOf",
    ]

    /// Every reason `value` does not match, with a JSON-pointer-like path; empty when it matches.
    public func violations(of value: JSONValue) -> [String] {
        violations(of: value, against: root, at: "")
    }

    private func violations(of value: JSONValue, against schema: JSONValue, at path: String) -> [String] {
        guard case .object(let keywords) = schema else { return ["\(path): schema is not an object"] }
        var found: [String] = []
        for key in keywords.keys where !Self.understood.contains(key) {
            found.append("\(path): schema keyword \(key) is not supported by the test validator")
        }
        if case .string(let reference)? = keywords["$ref"] {
            guard let target = resolve(reference) else { return ["\(path): unresolvable $ref \(reference)"] }
            found += violations(of: value, against: target, at: path)
        }
        if case .string(let type)? = keywords["type"], !Self.matches(value, type: type) {
            found.append("\(path): expected \(type), found \(value.kindName)")
        }
        if let constant = keywords["const"], constant != value { found.append("\(path): expected \(constant)") }
        if case .array(let options)? = keywords["enum"], !options.contains(value) {
            found.append("\(path): not one of the allowed values")
        }
        if case .string(let text) = value {
            let length = text.unicodeScalars.count
            if case .int(let minimum)? = keywords["minLength"], length < minimum { found.append("\(path): shorter than \(minimum)") }
            if case .int(let maximum)? = keywords["maxLength"], length > maximum { found.append("\(path): longer than \(maximum)") }
        }
        if case .int(let number) = value {
            if case .int(let minimum)? = keywords["minimum"], number < minimum { found.append("\(path): below \(minimum)") }
            if case .int(let maximum)? = keywords["maximum"], number > maximum { found.append("\(path): above \(maximum)") }
        }
        if case .array(let items) = value {
            if case .int(let minimum)? = keywords["minItems"], items.count < minimum {
                found.append("\(path): fewer than \(minimum) items")
            }
            if case .int(let maximum)? = keywords["maxItems"], items.count > maximum {
                found.append("\(path): more than \(maximum) items")
            }
            if case .array(let prefix)? = keywords["prefixItems"] {
                for (k, item) in items.prefix(prefix.count).enumerated() { found += violations(of: item, against: prefix[k], at: "\(path)/\(k)") }
            }
            if let itemSchema = keywords["items"] {
                for (k, item) in items.enumerated() { found += violations(of: item, against: itemSchema, at: "\(path)/\(k)") }
            }
        }
        if case .object(let fields) = value {
            let properties: [String: JSONValue]
            if case .object(let declared)? = keywords["properties"] { properties = declared } else { properties = [:] }
            if case .array(let required)? = keywords["required"] {
                for case .string(let name) in required where fields[name] == nil { found.append("\(path)/\(name): missing") }
            }
            for (name, field) in fields {
                if let fieldSchema = properties[name] {
                    found += violations(of: field, against: fieldSchema, at: "\(path)/\(name)")
                } else if keywords["additionalProperties"] == .bool(false) {
                    found.append("\(path)/\(name): not allowed")
                }
            }
        }
        if case .array(let options)? = keywords["oneOf"] {
            let passing = options.filter { violations(of: value, against: $0, at: path).isEmpty }.count
            if passing != 1 { found.append("\(path): matches \(passing) of the oneOf choices, not exactly 1") }
        }
        if case .array(let options)? = keywords["anyOf"],
            !options.contains(where: { violations(of: value, against: $0, at: path).isEmpty })
        {
            found.append("\(path): matches none of the anyOf choices")
        }
        return found
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = root
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
            ("string", .string), ("array", .array), ("object", .object):
            true
        default:
            false
        }
    }
}
