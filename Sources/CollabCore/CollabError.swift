/// What the engine refuses, with the ids a user needs to find the culprit.
public enum EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An op reuses ids that an earlier op used for different content: never merged silently.
    case conflictingDuplicate(OpId)
    /// An op that cannot be right whatever else arrives (it names an id that is not a character, …).
    case invalidOp(OpId, String)
    /// An op waits for an id that is nowhere to be found.
    case missingDependency(op: OpId, missing: OpId)
    /// A local edit outside the document.
    case positionOutOfRange(position: Int, length: Int)
    /// A local edit of `count` characters from `position` that the document does not have.
    case rangeOutOfRange(position: Int, count: Int, length: Int)
    /// A local edit the document cannot make, and why.
    case invalidEdit(String)
    /// An op that needs history this document squashed by compaction: its author was
    /// behind the cutoff and must start again from this document's state.
    case compacted(OpId, needs: OpId)
    /// A version names ops whose dependencies it does not include.
    case versionNotCausallyClosed(missing: OpId, neededBy: OpId)
    /// A snapshot (a checkpoint's state) does not hold together.
    case invalidSnapshot(String)

    public var description: String {
        switch self {
        case .conflictingDuplicate(let id):
            "op \(id) is already known with different content (duplicate id, conflicting data)"
        case .invalidOp(let id, let reason):
            "op \(id) is invalid: \(reason)"
        case .missingDependency(let op, let missing):
            "op \(op) depends on \(missing), which is in neither the log nor the input"
        case .positionOutOfRange(let position, let length):
            "position \(position) is outside the document (length \(length))"
        case .rangeOutOfRange(let position, let count, let length):
            count < 1
                ? "a range of \(count) characters is empty"
                : "characters \(position)..<\(position + count) are outside the document (length \(length))"
        case .invalidEdit(let reason):
            reason
        case .compacted(let op, let needs):
            "op \(op) needs \(needs), which compaction removed from this log: the replica that made it was behind the cutoff and must resync from a snapshot"
        case .versionNotCausallyClosed(let missing, let neededBy):
            "version is not causally closed: \(neededBy) needs \(missing), which the version excludes"
        case .invalidSnapshot(let reason):
            "the checkpoint's state is invalid: \(reason)"
        }
    }
}
