import CollabLog

/// One change to who may do what (docs/permissions.md): every one is kept, in order, as
/// the audit trail, and the access rules are what they add up to.
package struct AccessEvent: Equatable, Sendable {
    package enum Kind: String, Sendable {
        /// `subject` gets `level` on `target` (replacing what it had there).
        case grant
        /// `subject` loses what it had on `target` itself.
        case revoke
        /// `subject` becomes an owner of `target` and `by` stops being one (an editor).
        case transfer
        /// A link share `share` gives whoever holds its token `level` on `target`
        /// (`subject` is `anyone`), behind a password when `passwordHash` is set.
        case share
        /// The link share `share` stops working.
        case unshare
    }

    package var kind: Kind
    /// A document id, or a folder prefix ending in `/`.
    package var target: String
    /// A user id, or `anyone`.
    package var subject: String
    package var level: AccessLevel?
    /// Who made the change, and when (milliseconds since 1970, UTC).
    package var by: String
    package var at: Int64
    package var expiresAt: Int64?
    /// A link share's id, and its password's salted scrypt hash (`PasswordHash`).
    package var share: String?
    package var passwordHash: String?

    package init(
        kind: Kind, target: String, subject: String, level: AccessLevel? = nil, by: String, at: Int64, expiresAt: Int64? = nil,
        share: String? = nil, passwordHash: String? = nil
    ) {
        self.kind = kind
        self.target = target
        self.subject = subject
        self.level = level
        self.by = by
        self.at = at
        self.expiresAt = expiresAt
        self.share = share
        self.passwordHash = passwordHash
    }

    /// `{"type":"grant","target":…,"subject":…,"level":…,"by":…,"at":"…Z","expiresAt":…}`.
    package var json: [UInt8] {
        var writer = JSONWriter()
        writer.raw("{\"type\":")
        writer.string(kind.rawValue)
        writer.raw(",\"target\":")
        writer.string(target)
        writer.raw(",\"subject\":")
        writer.string(subject)
        if let level {
            writer.raw(",\"level\":")
            writer.string(level.description)
        }
        writer.raw(",\"by\":")
        writer.string(by)
        writer.raw(",\"at\":")
        writer.string(ISO8601.format(milliseconds: at))
        if let expiresAt {
            writer.raw(",\"expiresAt\":")
            writer.string(ISO8601.format(milliseconds: expiresAt))
        }
        if let share {
            writer.raw(",\"share\":")
            writer.string(share)
        }
        if let passwordHash {
            writer.raw(",\"passwordHash\":")
            writer.string(passwordHash)
        }
        writer.raw("}")
        return writer.bytes
    }

    /// The event in a JSON object's fields; nil when they are not an access event.
    package static func decode(fields: [String: JSONValue]) throws(OpFormatError) -> AccessEvent? {
        guard case .string(let type)? = fields["type"], let kind = Kind(rawValue: type) else { return nil }
        func text(_ key: String) throws(OpFormatError) -> String {
            guard case .string(let value)? = fields[key] else { throw OpFormatError(path: key, message: "expected a string") }
            return value
        }
        func time(_ key: String) throws(OpFormatError) -> Int64 {
            guard let value = ISO8601.milliseconds(try text(key)) else { throw OpFormatError(path: key, message: "expected an ISO-8601 time") }
            return value
        }
        for key in fields.keys where !["type", "target", "subject", "level", "by", "at", "expiresAt", "documentId", "share", "passwordHash"].contains(key) {
            throw OpFormatError(path: key, message: "unknown field of an access event")
        }
        let target = try text("target")
        if let problem = DocumentPath.problem(with: target, folder: target.hasSuffix("/")) { throw OpFormatError(path: "target", message: problem) }
        var level: AccessLevel?
        if fields["level"] != nil {
            guard let parsed = AccessLevel(name: try text("level")) else { throw OpFormatError(path: "level", message: "expected owner, editor, commenter or viewer") }
            level = parsed
        }
        if (kind == .grant || kind == .share) != (level != nil) { throw OpFormatError(path: "level", message: "a grant or share, and only those, has a level") }
        if (kind == .share || kind == .unshare) != (fields["share"] != nil) { throw OpFormatError(path: "share", message: "a share event names its share") }
        return AccessEvent(
            kind: kind, target: target, subject: try text("subject"), level: level, by: try text("by"), at: try time("at"),
            expiresAt: fields["expiresAt"] == nil ? nil : try time("expiresAt"), share: fields["share"] == nil ? nil : try text("share"),
            passwordHash: fields["passwordHash"] == nil ? nil : try text("passwordHash"))
    }

    /// The event from its JSON bytes; nil when they are not an access event.
    package static func decode(_ bytes: some Collection<UInt8>) throws(OpFormatError) -> AccessEvent? {
        guard case .object(let fields)? = try? JSONParser.parse(Array(bytes)) else { return nil }
        return try decode(fields: fields)
    }
}

extension AccessEvent {
    /// Why an expiry cannot be read.
    package struct ExpiryProblem: Error, CustomStringConvertible {
        package let description: String
    }

    /// When a grant or share given now ends: `7d`, `12h`, `30m`, `90s` from `now`, or an
    /// ISO-8601 time after it.
    package static func expiry(_ text: String, from now: Int64) throws(ExpiryProblem) -> Int64 {
        if let time = ISO8601.milliseconds(text) {
            guard time > now else { throw ExpiryProblem(description: "\(text) is in the past") }
            return time
        }
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0, count < Int64.max / unit / 2 else {
            throw ExpiryProblem(description: "\(text): a duration (30m, 12h, 7d, 2w) or an ISO-8601 time")
        }
        return now + count * unit
    }

    /// The event as shown to people: a share's password hash is said to be set, never shown.
    package var shown: AccessEvent {
        var event = self
        event.passwordHash = event.passwordHash.map { _ in "(set)" }
        return event
    }
}

extension Grant {
    /// One JSON object (docs/json.md): who, what level, from which grant, by whom, until when.
    package func json(_ writer: inout JSONWriter) {
        writer.raw("{\"subject\":")
        writer.string(subject)
        writer.raw(",\"level\":")
        writer.string(level.description)
        writer.raw(",\"from\":")
        writer.string(target)
        writer.raw(",\"grantedBy\":")
        writer.string(grantedBy)
        writer.raw(",\"grantedAt\":")
        writer.string(ISO8601.format(milliseconds: grantedAt))
        writer.raw(",\"expiresAt\":")
        if let expiresAt { writer.string(ISO8601.format(milliseconds: expiresAt)) } else { writer.raw("null") }
        writer.raw("}")
    }
}
