import ArgumentParser

/// `collab help formats`: what collab reads and writes, in one place.
struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats",
        abstract: "List the formats collab reads and writes: logs, imports, outputs.",
        discussion: """
            \(text)

            Example:
              collab help formats
            """
    )

    static let text = """
        Logs (every command reads both, telling them apart by content, not by name):
          .clog          the binary log: checksummed records, appended under a lock and
                         synced; checkpoints, tags, a compacted base (docs/format.md)
          JSON lines     one op per line in its JSON form (docs/ops.md); a new log whose
                         name ends in .jsonl, .ndjson or .json is written this way
          -              the standard input, read once (a command that writes its log
                         in place refuses it)

        Imports (collab import --format …):
          trace          an editing trace (josephg/editing-traces), gzip or not
          jsonl          JSON-lines ops; a store export, with documentId on each line
          rows           the relational content_operations rows (docs/formats.md)

        Outputs:
          materialize    --format text (the default), markdown, html or json
          diff           --format ansi, markup, html or json
          export, log, watch
                         JSON lines: one op (or record) per line
          --json         on every command that prints a result: lists as JSON lines,
                         single answers as one object, keys in lowerCamelCase
                         (docs/json.md)
        """

    func run() {
        print(Self.text)
    }
}
