import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabStorage

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a log's ops, or a whole store's, as JSON lines.",
        discussion: """
            The log is verified first: a log that does not replay is refused (exit 65). \
            With --store DIR and no DOC, every document of the store is exported, each \
            line tagged with its "documentId" (docs/formats.md); `collab import --store` \
            reads it back, and export → import → export gives the same bytes.

            Examples:
              collab export doc.clog | jq -c 'select(.id.clientId == "alice")'
              collab export doc.clog -o backup.jsonl
              collab export --store collab-data -o everything.jsonl
              collab export doc.clog --format rows > rows.jsonl
            """
    )

    @Argument(help: "The log file; with --store, the document id (all documents when left out).")
    var log: String?

    @Option(help: "A store, a directory or postgres://USER@HOST[:PORT]/DATABASE: LOG is then a document id in it.")
    var store: String?

    @Option(name: .shortAndLong, help: "Where to write, or - for stdout.")
    var output = "-"

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case ops, rows
    }

    @Option(help: "ops: the op form of docs/ops.md; rows: the relational rows of docs/formats.md.")
    var format = Format.ops

    func validate() throws {
        guard log != nil || store != nil else { throw ValidationError("name a log, or a store with --store DIR") }
        if store != nil, let log, let problem = DocumentPath.problem(with: log) { throw ValidationError("document id \(log.debugDescription): \(problem)") }
    }

    func run() throws {
        guard let log else {
            let documents = try StoreLocation.open(store!)
            switch format {
            case .ops: try writeOutput(try StoreExport.encode(documents) + AccessLog.exportLines(in: documents), to: output)
            case .rows:
                var bytes: [UInt8] = []
                for documentId in try documents.documentIds() {
                    guard let file = try documents.log(documentId) else { continue }
                    try file.requireEveryOp(for: "export")
                    _ = try file.document()
                    bytes += RelationalRows.encode(documentId: documentId, ops: file.ops)
                }
                try writeOutput(bytes, to: output)
            }
            return
        }
        let file = try LogLocation.load(log, in: store)
        try file.requireEveryOp(for: "export")
        _ = try file.document()
        switch format {
        case .ops: try writeOutput(JSONLines.encode(file.ops), to: output)
        case .rows:
            let id = store != nil ? log : (file.documentId ?? OpLogFile.defaultDocumentId(for: log))
            try writeOutput(RelationalRows.encode(documentId: id, ops: file.ops), to: output)
        }
    }
}
