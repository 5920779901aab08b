import CollabCore
import CollabLog

/// `collab compact`: a log rewritten to start from a squashed base at a cutoff, with the
/// ops after the cutoff unchanged (docs/versions.md). Refused rather than lossy: the
/// result must show exactly what the log shows, in every format.
public enum LogCompaction {
    public struct Result {
        /// The compacted log's bytes (a `.clog`).
        public var bytes: [UInt8]
        public var opsAfter: Int
        public var cutoff: VersionVector
        /// Tags left out (`dropTags`), because their versions lie before the cutoff.
        public var droppedTags: [VersionTag]
    }

    public enum Refusal: Error, CustomStringConvertible {
        /// Tags whose versions do not include the cutoff: they could not be shown after.
        case tagsBeforeCutoff([VersionTag])
        /// An op after the cutoff that the base cannot take (it was made concurrently
        /// with ops before the cutoff, by a replica that had not seen them).
        case concurrentAfterCutoff(String)
        /// The compacted log would not show what the log shows (never expected).
        case differs(String)

        public var description: String {
            switch self {
            case .tagsBeforeCutoff(let tags):
                "tags \(tags.map(\.name.debugDescription).joined(separator: ", ")) name versions before the cutoff, which compaction would make impossible to show; compact before an earlier version, or pass --drop-tags"
            case .concurrentAfterCutoff(let reason):
                "an op after the cutoff was made without some of the history before it (\(reason)); compact before an earlier version that every op after it had seen"
            case .differs(let what):
                "the compacted log would not show what the log shows (\(what)); nothing was written"
            }
        }
    }

    public static func compact(_ log: OpLogFile, before cutoff: VersionVector, documentId: String, dropTags: Bool) throws -> Result {
        let keptTags = log.tags.filter { cutoff.isIncluded(in: $0.version) }
        let dropped = log.tags.filter { !cutoff.isIncluded(in: $0.version) }
        if !dropped.isEmpty && !dropTags { throw Refusal.tagsBeforeCutoff(dropped) }
        let atCutoff = try log.document(at: cutoff)
        // The ops after the cutoff, as they are (an op the cutoff cuts is sliced).
        var after: [Op] = []
        var keeping = Set<OpId>()
        for op in log.ops where op.endSeq > cutoff[op.id.client] {
            let part = op.id.seq < cutoff[op.id.client] ? op.slice(from: cutoff[op.id.client], to: op.endSeq) : op
            after.append(part)
            keeping.formUnion(part.dependencies)
            if case .textDelete(let delete) = part.payload {
                for target in delete.targets {
                    for k in 0..<target.length { keeping.insert(OpId(target.start.client, target.lowestSeq + k)) }
                }
            }
        }
        let base = atCutoff.compactedSnapshot(keeping: keeping)
        // What it will show, checked against what the log shows now.
        let compacted: Document
        do {
            compacted = try Document(snapshot: base)
            for op in after { try compacted.apply(op) }
        } catch let error as EngineError {
            throw Refusal.concurrentAfterCutoff(error.description)
        }
        let head = try log.document()
        for (name, render) in renderings {
            guard render(compacted) == render(head) else { throw Refusal.differs("its \(name) differs") }
        }
        guard compacted.version == head.version else { throw Refusal.differs("its version differs") }
        // The replicas' acknowledged versions stay: they are at or past the cutoff.
        let acknowledgements = log.acknowledgements.map(\.json)
        let bytes = ClogLog.encode(documentId: documentId, ops: after, tags: keptTags, base: base, acknowledgements: acknowledgements)
        return Result(bytes: bytes, opsAfter: after.count, cutoff: cutoff, droppedTags: dropped)
    }

    /// Every way a document is shown, each of which compaction must keep byte for byte.
    static let renderings: [(String, @Sendable (Document) -> String)] = [
        ("text", { $0.text }),
        ("markdown", { RichTextRendering.markdown($0) }),
        ("HTML", { RichTextRendering.html($0) }),
        ("JSON", { RichTextRendering.json($0, withIds: true) }),
    ]
}
