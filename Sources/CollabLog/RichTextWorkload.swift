import CollabCore

/// The rich-text workload of the rich-text issue: a sequential trace replayed with every
/// typed `\n` becoming a block split, a mark set every 1,000 edits and a comment every
/// 5,000. The plain text comes out the same as the trace's (a block marker is a `\n`).
/// `collab-bench --rich` times it; the browser benchmarks open it; the JavaScript engine's
/// cross-check shows it.
public struct RichTextWorkload {
    public var document: Document
    public var blocks = 0
    public var marks = 0
    public var comments = 0

    public init(_ trace: EditingTrace) throws {
        document = Document()
        let client = "agent0"
        var edits = 0
        for transaction in trace.transactions {
            let now = transaction.time ?? 0
            for patch in trace.patches[transaction.patchRange] {
                if patch.deleteCount > 0 {
                    try document.delete(at: patch.position, count: patch.deleteCount, by: client, timestamp: document.tick(now: now))
                }
                var position = patch.position
                if !patch.text.utf8.contains(0x0A) {
                    if !patch.text.isEmpty {
                        try document.insert(patch.text, at: position, by: client, timestamp: document.tick(now: now))
                    }
                } else {
                    for (k, line) in patch.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                        if k > 0 {
                            try document.insertBlock(at: position, attributes: [:], by: client, timestamp: document.tick(now: now))
                            blocks += 1
                            position += 1
                        }
                        if !line.isEmpty {
                            try document.insert(String(line), at: position, by: client, timestamp: document.tick(now: now))
                            position += line.unicodeScalars.count
                        }
                    }
                }
                edits += 1
                let length = document.length
                guard length > 0 else { continue }
                let start = (edits &* 7_919) % length
                let count = min(12, length - start)
                if edits % 1_000 == 0 {
                    let key = marks % 2 == 0 ? "bold" : "italic"
                    try document.format(at: start, count: count, key: key, value: .bool(true), by: client, timestamp: document.tick(now: now))
                    marks += 1
                }
                if edits % 5_000 == 0 {
                    try document.comment(at: start, count: count, text: "note \(comments)", by: client, timestamp: document.tick(now: now))
                    comments += 1
                }
            }
        }
    }
}
