/// The engine's compact form of one op in a document's history: ids interned, inserted
/// text kept in the document's content buffer, delete targets in one shared array. Local
/// typing extends the last record in place, so a keystroke costs no allocation; the
/// public `Op` form is built only when history is read.
struct OpRecord {
    enum Kind: UInt8 {
        case insert
        case delete
        /// A `format_set`: `start` indexes the document's `marks`.
        case format
        /// A comment op: `start` indexes the document's `commentOps`.
        case comment
        /// A `block_insert`: a one-character insert (its marker) whose `targetCount`
        /// indexes the document's `blockInserts` (its attributes).
        case block
        /// A `block_set` or `block_delete`: `start` indexes the document's `blockOps`.
        case blockOp
        /// A `block_move`: a one-character insert (its hidden slot) whose `targetCount`
        /// indexes the document's `blockOps` (the move).
        case blockMove
        /// Ids squashed by compaction (docs/versions.md): no op any more, only the
        /// characters still there (in runs, their text from `start`, `targetCount` of
        /// them). Never part of `history`.
        case compacted
    }

    var kind: Kind
    var client: Int32
    var seq: Int32
    var span: Int32
    var timestamp: Timestamp
    /// Insert: the left and right origins of the first character.
    var origin: CharId
    var rightOrigin: CharId
    /// Insert: the first scalar in the content buffer. Delete: the first target in the
    /// target buffer.
    var start: Int32
    /// Delete: how many targets.
    var targetCount: Int32

    var endSeq: Int32 { seq + span }

    /// Whether the record's ids are characters of the sequence.
    var isCharacters: Bool { kind == .insert || kind == .block || kind == .blockMove }

    /// Whether the record is an op of history (not squashed by compaction).
    var isOp: Bool { kind != .compacted }
}

/// One delete target with an interned client: `length` ids from `seq`, going down when
/// `backward`.
struct TargetRecord: Equatable {
    var client: Int32
    var seq: Int32
    var length: Int32
    var backward: Bool

    var last: Int32 { backward ? seq - length + 1 : seq + length - 1 }
    var lowestSeq: Int32 { backward ? seq - length + 1 : seq }

    /// Extends this target by `next` when `next` continues it, forwards or backwards.
    mutating func join(_ next: TargetRecord) -> Bool {
        guard client == next.client else { return false }
        let forwardOK = (length == 1 || !backward) && (next.length == 1 || !next.backward)
        if forwardOK && next.seq == last + 1 {
            length += next.length
            backward = false
            return true
        }
        let backwardOK = (length == 1 || backward) && (next.length == 1 || next.backward)
        if backwardOK && next.seq == last - 1 {
            length += next.length
            backward = true
            return true
        }
        return false
    }
}
