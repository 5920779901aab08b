import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge op logs of one document (edits made offline) into a new log.",
        discussion: """
            Every input is verified first. The output holds every op of every input once, in \
            a causal order. An id used with different content in two inputs is refused \
            (exit 65). --dry-run writes nothing and says what each input contributes that \
            the others lack.

            Examples:
              collab merge alice.jsonl bob.jsonl -o merged.jsonl
              collab merge alice.jsonl bob.jsonl --dry-run
            """
    )

    @Argument(help: "The logs to merge.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The merged log to create, or - for stdout.")
    var output: String?

    @Flag(help: "Report what each input contributes; write nothing.")
    var dryRun = false

    @Flag(help: "Replace the output if it exists.")
    var force = false

    @Flag(help: "Print the dry-run report as JSON.")
    var json = false

    func validate() throws {
        guard inputs.count >= 2 else { throw ValidationError("merge needs at least two logs") }
        guard dryRun || output != nil else { throw ValidationError("say where the merged log goes with -o OUT, or use --dry-run") }
    }

    @OptionGroup var clockSkew: ClockSkewOption

    func run() throws {
        if let output, !dryRun { try checkNewOutput(output, force: force) }
        let files = try inputs.map { try OpLogFile.load($0) }
        for file in files {
            try file.requireEveryOp(for: "merge")
            try clockSkew.check(file.ops) { "\(file.path): \(file.place(of: $0.id))" }
        }
        let documentIds = Set(files.compactMap(\.documentId))
        guard documentIds.count <= 1 else {
            throw CommandFailure(.badData, "the inputs are logs of different documents: \(documentIds.sorted().joined(separator: ", "))")
        }
        let documents = try files.map { try $0.document() }
        let merged = Document()
        for (file, document) in zip(files, documents) {
            for op in document.history {
                do {
                    try merged.apply(op)
                } catch {
                    throw CommandFailure(.badData, "\(file.path): \(file.place(of: op.id)): \(error)")
                }
            }
        }
        if dryRun {
            report(files: files, documents: documents, merged: merged)
            return
        }
        try OpLogFile.write(merged.history, to: output!, documentId: documentIds.first)
        if output != "-" {
            standardError("merged \(inputs.count) logs: \(merged.historyCount) ops, \(merged.length) characters, version \(merged.version)\n")
        }
    }

    private func report(files: [OpLogFile], documents: [Document], merged: Document) {
        var entries: [String] = []
        for (index, document) in documents.enumerated() {
            var others = VersionVector()
            for (k, other) in documents.enumerated() where k != index { others.formUnion(other.version) }
            var inserted = 0
            var deleted = 0
            var opCount = 0
            var ranges: [String] = []
            for (client, count) in document.version.counts.sorted(by: { $0.key < $1.key }) where count > others[client] {
                ranges.append("\(client):\(others[client])..<\(count)")
                for op in document.ops(of: client, from: others[client], to: count) {
                    opCount += 1
                    switch op.payload {
                    case .textInsert(let insert): inserted += insert.length
                    case .textDelete(let delete): deleted += delete.length
                    case .formatSet, .comment, .block: break
                    }
                }
            }
            if json {
                let list = ranges.map { quoted($0, limit: .max) }.joined(separator: ",")
                entries.append(
                    "{\"input\":\(quoted(files[index].path, limit: .max)),\"ops\":\(opCount),\"inserted\":\(inserted),"
                        + "\"deleted\":\(deleted),\"ranges\":[\(list)]}")
            } else if opCount == 0 {
                print("\(files[index].path): nothing the others lack")
            } else {
                print("\(files[index].path): \(opCount) ops the others lack (\(ranges.joined(separator: ", "))): +\(inserted) −\(deleted) chars")
            }
        }
        if json {
            print("{\"inputs\":[\(entries.joined(separator: ","))],\"merged\":{\"ops\":\(merged.historyCount),\"length\":\(merged.length),\"version\":\(merged.version.jsonText)}}")
        } else {
            print("merged: \(merged.historyCount) ops, \(merged.length) characters, version \(merged.version)")
        }
    }
}
