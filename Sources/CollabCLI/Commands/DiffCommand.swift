import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage
import Foundation

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two versions, track-changes style, with who and when.",
        discussion: """
            Characters are compared by id, not by text: text retyped elsewhere is an \
            insert and a delete, never a move that went unnoticed. Each change names its \
            author and time: inserted and deleted text, formatting changes, block \
            attribute changes (a split or join is an inserted or deleted line break), and \
            comments added, edited, resolved, reopened or deleted.

            Formats: ansi (the default on a terminal) colours insertions green and \
            underlined and deletions red and struck through, with a legend of authors; \
            markup (the default otherwise) writes {+inserted+}, [-deleted-], \
            {~reformatted~} and {~¶ attribute changes~}; html writes <ins> and <del> with \
            data-author and data-time; json writes an array of hunks.

            With two logs of one document (and no --from/--to), it shows what a merge \
            would bring into each: the first log's head against the merge, then the \
            second's.

            Exit status: 0 when there are no differences, 1 when there are (like diff).

            Examples:
              collab diff doc.clog --from "Draft 1" --to head
              collab diff doc.clog --from @120 --format markup | less
              collab diff doc.clog --from 2026-11-20T09:00Z --format json | jq '.[] | select(.kind != "equal")'
              collab diff alice.clog bob.clog
            """
    )

    @Argument(help: "The log; or two logs of one document, to compare their heads.")
    var logs: [String]

    @Option(help: "A store directory: the logs are then document ids in it.")
    var store: String?

    @Option(help: "The older version (\(VersionSpec.syntax)).")
    var from: String?

    @Option(help: "The newer version (default: head).")
    var to = "head"

    @Option(help: "ansi, markup, html or json (default: ansi on a terminal, else markup; see --color).")
    var format: DiffRendering.Format?

    @Option(name: .shortAndLong, help: "Where to write, or - for stdout.")
    var output = "-"

    @Option(help: "auto, always or never: with no --format, colour (ansi) or not (markup); auto colours a terminal unless NO_COLOR is set or TERM is dumb.")
    var color = ColorChoice.auto

    func validate() throws {
        guard (1...2).contains(logs.count) else { throw ValidationError("name one log (with --from), or two logs") }
        if logs.count == 1 && from == nil { throw ValidationError("name the older version with --from (\(VersionSpec.syntax))") }
        if logs.count == 2 && (from != nil || to != "head") { throw ValidationError("two logs compare their heads: --from and --to go with one log") }
    }

    func run() throws {
        let colored = Terminal.colors(color, toTerminal: output == "-" && isatty(STDOUT_FILENO) == 1)
        let format = format ?? (colored ? .ansi : .markup)
        var rendered = ""
        var differs = false
        if logs.count == 1 {
            let log = try LogLocation.load(logs[0], in: store)
            let old = try VersionSpec(parsing: from!).document(of: log)
            let newSpec = try VersionSpec(parsing: to)
            let new = newSpec == .head ? try log.document() : try newSpec.document(of: log)
            guard old.version.isIncluded(in: new.version) else {
                throw CommandFailure(.usage, "--from \(from!) (\(old.version)) is not part of --to \(to) (\(new.version)); swap them, or compare each with head")
            }
            let hunks = try new.changes(from: old)
            differs = DiffRendering.hasChanges(hunks)
            rendered = DiffRendering.render(hunks, as: format)
        } else {
            let first = try LogLocation.load(logs[0], in: store)
            let second = try LogLocation.load(logs[1], in: store)
            try second.requireEveryOp(for: "diff of two logs (as the second)")
            if let a = first.documentId, let b = second.documentId, a != b {
                throw CommandFailure(.usage, "\(logs[0]) is document \(a.debugDescription) and \(logs[1]) is \(b.debugDescription): diff compares versions of one document")
            }
            let merged = try first.document()
            for op in second.ops { try merged.apply(op) }
            if let (op, missing) = merged.firstMissingDependency() {
                throw CommandFailure(.badData, "\(logs[1]): op \(op) depends on \(missing), which neither log has")
            }
            let intoFirst = try merged.changes(from: try first.document())
            let intoSecond = try merged.changes(from: try second.document())
            differs = DiffRendering.hasChanges(intoFirst) || DiffRendering.hasChanges(intoSecond)
            if format == .json {
                rendered = "[{\"into\":\(quotedJSON(logs[0])),\"from\":\(quotedJSON(logs[1])),\"hunks\":\(DiffRendering.json(intoFirst))},"
                    + "{\"into\":\(quotedJSON(logs[1])),\"from\":\(quotedJSON(logs[0])),\"hunks\":\(DiffRendering.json(intoSecond))}]\n"
            } else {
                rendered = "=== merging \(logs[1]) into \(logs[0]) brings:\n" + DiffRendering.render(intoFirst, as: format)
                    + "=== merging \(logs[0]) into \(logs[1]) brings:\n" + DiffRendering.render(intoSecond, as: format)
            }
        }
        try writeOutput(Array(rendered.utf8), to: output)
        if differs { throw ExitCode(ExitStatus.differences.rawValue) }
    }

    private func quotedJSON(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return writer.text
    }
}

extension DiffRendering.Format: ExpressibleByArgument {}
