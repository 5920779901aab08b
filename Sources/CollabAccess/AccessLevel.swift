/// What a subject may do with a document, from least to most (docs/permissions.md).
package enum AccessLevel: Int, Comparable, CaseIterable, Sendable, CustomStringConvertible {
    case viewer = 1
    case commenter = 2
    case editor = 3
    case owner = 4

    package init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = level
    }

    package var description: String {
        switch self {
        case .viewer: "viewer"
        case .commenter: "commenter"
        case .editor: "editor"
        case .owner: "owner"
        }
    }

    package static func < (a: AccessLevel, b: AccessLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Something a subject may try to do to a document.
package enum AccessAction: Equatable, Sendable, CustomStringConvertible {
    /// See its content, its history and its versions.
    case read
    /// Send an op of this type (`text_insert`, `comment_add`, …).
    case op(String)
    /// Name a version.
    case tag
    /// Squash its history.
    case compact
    /// Change who has access: grant, revoke, share, transfer.
    case grant

    /// Parses `read`, `tag`, `compact`, `grant` or an op type name.
    package init?(name: String) {
        switch name {
        case "read": self = .read
        case "tag": self = .tag
        case "compact": self = .compact
        case "grant", "revoke", "share", "transfer": self = .grant
        default:
            guard Self.opTypes.contains(name) else { return nil }
            self = .op(name)
        }
    }

    /// Every op type, by the level it needs.
    package static let commentOps: Set<String> = ["comment_add", "comment_edit", "comment_resolve", "comment_delete"]
    package static let contentOps: Set<String> = [
        "text_insert", "text_delete", "format_set", "block_insert", "block_set", "block_delete", "block_move",
    ]
    package static var opTypes: Set<String> { commentOps.union(contentOps) }

    /// The least level that may do it: viewers read; commenters also comment; editors
    /// also change content and name versions; owners also change access and compact.
    package var requiredLevel: AccessLevel {
        switch self {
        case .read: .viewer
        case .op(let type): Self.commentOps.contains(type) ? .commenter : .editor
        case .tag: .editor
        case .compact, .grant: .owner
        }
    }

    package var description: String {
        switch self {
        case .read: "read"
        case .op(let type): type
        case .tag: "tag"
        case .compact: "compact"
        case .grant: "grant"
        }
    }
}
