/// Sets one formatting attribute (`bold`, `italic`, `link`, …) over a span of text, with
/// the semantics of Peritext (Litt, Lim, Kleppmann, van Hardenberg 2022): the span's ends
/// are anchored to characters, so it keeps covering the same text through concurrent
/// edits, and each character's value of an attribute is the one set last, by
/// `(timestamp, clientId)`, among the ops whose spans cover it. `value` null removes it.
public struct FormatSet: Hashable, Sendable {
    /// Where the span starts: before or after a character; nil is the document's start.
    public var start: MarkAnchor?
    /// Where the span ends: before or after a character; nil is the document's end.
    public var end: MarkAnchor?
    public var key: String
    public var value: AttributeValue

    public init(start: MarkAnchor?, end: MarkAnchor?, key: String, value: AttributeValue) {
        self.start = start
        self.end = end
        self.key = key
        self.value = value
    }

    /// Whether text typed at the span's end joins it. Bold, italic and the like expand
    /// (typing on after bold text stays bold); a link does not (the next word is not
    /// part of the link). Recorded in the op's end anchor, so readers never need this.
    public static func expandsAtEnd(_ key: String) -> Bool { !nonExpanding.contains(key) }

    static let nonExpanding: Set<String> = ["link", "href", "comment"]
}

/// One edge of a formatted span: the gap just before or just after a character. Text
/// inserted between two characters lands after the left one's "after" gap and before the
/// right one's "before" gap, which is what decides whether it joins a span.
public struct MarkAnchor: Hashable, Sendable {
    public enum Side: String, Hashable, Sendable {
        case before, after
    }

    public var id: OpId
    public var side: Side

    public init(_ id: OpId, _ side: Side) {
        self.id = id
        self.side = side
    }
}

/// The value of a formatting (or, later, block) attribute: a JSON scalar.
public enum AttributeValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
}
