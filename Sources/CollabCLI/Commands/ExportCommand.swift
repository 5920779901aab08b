import ArgumentParser
import CollabCore
import CollabLog

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
            """
    )

    @Argument(help: "The log file; with --store, the document id (all documents when left out).")
    var log: String?

    @Option(help: "A store directory: LOG is then a document id in it.")
    var store: String?

    @Option(name: .shortAndLong, help: "Where to write, or - for stdout.")
    var output = "-"

    func validate() throws {
        guard log != nil || store != nil else { throw ValidationError("name a log, or a store with --store DIR") }
        if store != nil, let log, let problem = ClogFormat.problem(withDocumentId: log) { throw ValidationError(problem) }
    }

    func run() throws {
        guard let log else {
            try writeOutput(try StoreExport.encode(DocumentStore(store!)), to: output)
            return
        }
        let file = try LogLocation.load(log, in: store)
        _ = try file.document()
        try writeOutput(JSONLines.encode(file.ops), to: output)
    }
}
