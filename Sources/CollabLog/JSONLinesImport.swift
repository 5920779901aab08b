import CollabCore

/// Reading a JSON-lines op stream or store export for import: every line validated and
/// every op replayed per document, all or nothing, or with bad lines set aside.
public enum JSONLinesImport {
    public struct ImportedDocument: Sendable {
        /// The id the lines were tagged with; nil for untagged lines.
        public var documentId: String?
        /// The ops, in a causal order (the input's, when it was causal).
        public var ops: [Op]
        /// Its named versions.
        public var tags: [VersionTag]

        public init(documentId: String?, ops: [Op], tags: [VersionTag] = []) {
            self.documentId = documentId
            self.ops = ops
            self.tags = tags
        }
    }

    public struct RejectedLine: Sendable {
        public var line: Int
        public var reason: String
        /// The line as it was, so nothing is lost.
        public var text: String
    }

    /// With `skipInvalid` false, the first bad line is an error naming it; with it true,
    /// bad lines (and ops that depend on them) are returned as rejected instead.
    /// `other` sees each line first and takes the ones it knows (another module's line
    /// types, such as access events), returning true for them.
    public static func read(
        _ bytes: [UInt8], path: String, skipInvalid: Bool, other: (ArraySlice<UInt8>) throws -> Bool = { _ in false }
    ) throws(LogError) -> (documents: [ImportedDocument], rejected: [RejectedLine]) {
        var rejected: [RejectedLine] = []
        var order: [String?] = []
        var groups: [String?: [(line: Int, text: ArraySlice<UInt8>, op: Op)]] = [:]
        var tags: [String?: [VersionTag]] = [:]
        func reject(_ line: Int, _ text: ArraySlice<UInt8>, _ reason: String) throws(LogError) {
            guard skipInvalid else { throw .badLine(path: path, line: line, reason: reason) }
            rejected.append(RejectedLine(line: line, reason: reason, text: String(decoding: text, as: UTF8.self)))
        }
        try JSONLines.forEachLine(of: bytes) { (number, line) throws(LogError) in
            do {
                if try other(line) { return }
                let (documentId, content) = try StoreExport.decode(line: line)
                if groups[documentId] == nil { order.append(documentId) }
                switch content {
                case .op(let op): groups[documentId, default: []].append((number, line, op))
                case .tag(let tag):
                    groups[documentId, default: []] += []
                    tags[documentId, default: []].append(tag)
                }
            } catch {
                try reject(number, line, "\(error)")
            }
        }
        var documents: [ImportedDocument] = []
        for documentId in order {
            let entries = groups[documentId]!
            let document = Document()
            var lineOf: [OpId: Int] = [:]
            for entry in entries {
                do {
                    lineOf[entry.op.id] = entry.line
                    try document.apply(entry.op)
                } catch {
                    try reject(entry.line, entry.text, "\(error)")
                }
            }
            for waiting in document.pending {
                let missing = waiting.dependencies.first { !document.isSeen($0) } ?? waiting.id
                let line = lineOf[waiting.id] ?? 0
                let text = entries.first { $0.line == line }?.text ?? []
                try reject(line, text, "op \(waiting.id) depends on \(missing), which is in neither the log nor the input")
            }
            documents.append(ImportedDocument(documentId: documentId, ops: document.history, tags: tags[documentId] ?? []))
        }
        rejected.sort { $0.line < $1.line }
        return (documents, rejected)
    }

    /// The rejects file: one JSON object per rejected line, with its number, the reason
    /// and the line itself.
    public static func encode(_ rejected: [RejectedLine]) -> [UInt8] {
        var writer = JSONWriter()
        for entry in rejected {
            writer.raw("{\"line\":")
            writer.int(entry.line)
            writer.raw(",\"reason\":")
            writer.string(entry.reason)
            writer.raw(",\"text\":")
            writer.string(entry.text)
            writer.raw("}\n")
        }
        return writer.bytes
    }
}
