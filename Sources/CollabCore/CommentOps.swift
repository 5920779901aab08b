/// Comment threads. A comment is anchored to a span of text the way a link is (before
/// its first character, after its last), so the anchor moves with the text; a reply
/// names the comment it answers instead. Each op uses one id; the comment's id is the id
/// of its `comment_add`.
public enum CommentOp: Hashable, Sendable {
    /// A new comment: on a span (`start`/`end`, with `replyTo` nil) or a reply (`replyTo`
    /// the comment answered, no span).
    case add(start: MarkAnchor?, end: MarkAnchor?, replyTo: OpId?, text: String)
    /// Replaces a comment's text (the latest edit wins).
    case edit(comment: OpId, text: String)
    /// Resolves a thread, or reopens it with `resolved` false (the latest wins).
    case resolve(comment: OpId, resolved: Bool)
    /// Deletes a comment for good: later or concurrent edits do not bring it back.
    case delete(comment: OpId)

    public var typeName: String {
        switch self {
        case .add: "comment_add"
        case .edit: "comment_edit"
        case .resolve: "comment_resolve"
        case .delete: "comment_delete"
        }
    }

    /// The ids that must be known first: the anchors, or the comment acted on.
    var references: [OpId] {
        switch self {
        case .add(let start, let end, let replyTo, _): [start?.id, end?.id, replyTo].compactMap { $0 }
        case .edit(let comment, _), .resolve(let comment, _), .delete(let comment): [comment]
        }
    }
}

/// A comment as it stands, with its replies.
public struct CommentThread: Equatable, Sendable {
    public var id: OpId
    public var author: ClientId
    public var timestamp: Timestamp
    public var text: String
    public var resolved: Bool
    /// The visible characters the comment is anchored to now; nil for a reply.
    public var range: Range<Int>?
    /// A root comment whose anchored text has all been deleted: kept, not shown inline.
    public var isOrphaned: Bool
    public var replies: [CommentThread]
}
