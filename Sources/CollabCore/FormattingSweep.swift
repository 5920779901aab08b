/// The formatting along the document, decided as a walk over the runs meets the
/// characters that anchor marks and comments.
///
/// Each `format_set` and live comment covers the characters from its start anchor to its
/// end anchor (each before or after its character, anchors on deleted characters
/// included). The sweep keeps a bit per anchored character of the content buffer
/// (`anchorBits`); a walk that meets one passes its ends (`ends(at:)`, `pass`) and the
/// sweep decides again only the attributes whose covering set changed: per attribute the
/// latest covering `format_set` by (timestamp, clientId), and the live comments covering,
/// oldest first. No anchor's position is looked up: finding them in the tree cost more
/// than the rest of the rendering (docs/benchmarks.md, rich text).
struct FormattingSweep {
    private struct Span {
        /// The attribute, by number, so the sweep hashes no strings.
        var key: Int
        /// The value, by number (`values`); -1 for null, which shows as no value.
        var value: Int32
        /// Last-writer-wins order: timestamp, then client id (as its rank among the
        /// document's client names), then seq.
        var timestamp: Timestamp
        var clientRank: Int32
        var seq: Int32

        func isLater(than other: Span) -> Bool {
            if timestamp != other.timestamp { return timestamp > other.timestamp }
            if clientRank != other.clientRank { return clientRank > other.clientRank }
            return seq > other.seq
        }
    }

    /// One end of a span or comment, at an anchored character.
    private struct End {
        /// Spans are numbered from 0, then the comments follow (`spans.count + k` for
        /// `commentIds[k]`).
        var owner: Int32
        var closes: Bool
        /// Takes effect after its character rather than before it.
        var after: Bool
    }

    /// Bit `k` is set when scalar `k` of the content buffer is an anchored character.
    let anchorBits: [UInt64]
    /// The ends at anchored characters as `content << 32 | index into ends`, ascending:
    /// a character's ends are found by binary search, and lie together.
    private let anchorKeys: [UInt64]
    private let ends: [End]
    /// Ends at the document's start (for spans from its very beginning).
    private let startEnds: [End]
    private let spans: [Span]
    private let keyNames: [String]
    /// The distinct values the spans set, by number.
    private let values: [AttributeValue]
    /// The live comments with anchors, oldest first (the same on every replica whatever
    /// order the comments arrived in).
    private let commentIds: [OpId]
    /// Per owner (spans, then comments): 0 before its start, 1 open, 2 closed. An owner
    /// that closes before it opens (an empty or inverted range) never opens.
    private var phase: [UInt8]
    /// By attribute: indexes into `spans`.
    private var covering: [[Int]]
    /// Indexes into `commentIds`, ascending (oldest first).
    private var coveringComments: [Int] = []
    private var changedKeys: [Int] = []
    private var commentsChanged = false
    /// The formatting at the place the walk has reached.
    private(set) var state: State

    /// A formatting as numbers, cheap to keep up to date, compare and hash: per attribute
    /// number the value shown by number (-1 for none), and the comments shown as indexes
    /// into the comments, oldest first. `names` turns it into names and ids.
    struct State: Hashable {
        var values: [Int32]
        var comments: [Int]

        /// One word for the hasher: hashing each number of the lists through it cost
        /// more than deciding the formatting.
        func hash(into hasher: inout Hasher) {
            var mixed = values.count
            for value in values { mixed = mixed &* 31 &+ Int(value) }
            for comment in comments { mixed = mixed &* 131 &+ comment }
            hasher.combine(mixed)
        }
    }

    /// What the numbers of a `State` stand for.
    struct Names {
        let keys: [String]
        let values: [AttributeValue]
        let comments: [OpId]

        /// The attributes of `state`, null values left out.
        func attributes(of state: State) -> [String: AttributeValue] {
            var result: [String: AttributeValue] = [:]
            for (key, value) in state.values.enumerated() where value >= 0 { result[keys[key]] = values[Int(value)] }
            return result
        }

        /// The ids of `state`'s comments, oldest first.
        func comments(of state: State) -> [OpId] { state.comments.map { comments[$0] } }
    }

    var names: Names { Names(keys: keyNames, values: values, comments: commentIds) }

    /// The sweep of `document`, leaving out the `format_set` records at the given indexes
    /// of its records (for reverting them).
    init(_ document: Document, excluding excluded: Set<Int> = []) {
        var keyNames: [String] = []
        var values: [AttributeValue] = []
        var valueNumbers: [AttributeValue: Int32] = [:]
        var spans: [Span] = []
        spans.reserveCapacity(document.marks.count)
        var clientRanks = [Int32](repeating: 0, count: document.clientNames.count)
        for (rank, client) in document.clientNames.indices.sorted(by: { document.clientNames[$0] < document.clientNames[$1] }).enumerated() {
            clientRanks[client] = Int32(rank)
        }
        var anchorIds: [CharId] = []
        var ends: [End] = []
        var startEnds: [End] = []
        func anchor(_ id: CharId, after: Bool, owner: Int, closes: Bool) {
            let end = End(owner: Int32(owner), closes: closes, after: after)
            if id.isNone {
                // The document's start opens; its end closes nothing (spans run to it).
                if !closes { startEnds.append(end) }
            } else {
                anchorIds.append(id)
                ends.append(end)
            }
        }
        // The format records, found in a tight pass over the history, which is mostly text.
        var formats: [Int] = []
        document.records.withUnsafeBufferPointer { records in
            for index in records.indices where records[index].kind == .format && !excluded.contains(index) { formats.append(index) }
        }
        for index in formats {
            let record = document.records[index]
            let mark = document.marks[Int(record.start)]
            // Few distinct attributes: comparing short strings beats hashing them.
            let key: Int
            if let number = keyNames.firstIndex(of: mark.key) {
                key = number
            } else {
                key = keyNames.count
                keyNames.append(mark.key)
            }
            let value: Int32
            if mark.value == .null {
                value = -1
            } else if let number = values.count <= 8 ? values.firstIndex(of: mark.value).map(Int32.init) : valueNumbers[mark.value] {
                value = number
            } else {
                value = Int32(values.count)
                values.append(mark.value)
                valueNumbers[mark.value] = value
            }
            anchor(mark.start, after: mark.startSide == .after, owner: spans.count, closes: false)
            anchor(mark.end, after: mark.endSide == .after, owner: spans.count, closes: true)
            spans.append(Span(key: key, value: value, timestamp: record.timestamp, clientRank: clientRanks[Int(record.client)], seq: record.seq))
        }
        let comments = document.comments.filter { !$0.deleted && $0.replyTo == nil && $0.start != nil && $0.end != nil }
            .sorted { $0.isOlder(than: $1) }
        for (k, comment) in comments.enumerated() {
            let start = comment.start!, end = comment.end!
            anchor(document.charId(of: start.id), after: start.side == .after, owner: spans.count + k, closes: false)
            anchor(document.charId(of: end.id), after: end.side == .after, owner: spans.count + k, closes: true)
        }
        let contents = document.contentIndexes(of: anchorIds)
        var anchorKeys = contents.indices.map { UInt64(contents[$0]) << 32 | UInt64($0) }
        anchorKeys.sortByHighWord()
        var anchorBits = [UInt64](repeating: 0, count: (document.content.count + 63) >> 6)
        for content in contents { anchorBits[content >> 6] |= 1 << UInt64(content & 63) }
        self.anchorBits = anchorBits
        self.anchorKeys = anchorKeys
        self.ends = ends
        self.startEnds = startEnds
        self.spans = spans
        self.keyNames = keyNames
        self.values = values
        commentIds = comments.map(\.id)
        phase = Array(repeating: 0, count: spans.count + comments.count)
        covering = Array(repeating: [], count: keyNames.count)
        state = State(values: Array(repeating: -1, count: keyNames.count), comments: [])
    }

    /// Opens what starts at the document's very start; whether the formatting changed.
    mutating func passStart() -> Bool {
        for end in startEnds { take(end) }
        return settle()
    }

    /// Where in `anchorKeys` the ends at anchored character `content` are.
    func ends(at content: Int) -> Range<Int> {
        let key = UInt64(content) << 32
        var low = 0, high = anchorKeys.count
        while low < high {
            let mid = (low + high) >> 1
            if anchorKeys[mid] < key { low = mid + 1 } else { high = mid }
        }
        var upper = low
        while upper < anchorKeys.count && anchorKeys[upper] >> 32 == UInt64(content) { upper += 1 }
        return low..<upper
    }

    /// Whether any of the ends `found` takes effect after its character.
    func anyAfter(_ found: Range<Int>) -> Bool {
        found.contains { end($0).after }
    }

    /// Passes the ends `found` (`ends(at:)`) that take effect before their character, or
    /// after it; whether the formatting changed. Closing goes first: at one place a
    /// range that closes there is over before one that opens there begins.
    mutating func pass(_ found: Range<Int>, after: Bool) -> Bool {
        for k in found where end(k).after == after && end(k).closes { take(end(k)) }
        for k in found where end(k).after == after && !end(k).closes { take(end(k)) }
        return settle()
    }

    /// The end that `anchorKeys[k]` stands for.
    private func end(_ k: Int) -> End { ends[Int(anchorKeys[k] & 0xFFFF_FFFF)] }

    private mutating func take(_ end: End) {
        let owner = Int(end.owner)
        if end.closes {
            defer { phase[owner] = 2 }
            guard phase[owner] == 1 else { return }
            if owner < spans.count {
                let key = spans[owner].key
                if let k = covering[key].firstIndex(of: owner) { covering[key].remove(at: k) }
                if !changedKeys.contains(key) { changedKeys.append(key) }
            } else if let k = coveringComments.firstIndex(of: owner - spans.count) {
                coveringComments.remove(at: k)
                commentsChanged = true
            }
        } else {
            guard phase[owner] == 0 else { return }
            phase[owner] = 1
            if owner < spans.count {
                let key = spans[owner].key
                covering[key].append(owner)
                if !changedKeys.contains(key) { changedKeys.append(key) }
            } else {
                let comment = owner - spans.count
                coveringComments.insert(comment, at: coveringComments.firstIndex { $0 > comment } ?? coveringComments.count)
                commentsChanged = true
            }
        }
    }

    /// Decides again the attributes whose covering set changed; whether the formatting
    /// shown changed.
    private mutating func settle() -> Bool {
        var changed = false
        for key in changedKeys {
            var best: Span?
            for span in covering[key] where best.map({ spans[span].isLater(than: $0) }) ?? true { best = spans[span] }
            let shown = best?.value ?? -1
            if state.values[key] != shown {
                state.values[key] = shown
                changed = true
            }
        }
        changedKeys.removeAll(keepingCapacity: true)
        if commentsChanged && coveringComments != state.comments {
            state.comments = coveringComments
            changed = true
        }
        commentsChanged = false
        return changed
    }
}

extension Document {
    /// The id of a known character as the tree keeps it.
    func charId(of id: OpId) -> CharId {
        CharId(client: clientIndex(of: id.client)!, seq: Int32(id.seq))
    }

    /// Where known characters' scalars are in the content buffer: at their inserts' text,
    /// or, for ids compaction squashed, where the tree's runs say.
    func contentIndexes(of ids: [CharId]) -> [Int] {
        ids.map { id in
            if let k = recordIndex(of: id.client, containing: id.seq), records[k].kind != .compacted, records[k].isCharacters {
                return Int(records[k].start) + Int(id.seq - records[k].seq)
            }
            let cursor = tree.cursor(of: id)!
            return Int(cursor.run.content) + Int(cursor.offset)
        }
    }
}

