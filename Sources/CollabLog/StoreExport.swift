import CollabCore

/// A whole store as JSON lines: every op of every document, each line the op's JSON
/// form with a leading `"documentId"` field; documents in id order, ops in log order.
public enum StoreExport {
    public static func encode(_ store: DocumentStore) throws(LogError) -> [UInt8] {
        var bytes: [UInt8] = []
        for (path, documentId) in try store.logs() {
            let file = try OpLogFile.load(path)
            guard let documentId, file.documentId == documentId else {
                throw .damaged(path: path, reason: "its header cannot be read")
            }
            _ = try file.document()
            var prefix = JSONWriter()
            prefix.raw("{\"documentId\":")
            prefix.string(documentId)
            prefix.raw(",")
            for op in file.ops {
                bytes += prefix.bytes
                bytes += OpJSON.line(op).utf8.dropFirst()  // the op's own "{" is replaced by the prefix
                bytes.append(0x0A)
            }
        }
        return bytes
    }

    /// Splits a line of a store export into its document id (nil when untagged) and
    /// the op.
    public static func decode(line: some Collection<UInt8>) throws(OpFormatError) -> (documentId: String?, op: Op) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(line))
        } catch {
            throw OpFormatError(path: "", message: error.description)
        }
        guard case .object(var fields) = value, let tag = fields.removeValue(forKey: "documentId") else {
            return (nil, try OpJSON.decode(value))
        }
        guard case .string(let documentId) = tag, ClogFormat.problem(withDocumentId: documentId) == nil else {
            throw OpFormatError(path: "documentId", message: "expected a document id (1 to 1024 bytes, no control characters)")
        }
        return (documentId, try OpJSON.decode(.object(fields)))
    }
}
