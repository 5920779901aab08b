import CollabCore

/// A whole store as JSON lines: every op and tag of every document, each line the op's
/// (or tag's) JSON form with a leading `"documentId"` field; documents in id order, ops
/// in log order, each document's tags after its ops. Written from a store by
/// `StoreExport.encode` (CollabStorage); read back here.
public enum StoreExport {
    /// What one line of a store export holds.
    public enum Line {
        case op(Op)
        case tag(VersionTag)
    }

    /// Splits a line of a store export into its document id (nil when untagged) and
    /// the op or tag.
    public static func decode(line: some Collection<UInt8>) throws(OpFormatError) -> (documentId: String?, line: Line) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(line))
        } catch {
            throw OpFormatError(path: "", message: error.description)
        }
        guard case .object(var fields) = value else { return (nil, .op(try OpJSON.decode(value))) }
        let documentId: String?
        if let tag = fields.removeValue(forKey: "documentId") {
            guard case .string(let id) = tag, ClogFormat.problem(withDocumentId: id) == nil else {
                throw OpFormatError(path: "documentId", message: "expected a document id (1 to 1024 bytes, no control characters)")
            }
            documentId = id
        } else {
            documentId = nil
        }
        if let tag = try VersionTag.decode(fields: fields) {
            return (documentId, .tag(tag))
        }
        return (documentId, .op(try OpJSON.decode(.object(fields))))
    }
}
