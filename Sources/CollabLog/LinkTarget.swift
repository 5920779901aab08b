/// Which link targets become links when a document is rendered as HTML or markdown:
/// `http`, `https` and `mailto` URLs, and relative ones. Anything else — `javascript:`,
/// `data:`, `vbscript:`, in any case, or a scheme hidden behind whitespace, control
/// characters, backslashes or character references (which a markdown reader decodes) —
/// is shown as the plain text it marks, so that rendered output is safe to serve.
public enum LinkTarget {
    public static func isSafe(_ url: String) -> Bool {
        let scalars = url.unicodeScalars
        guard !url.isEmpty, !scalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            return false
        }
        let lower = url.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("mailto:") { return true }
        // Relative: nothing that could make a scheme before the path, query or fragment.
        let lead = url.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !lead.contains(":") && !lead.contains("&") && !lead.contains("\\") && !url.hasPrefix("\\")
    }
}
