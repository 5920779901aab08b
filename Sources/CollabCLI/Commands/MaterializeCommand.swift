import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage

struct MaterializeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize",
        abstract: "Print a document's text at head or at any version.",
        discussion: """
            Writes the text exactly, byte for byte, with no newline added, so pipelines can \
            compare outputs. A version is `head`, `@N` (the first N ops of the log, as \
            `collab log` numbers them) or a version vector `alice:41,bob:7` (how many ids of \
            each client); a vector that is not causally closed is refused, naming the op \
            it lacks.

            --format text (the default) is the plain text, a block boundary a line break; \
            markdown is CommonMark (headings, lists, code, quotes; bold, italic, links); html \
            uses semantic elements, marks as <strong>, <em>, <a href> and comments as \
            <mark data-comment="ID">; json is the blocks, each with its type, attributes and \
            runs of equally formatted text (with their marks and the comments on them), then \
            the comment threads.

            Examples:
              collab materialize doc.jsonl > doc.txt
              collab materialize doc.clog --format html > doc.html
              collab materialize doc.clog --format markdown > README.md
              collab materialize doc.clog --format json --ids | jq .
              collab materialize doc.jsonl --at @10
              collab materialize doc.jsonl --at alice:41,bob:7 | diff - expected.txt
            """,
        aliases: ["cat"]
    )

    @OptionGroup var location: LogLocation

    @Option(help: "The version to show: \(VersionSpec.syntax).")
    var at = "head"

    @Option(name: .shortAndLong, help: "Where to write, or - for stdout.")
    var output = "-"

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, html, json
    }

    @Option(help: "text, markdown, html or json.")
    var format = Format.text

    @Flag(help: "With --format json: list each run's character ids (client:first-last).")
    var ids = false

    func validate() throws {
        guard !ids || format == .json else { throw ValidationError("--ids goes with --format json") }
    }

    func run() throws {
        let version = try VersionSpec(parsing: at)
        let document = version == .head ? try location.loadDocument() : try version.document(of: try location.load())
        let rendered: String
        switch format {
        case .text: rendered = document.text
        case .markdown: rendered = RichTextRendering.markdown(document)
        case .html: rendered = RichTextRendering.html(document)
        case .json: rendered = RichTextRendering.json(document, withIds: ids)
        }
        try writeOutput(Array(rendered.utf8), to: output)
    }
}
