import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage

struct SalvageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "salvage",
        abstract: "Copy everything that verifies from a damaged .clog into a new log.",
        discussion: """
            Reads LOG without changing it, keeps every record whose checksums hold \
            (resynchronising after damage), and writes the ops that still replay to NEW. \
            It lists what was lost: damaged byte ranges, records that verify but do not \
            decode, and the ops dropped with them (they depend on lost ones), as id ranges \
            per client; --list names each dropped op and why. Exit 0 when nothing was lost, \
            1 when something was (NEW is written either way).

            Examples:
              collab salvage damaged.clog -o recovered.clog
              collab salvage damaged.clog -o recovered.clog --list
              collab salvage damaged.clog -o recovered.clog --json | jq '.droppedOps'
            """
    )

    @Argument(help: "The damaged log (read only).")
    var log: String

    @Option(name: .shortAndLong, help: "The new log to write.")
    var output: String

    @Flag(help: "Replace the output if it exists.")
    var force = false

    @Flag(help: "Print the report as JSON (every dropped op included).")
    var json = false

    @Flag(help: "List every dropped op and why, not only their id ranges.")
    var list = false

    func validate() throws {
        guard output != log else { throw ValidationError("salvage never writes over its input; name a new log") }
    }

    func run() throws {
        try checkNewOutput(output, force: force)
        let result = ClogSalvage.salvage(try FileIO.read(log))
        try OpLogFile.write(result.ops, base: result.base, to: output, documentId: result.documentId)
        if json {
            let losses = result.lostBytes.map { "[\($0.start),\($0.end)]" }.joined(separator: ",")
            let undecodable = result.undecodableRecords.map(String.init).joined(separator: ",")
            let dropped = result.droppedOps.map { entry in
                "{\"op\":\(quoted(entry.op.description, limit: .max)),\"reason\":\(quoted(entry.reason, limit: .max))}"
            }.joined(separator: ",")
            print(
                "{\"keptRecords\":\(result.keptRecords),\"keptOps\":\(result.ops.count),\"lostBytes\":[\(losses)],"
                    + "\"undecodableRecordsAt\":[\(undecodable)],\"droppedOps\":[\(dropped)]}")
        } else {
            print("\(output): kept \(result.keptRecords) records, \(result.ops.count) ops")
            for loss in result.lostBytes { print("lost: bytes \(loss.start)..<\(loss.end) (\(loss.end - loss.start) bytes) did not verify") }
            for offset in result.undecodableRecords { print("lost: the record at byte \(offset) verifies but does not decode") }
            if !result.droppedOps.isEmpty {
                let ranges = Self.ranges(of: result.droppedOps)
                print("lost: \(result.droppedOps.count) ops that depend on lost ones or do not apply: \(ranges.joined(separator: ", "))")
                if list {
                    for dropped in result.droppedOps { print("lost: op \(dropped.op): \(dropped.reason)") }
                } else {
                    print("(--list names each op and why)")
                }
            }
            if !result.lostAnything { print("nothing was lost") }
        }
        if result.lostAnything { throw ExitCode(ExitStatus.differences.rawValue) }
    }

    /// Dropped ops as id ranges per client, adjacent ones joined: `alice:100..<2900 (12 ops)`.
    static func ranges(of dropped: [(op: OpId, end: Int, reason: String)]) -> [String] {
        var result: [String] = []
        for (client, ops) in Dictionary(grouping: dropped, by: \.op.client).sorted(by: { $0.key < $1.key }) {
            var runs: [(start: Int, end: Int, ops: Int)] = []
            for op in ops.sorted(by: { $0.op.seq < $1.op.seq }) {
                if let last = runs.last, op.op.seq <= last.end {
                    runs[runs.count - 1] = (last.start, max(last.end, op.end), last.ops + 1)
                } else {
                    runs.append((op.op.seq, op.end, 1))
                }
            }
            for run in runs { result.append("\(client):\(run.start)..<\(run.end) (\(run.ops) op\(run.ops == 1 ? "" : "s"))") }
        }
        return result
    }
}
