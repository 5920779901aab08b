import ArgumentParser
import CollabCore
import CollabLog

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List a log's ops, one line each, numbered as @N counts them.",
        discussion: """
            Each line: the op's number (`@N` in a version names the state after ops 1…N), \
            its id, its time, its type and what it does.

            Examples:
              collab log doc.jsonl
              collab log doc.jsonl --json | jq -r 'select(.type == "text_delete") | .id'
            """
    )

    @OptionGroup var location: LogLocation

    @Flag(help: "One JSON object per op: n, id, span, time, type, summary, op.")
    var json = false

    func run() throws {
        let file = try location.load()
        _ = try file.document()
        var out = ""
        for (index, op) in file.ops.enumerated() {
            let time = ISO8601.format(milliseconds: op.timestamp.wall)
            if json {
                out += "{\"n\":\(index + 1),\"id\":\(quoted(op.id.description, limit: .max)),\"span\":\(op.span),"
                out += "\"time\":\"\(time)\",\"type\":\"\(op.typeName)\",\"summary\":\(quoted(summary(of: op), limit: .max)),"
                out += "\"op\":\(OpJSON.line(op))}\n"
            } else {
                out += "@\(index + 1)\t\(op.id)\t\(time)\t\(op.typeName)\t\(summary(of: op))\n"
            }
            if out.utf8.count > 1 << 16 {
                try standardOutput(out)
                out = ""
            }
        }
        try standardOutput(out)
    }
}
