/// What another replica needs to go on from this document without replaying its history:
/// every character (deleted ones too) with its id, origins, kind and whether it is shown,
/// in document order; the marks, comments, block registers, deleted blocks and block
/// places, each with the stamp last-writer-wins compares; the version and the clock.
/// The browser's engine loads it instead of every op when it opens a document
/// (docs/protocol.md, `sync_state`). Clients are numbered (`clients`); ids refer to them.
public struct ReplicaState: Sendable {
    /// A character id: a client's number and a seq.
    public struct Id: Equatable, Sendable {
        public var client: Int
        public var seq: Int
    }

    /// What last-writer-wins compares: timestamp, then client id, then seq.
    public struct Stamp: Sendable {
        public var timestamp: Timestamp
        public var client: Int
        public var seq: Int
    }

    public enum Kind: Int, Sendable {
        case text = 0, marker = 1, slot = 2
    }

    /// Consecutive characters of one client, all shown or all deleted.
    public struct Run: Sendable {
        public var client: Int
        public var seq: Int
        public var length: Int
        public var deleted: Bool
        public var kind: Kind
        /// The left origin of the run's first character; nil with `inner` false for the
        /// document's start. `inner`: the character before it in its insert (seq − 1).
        public var origin: Id?
        public var inner: Bool
        /// The right origin; nil for the document's end (or history compaction squashed).
        public var rightOrigin: Id?
    }

    /// One edge of a span: the gap before or after a character; nil is the document's edge.
    public struct Anchor: Sendable {
        public var id: Id
        public var after: Bool
    }

    public struct Mark: Sendable {
        public var start: Anchor?
        public var end: Anchor?
        public var key: String
        public var value: AttributeValue
        public var stamp: Stamp
    }

    public struct Comment: Sendable {
        public var id: Id
        /// When the comment was made (its `comment_add`).
        public var timestamp: Timestamp
        public var start: Anchor?
        public var end: Anchor?
        public var replyTo: Id?
        public var text: String
        public var textStamp: Stamp
        public var resolved: Bool
        public var resolvedStamp: Stamp?
        public var deleted: Bool
    }

    /// A block attribute's register.
    public struct Register: Sendable {
        public var key: String
        public var value: AttributeValue
        public var stamp: Stamp
    }

    public var clients: [ClientId]
    public var runs: [Run]
    /// The shown characters, in order, block markers as line feeds.
    public var text: String
    /// Per client: the ids applied (its next seq).
    public var next: [Int]
    public var clock: Timestamp
    /// Format ops in the order they were applied.
    public var marks: [Mark]
    /// Comments in the order they were made here.
    public var comments: [Comment]
    public var blocks: [(marker: Id, attributes: [Register])]
    public var firstBlock: [Register]
    public var deletedBlocks: [(marker: Id, until: Id?)]
    public var slots: [(block: Id, slot: Id, stamp: Stamp)]
}

extension Document {
    /// The state another replica goes on from (`ReplicaState`); nil when compaction
    /// squashed part of the history (what is left names characters a replica starting
    /// from this state could not place).
    public var replicaState: ReplicaState? {
        guard !hasCompactedHistory else { return nil }
        func id(_ id: CharId) -> ReplicaState.Id? {
            id.isNone ? nil : ReplicaState.Id(client: Int(id.client), seq: Int(id.seq))
        }
        func stamp(_ timestamp: Timestamp, _ client: ClientId, _ seq: Int) -> ReplicaState.Stamp {
            ReplicaState.Stamp(timestamp: timestamp, client: Int(clientIndex(of: client)!), seq: seq)
        }
        func opStamp(_ given: OpStamp) -> ReplicaState.Stamp { stamp(given.timestamp, given.id.client, given.id.seq) }
        func anchor(_ anchor: MarkAnchor?) -> ReplicaState.Anchor? {
            anchor.map { ReplicaState.Anchor(id: ReplicaState.Id(client: Int(clientIndex(of: $0.id.client)!), seq: $0.id.seq), after: $0.side == .after) }
        }
        func registers(_ values: [String: (value: AttributeValue, stamp: OpStamp)]) -> [ReplicaState.Register] {
            values.sorted { $0.key < $1.key }.map { ReplicaState.Register(key: $0.key, value: $0.value.value, stamp: opStamp($0.value.stamp)) }
        }
        let slotIds = Set(blockSlots.values.map(\.slot))
        var runs: [ReplicaState.Run] = []
        var shown = String.UnicodeScalarView()
        tree.forEachRun { run in
            // A run holding a block marker is cut around it: a marker is a run of its own.
            var start: Int32 = 0
            func emit(_ from: Int32, _ to: Int32, kind: ReplicaState.Kind) {
                guard from < to else { return }
                let first = CharId(client: run.client, seq: run.seq + from)
                runs.append(ReplicaState.Run(
                    client: Int(run.client), seq: Int(first.seq), length: Int(to - from), deleted: run.deleted, kind: kind,
                    origin: from == 0 ? id(run.origin) : nil, inner: from > 0, rightOrigin: id(run.rightOrigin)))
                if !run.deleted {
                    for k in from..<to { shown.append(Unicode.Scalar(content[Int(run.content + k)])!) }
                }
            }
            if run.length == 1 && slotIds.contains(CharId(client: run.client, seq: run.seq)) {
                return emit(0, 1, kind: .slot)
            }
            for k in 0..<run.length where blocks[CharId(client: run.client, seq: run.seq + k)] != nil {
                emit(start, k, kind: .text)
                emit(k, k + 1, kind: .marker)
                start = k + 1
            }
            emit(start, run.length, kind: .text)
        }
        var marks: [ReplicaState.Mark] = []
        for record in records where record.kind == .format {
            let mark = self.marks[Int(record.start)]
            let startId = id(mark.start)
            let endId = id(mark.end)
            marks.append(ReplicaState.Mark(
                start: startId.map { ReplicaState.Anchor(id: $0, after: mark.startSide == .after) },
                end: endId.map { ReplicaState.Anchor(id: $0, after: mark.endSide == .after) }, key: mark.key, value: mark.value,
                stamp: ReplicaState.Stamp(timestamp: record.timestamp, client: Int(record.client), seq: Int(record.seq))))
        }
        let comments = comments.map { comment in
            ReplicaState.Comment(
                id: ReplicaState.Id(client: Int(clientIndex(of: comment.id.client)!), seq: comment.id.seq), timestamp: comment.timestamp,
                start: anchor(comment.start),
                end: anchor(comment.end), replyTo: comment.replyTo.map { ReplicaState.Id(client: Int(clientIndex(of: $0.client)!), seq: $0.seq) },
                text: comment.text, textStamp: stamp(comment.textStamp.0, comment.textStamp.1, comment.textStamp.2),
                resolved: comment.resolved, resolvedStamp: comment.resolvedStamp.map { stamp($0.0, $0.1, $0.2) }, deleted: comment.deleted)
        }
        return ReplicaState(
            clients: clientNames, runs: runs, text: String(shown), next: nextSeq.map(Int.init), clock: clock.latest, marks: marks,
            comments: comments, blocks: blocks.map { (marker, record) in (id(marker)!, registers(record.attributes)) },
            firstBlock: registers(firstBlock), deletedBlocks: deletedBlockRanges.map { (id($0.marker)!, $0.until.flatMap(id)) },
            slots: blockSlots.map { (block, place) in (id(block)!, id(place.slot)!, opStamp(place.stamp)) })
    }
}
