import ArgumentParser
import CollabCore
import CollabLog

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make an op log from an editing trace or a JSON-lines op stream.",
        discussion: """
            --format trace reads the editing-traces format (JSON, gzip-compressed or not). \
            A sequential trace becomes the ops of one client, agent0; a concurrent trace \
            becomes one client per agent (agent0, agent1, …) whose edits are merged as \
            the trace's transactions say, so concurrent edits stay concurrent.

            --format jsonl validates every op (exit 65 with the line number on the first \
            bad one) and writes them in a causal order.

            The output is a binary .clog log (docs/format.md), or JSON lines when its name \
            ends in .jsonl or it is - (stdout).

            Examples:
              collab import --format trace automerge-paper.json.gz -o paper.clog
              collab export a.clog | collab import --format jsonl - -o copy.jsonl
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case trace, jsonl
    }

    @Option(help: "The input format.")
    var format: Format

    @Argument(help: "The input file, or - for stdin.")
    var input: String

    @Option(name: .shortAndLong, help: "The log to create, or - for stdout.")
    var output: String

    @Flag(help: "Replace the output if it exists.")
    var force = false

    @Option(help: "The document id a new .clog log records (default: its file name without extension).")
    var document: String?

    func validate() throws {
        if let document, let problem = ClogFormat.problem(withDocumentId: document) { throw ValidationError(problem) }
    }

    func run() throws {
        try checkNewOutput(output, force: force)
        let ops: [Op]
        switch format {
        case .trace:
            let bytes = try FileIO.read(input)
            let trace: EditingTrace
            do {
                trace = try EditingTrace(bytes: bytes)
            } catch {
                throw CommandFailure(.badData, "\(input): \(error)")
            }
            let replay = try TraceReplay(trace)
            guard replay.text == trace.endContent else {
                throw CommandFailure(.badData, "\(input): replaying the trace does not give its endContent")
            }
            ops = replay.ops
        case .jsonl:
            ops = try OpLogFile.load(input).document().history
        }
        try OpLogFile.write(ops, to: output, documentId: document)
        if output != "-" { standardError("imported \(ops.count) ops into \(output)\n") }
    }
}
