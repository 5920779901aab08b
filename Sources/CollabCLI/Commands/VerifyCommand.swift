import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check logs: every record's checksums and sequence, and that every op replays.",
        discussion: """
            Exit status: 0 when every log is clean, 1 when the worst is a torn tail (the end \
            of an interrupted append: `collab repair` cuts it off), 65 when a log is corrupt \
            (damage with valid data after it, a sequence gap, a foreign header: `collab \
            salvage` recovers what verifies). A JSON-lines log is clean or corrupt.

            With --store, LOGS are document ids in the store (every document when none is \
            named); on PostgreSQL each document's records are checked as a .clog's are.

            Examples:
              collab verify doc.clog
              collab verify *.clog --json | jq -r 'select(.status != "clean") | .path'
              collab verify --store postgres://collab@db.internal/collab
            """
    )

    @Argument(help: "The logs to check; with --store, document ids (all when none).")
    var logs: [String] = []

    @Option(help: "A store, a directory or postgres://USER@HOST[:PORT]/DATABASE: LOGS are then document ids in it.")
    var store: String?

    @Flag(help: "Print one JSON object per log.")
    var json = false

    func validate() throws {
        guard !logs.isEmpty || store != nil else { throw ValidationError("name at least one log, or a store with --store") }
    }

    func run() throws {
        var worst = ExitStatus.success
        try eachVerdict { verdict in
            try standardOutput((json ? verdict.json : verdict.text) + "\n")
            if verdict.status.rawValue > worst.rawValue { worst = verdict.status }  // success < torn (1) < failures
        }
        if worst != .success { throw ExitCode(worst.rawValue) }
    }

    /// Each log's verdict, one at a time (printed before the next log is read).
    private func eachVerdict(_ body: (LogVerdict) throws -> Void) throws {
        guard let store else { return try logs.forEach { try body(try LogVerdict(path: $0)) } }
        let opened = try StoreLocation.open(store)
        if let directory = opened as? DocumentStore {
            let paths = logs.isEmpty ? try directory.logs().map(\.path) : try logs.map { try directory.path(for: $0) }
            return try paths.forEach { try body(try LogVerdict(path: $0)) }
        }
        for id in logs.isEmpty ? try opened.documentIds() : logs {
            guard let stored = try opened.read(id) else { throw CommandFailure(.missingInput, "\(opened.place(of: id)): no such document") }
            try body(LogVerdict(bytes: stored.clogBytes, path: opened.place(of: id)))
        }
    }
}

/// What `verify` says of one log.
struct LogVerdict {
    var path: String
    var status = ExitStatus.success
    var summary = ""
    var detail: [String: String] = [:]

    init(path: String) throws {
        self.init(bytes: try FileIO.read(path), path: path)
    }

    /// What `verify` says of a log's bytes (a file's, or a store's records framed as a `.clog`).
    init(bytes: [UInt8], path: String) {
        self.path = path
        if let problem = OpLogFile.formatProblem(bytes) {
            status = .badData
            summary = problem.description
            detail = ["status": problem.rawValue]
            return
        }
        guard ClogFormat.isClog(bytes) else {
            // JSON lines: clean when every op parses and replays.
            detail = ["format": "jsonl"]
            checkReplay(bytes)
            return
        }
        let scan = ClogScanner.scan(bytes)
        detail = ["format": "clog", "records": String(scan.records.count), "validBytes": String(scan.validLength),
                  "fileBytes": String(bytes.count)]
        if let id = scan.documentId { detail["document"] = id }
        switch scan.state {
        case .clean:
            checkReplay(bytes, records: scan.records.count)
        case .torn(let offset, let reason):
            status = .differences
            summary = "torn tail at byte \(offset) (\(reason)): \(bytes.count - offset) bytes after \(scan.records.count) good records; `collab repair \(path)` cuts it off"
            detail["status"] = "torn"
            detail["offset"] = String(offset)
            detail["reason"] = reason
        case .corrupt(let offset, let record, let reason):
            status = .badData
            summary = "corrupt at byte \(offset), record \(record): \(reason); `collab salvage \(path) -o NEW` recovers what verifies"
            detail["status"] = "corrupt"
            detail["offset"] = String(offset)
            detail["record"] = String(record)
            detail["reason"] = reason
        }
    }

    /// The log's framing is sound: its ops must also decode and replay.
    private mutating func checkReplay(_ bytes: [UInt8], records: Int? = nil) {
        let outcome: Result<(ops: Int, version: VersionVector), LogError>
        do {
            let file = try OpLogFile.load(bytes: bytes, path: path)
            outcome = .success((file.ops.count, try file.document().version))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let (ops, version)):
            summary = "clean: " + (records.map { "\($0) records, " } ?? "JSON lines, ") + "\(ops) ops, version \(version)"
            detail["status"] = "clean"
            detail["ops"] = String(ops)
        case .failure(let error):
            status = .badData
            summary = "corrupt: \(error)"
            detail["status"] = "corrupt"
            detail["reason"] = error.description
        }
    }

    var text: String { "\(path): \(summary)" }

    var json: String {
        var writer = JSONWriter()
        writer.raw("{\"path\":")
        writer.string(path)
        for key in detail.keys.sorted() {
            writer.raw(",")
            writer.string(key)
            writer.raw(":")
            if let number = Int(detail[key]!), key != "document" && key != "reason" {
                writer.int(Int64(number))
            } else {
                writer.string(detail[key]!)
            }
        }
        writer.raw("}")
        return writer.text
    }
}
