import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabStorage

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
            bad one) and writes them in a causal order. --format rows reads the relational \
            rows of the system collab replaces (docs/formats.md): position-based edits \
            replayed in file order, one document per document_id.

            The output is a binary .clog log (docs/format.md), or JSON lines when its name \
            ends in .jsonl or it is - (stdout). With --store DIR, a store export (lines \
            tagged with "documentId", from `collab export --store`) becomes one log per \
            document.

            An import is all or nothing: a bad line stops it with `line N: reason` and \
            nothing is written. With --skip-invalid REJECTS.jsonl the good lines are \
            imported and every bad one is written to REJECTS.jsonl with its line number \
            and reason (exit 1 when any was rejected).

            Examples:
              collab import --format trace automerge-paper.json.gz -o paper.clog
              collab export a.clog | collab import --format jsonl - -o copy.jsonl
              collab import --format jsonl everything.jsonl --store collab-data
              collab import --format jsonl messy.jsonl -o doc.clog --skip-invalid rejects.jsonl
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case trace, jsonl, rows
    }

    @Option(help: "The input format.")
    var format: Format

    @Argument(help: "The input file, or - for stdin.")
    var input: String

    @Option(name: .shortAndLong, help: "The log to create, or - for stdout.")
    var output: String?

    @Option(help: "Import into this store instead, a directory or postgres://USER@HOST[:PORT]/DATABASE (a store export's documents, or --document).")
    var store: String?

    @Flag(help: "Replace an output log (or a store's document) that exists.")
    var force = false

    @Option(help: "The document id of the new log (default: the input's documentId tags, or the output's file name).")
    var document: String?

    @Option(name: .customLong("skip-invalid"), help: "Import the good lines; write each bad one with its reason to this file.")
    var rejects: String?

    @Flag(help: "Print what was imported as one JSON object on stdout (not with -o -).")
    var json = false

    func validate() throws {
        guard (output == nil) != (store == nil) else { throw ValidationError("say where to import to: -o OUT or --store DIR") }
        if json && output == "-" { throw ValidationError("--json prints on stdout, where -o - writes the log: name a file") }
        if let document, let problem = DocumentPath.problem(with: document) { throw ValidationError("document id \(document.debugDescription): \(problem)") }
        if rejects != nil && format == .trace { throw ValidationError("--skip-invalid applies to --format jsonl and rows") }
    }

    @OptionGroup var clockSkew: ClockSkewOption

    func run() throws {
        if let output { try checkNewOutput(output, force: force) }
        if let rejects { try checkNewOutput(rejects, force: force) }
        var documents: [JSONLinesImport.ImportedDocument]
        var accessEvents: [AccessEvent] = []
        var rejected: [JSONLinesImport.RejectedLine] = []
        switch format {
        case .trace:
            let bytes = try FileIO.read(input)
            let trace: EditingTrace
            do {
                trace = try EditingTrace(bytes: bytes)
            } catch {
                throw CommandFailure(.badData, "\(input): \(error)")
            }
            let progress = Progress("import \(input)")
            let replay = try TraceReplay(trace) { done, total in progress.update(done, of: total, "transactions") }
            progress.finish()
            guard replay.text == trace.endContent else {
                throw CommandFailure(.badData, "\(input): replaying the trace does not give its endContent")
            }
            documents = [JSONLinesImport.ImportedDocument(documentId: nil, ops: replay.ops)]
        case .jsonl:
            (documents, rejected) = try JSONLinesImport.read(FileIO.read(input), path: input, skipInvalid: rejects != nil) { line in
                // A store export's access events: for the store's access log.
                guard store != nil, let event = try AccessEvent.decode(line) else { return false }
                accessEvents.append(event)
                return true
            }
        case .rows:
            (documents, rejected) = try RelationalRows.read(FileIO.read(input), path: input, skipInvalid: rejects != nil)
        }
        // Everything is validated before anything is written.
        try clockSkew.check(documents.lazy.flatMap(\.ops)) { op in "\(input): op \(op.id)" }
        var writes: [(path: String, documentId: String?, ops: [Op], tags: [VersionTag])] = []
        let opened = try store.map(StoreLocation.open)
        if let opened {
            // A directory store is made by the import when it does not exist yet.
            let isNew = (opened as? DocumentStore).map { !FileIO.exists($0.directory) } ?? false
            let existing = isNew ? [] : Set(try opened.documentIds())
            for imported in documents where !imported.ops.isEmpty {
                guard let id = imported.documentId ?? document else {
                    throw CommandFailure(.usage, "\(input): its lines carry no documentId; name the document with --document ID")
                }
                if existing.contains(id) && !force {
                    throw CommandFailure(.cannotCreate, "\(opened.name): \(id) exists; pass --force to replace it")
                }
                writes.append((opened.place(of: id), id, imported.ops, imported.tags))
            }
        } else {
            let ids = Set(documents.compactMap(\.documentId))
            guard ids.count <= 1 else {
                throw CommandFailure(.usage, "\(input) holds \(ids.count) documents; import it with --store DIR")
            }
            writes.append((output!, document ?? ids.first, documents.flatMap(\.ops), documents.flatMap(\.tags)))
        }
        if let opened, !accessEvents.isEmpty, !(try opened.accessEvents().isEmpty) && !force {
            throw CommandFailure(.cannotCreate, "\(opened.name) has an access log already; pass --force to replace it")
        }
        for write in writes {
            if let opened, let id = write.documentId {
                let bytes = ClogLog.encode(documentId: id, ops: write.ops, tags: write.tags)
                try opened.replace(try ClogLog.storedRecords(bytes: bytes, path: write.path))
            } else {
                try OpLogFile.write(write.ops, tags: write.tags, to: write.path, documentId: write.documentId)
            }
        }
        if let opened, !accessEvents.isEmpty { try AccessLog.replace(with: accessEvents, in: opened) }
        if let rejects { try writeOutput(JSONLinesImport.encode(rejected), to: rejects) }
        let total = writes.reduce(0) { $0 + $1.ops.count }
        if json {
            var writer = JSONWriter()
            writer.raw("{\"ops\":")
            writer.int(Int64(total))
            writer.raw(",\"documents\":")
            writer.int(Int64(writes.count))
            writer.raw(",\"into\":")
            writer.string(store ?? output!)
            writer.raw(",\"rejected\":")
            writer.int(Int64(rejected.count))
            writer.raw("}")
            print(writer.text)
        } else if output != "-" {
            let target = store.map { "\(writes.count) documents of \($0)" } ?? output!
            standardError("imported \(total) ops into \(target)\(rejected.isEmpty ? "" : "; \(rejected.count) lines rejected, see \(rejects!)")\n")
        }
        if !rejected.isEmpty { throw ExitCode(ExitStatus.differences.rawValue) }
    }
}
