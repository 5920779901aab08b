/// A character id inside the engine: an interned client index and a sequence number.
/// `client == -1` stands for "none" (the document's start or end as an origin).
struct CharId: Hashable {
    var client: Int32
    var seq: Int32

    static let none = CharId(client: -1, seq: 0)
    /// The right origin of characters whose ops compaction squashed: reads as none, but
    /// no op's run equals it, so no later insert grows a squashed run.
    static let compacted = CharId(client: -2, seq: 0)
    var isNone: Bool { client < 0 }
}

/// A run of characters inserted together by one client: consecutive ids, consecutive
/// content, one left origin (of its first character) and one right origin (of all).
/// Runs are split when an edit lands inside them; a run grows when its author keeps
/// typing at its end, and deleted neighbours that continue each other are joined.
struct Run {
    var client: Int32
    var seq: Int32
    var length: Int32
    /// Index of the run's first scalar in the document's content buffer.
    var content: Int32
    var origin: CharId
    var rightOrigin: CharId
    var deleted: Bool
    /// The characters' state at the version a `HistoryWalker` has prepared (docs/engine.md):
    /// 0 not inserted yet, 1 inserted and shown, 1 + k deleted by k ops. A document no
    /// walker tracks keeps every run at 1.
    var state: Int16 = 1

    var visibleLength: Int { deleted ? 0 : Int(length) }
    /// The characters shown at the prepared version.
    var preparedLength: Int { state == 1 ? Int(length) : 0 }
    var lastId: CharId { CharId(client: client, seq: seq + length - 1) }

    /// Whether the character `id` is one of this run's. One unsigned compare checks both
    /// ends: lookups scan whole leaves with it, for every anchor and origin.
    @inline(__always)
    func contains(_ id: CharId) -> Bool {
        client == id.client && UInt32(bitPattern: id.seq &- seq) < UInt32(bitPattern: length)
    }

    /// Whether `next` is what splitting one run would have left after this one: the
    /// following ids and content, each character's left origin its predecessor, the same
    /// right origin. Characters may then move between the two (deletion state aside).
    func isContinued(by next: Run) -> Bool {
        next.client == client && next.seq == seq + length && next.content == content + length
            && next.origin == lastId && next.rightOrigin == rightOrigin && next.state == state
    }

    /// Splits off the characters from `offset` on; `self` keeps the ones before it.
    mutating func split(at offset: Int32) -> Run {
        var tail = self
        tail.seq += offset
        tail.length -= offset
        tail.content += offset
        tail.origin = CharId(client: client, seq: seq + offset - 1)
        length = offset
        return tail
    }
}
