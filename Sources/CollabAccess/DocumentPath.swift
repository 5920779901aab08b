/// Document ids as access control names them: paths such as `team/specs/roadmap`, and
/// folder prefixes ending in `/` (`team/specs/`), which cover every document under them.
/// Checked strictly before any file is touched (docs/permissions.md).
package enum DocumentPath {
    /// The longest id accepted, in bytes.
    package static let maxBytes = 1024

    /// Why `path` cannot name a document (or, with `folder`, a folder prefix), or nil.
    package static func problem(with path: String, folder: Bool = false) -> String? {
        if path.isEmpty || path.utf8.count > maxBytes { return "an id is 1 to \(maxBytes) bytes" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "an id has no control characters (NUL, newline, …)" }
        if path.hasPrefix("/") { return "an id is relative: no leading /" }
        if path.contains("\\") { return "an id has no backslashes" }
        if path.lowercased().contains("%2e") || path.lowercased().contains("%2f") || path.contains("%00") {
            return "an id has no percent-encoded dots, slashes or NULs"
        }
        let body = folder ? String(path.dropLast()) : path
        if folder && !path.hasSuffix("/") { return "a folder prefix ends in /" }
        if !folder && path.hasSuffix("/") { return "a document id does not end in / (a folder prefix does)" }
        for segment in body.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "an id has no empty segments (//)" }
            if segment == "." || segment == ".." { return "an id has no . or .. segments" }
        }
        return nil
    }

    /// Whether `target` (a document id, or a folder prefix ending in `/`) covers `document`.
    package static func covers(_ target: String, _ document: String) -> Bool {
        target.hasSuffix("/") ? document.hasPrefix(target) : target == document
    }

    /// How specific a target is: a document beats every folder; a longer folder beats a
    /// shorter one.
    package static func specificity(of target: String) -> Int {
        target.hasSuffix("/") ? target.utf8.count : Int.max
    }
}
