import CollabCore
import CollabLog

extension StoreExport {
    /// A whole store as export lines (the form `decode(line:)` reads).
    public static func encode(_ store: any Store) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for documentId in try store.documentIds() {
            guard let file = try store.log(documentId) else { continue }
            if let cutoff = file.baseVersion {
                throw LogError.badData(path: file.path, reason: "it is compacted (its history before \(cutoff) is a base, not ops), so it cannot be exported as ops; export the store before compacting")
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
            for tag in file.tags {
                bytes += prefix.bytes
                bytes += tag.json.dropFirst()
                bytes.append(0x0A)
            }
        }
        return bytes
    }
}
