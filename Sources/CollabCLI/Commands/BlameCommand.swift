import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage

struct BlameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blame",
        abstract: "Show who wrote each line of a document, and when.",
        discussion: """
            Each line of the text (at head, or at --at VERSION) with the clients who wrote \
            its characters (most first) and the time of the latest of them. With --json, \
            every line with its spans: each stretch written by one op, with the op's id, \
            author and time. Text typed and later deleted is not shown; text typed again \
            is the new typist's.

            Examples:
              collab blame doc.clog
              collab blame doc.clog --at "Draft 1" --json | jq 'select(.spans[].author == "mallory")'
            """
    )

    @OptionGroup var location: LogLocation

    @Option(help: "The version (\(VersionSpec.syntax)).")
    var at = "head"

    @Flag(help: "Print each line with its spans as a JSON object, one a line.")
    var json = false

    func run() throws {
        let version = try VersionSpec(parsing: at)
        let document = version == .head ? try location.loadDocument() : try version.document(of: try location.load())
        // Lines: the spans cut at line breaks (a line break is not part of either line).
        var lines: [[BlameSpan]] = [[]]
        for span in document.blame() {
            for (k, part) in span.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if k > 0 { lines.append([]) }
                if !part.isEmpty { lines[lines.count - 1].append(BlameSpan(text: String(part), author: span.author, op: span.op, time: span.time)) }
            }
        }
        if json {
            // A line of the document a line of JSON (docs/json.md).
            for entry in lines.enumerated() {
                var writer = JSONWriter()
                writer.raw("{\"line\":")
                writer.int(entry.offset + 1)
                writer.raw(",\"text\":")
                writer.string(entry.element.map(\.text).joined())
                writer.raw(",\"spans\":")
                writer.list(entry.element) { writer, span in
                    writer.raw("{\"text\":")
                    writer.string(span.text)
                    writer.raw(",\"author\":")
                    writer.string(span.author)
                    writer.raw(",\"op\":")
                    writer.string(span.op.description)
                    writer.raw(",\"time\":")
                    writer.string(ISO8601.format(milliseconds: span.time.wall))
                    writer.raw("}")
                }
                writer.raw("}")
                print(writer.text)
            }
            return
        }
        let width = min(max(lines.map { authors(of: $0).count }.max() ?? 0, 6), 32)
        for line in lines {
            let who = authors(of: line)
            let time = line.map(\.time.wall).max().map { String(ISO8601.format(milliseconds: $0).prefix(16)).replacingOccurrences(of: "T", with: " ") } ?? ""
            print(who.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + time.padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + line.map(\.text).joined())
        }
    }

    /// The clients who wrote a line, most characters first.
    private func authors(of line: [BlameSpan]) -> String {
        var counts: [String: Int] = [:]
        for span in line { counts[span.author, default: 0] += span.text.unicodeScalars.count }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key).joined(separator: ",")
    }
}
