/// The formatting along the document, decided cut by cut in one pass.
///
/// The places where formatting can change are the marks' and comments' ends, found first
/// as positions among all characters (deleted ones included, so anchors on deleted
/// characters keep their place): the `cuts`. Between two cuts each character gets, per
/// attribute, the latest covering `format_set` by (timestamp, clientId), and the live
/// comments anchored over it, oldest first. The covering sets are kept up to date cut by
/// cut: each span enters once and leaves once, and only the attributes whose covering
/// set changed are decided again.
struct FormattingSweep {
    private struct Span {
        var from: Int
        var to: Int
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

    /// A live comment's anchored range; `comment` indexes the document's comments while
    /// setting up.
    private struct CommentSpan {
        var from: Int
        var to: Int
        var comment: Int
    }

    /// The positions among all characters where the formatting may change, ascending.
    let cuts: [Int]
    private let spans: [Span]
    private let keyNames: [String]
    /// The distinct values the spans set, by number.
    private let values: [AttributeValue]
    private let byStart: [Int]
    private let byEnd: [Int]
    /// Comment spans oldest first (the same on every replica whatever order the comments
    /// arrived in), with the comment ids.
    private let commentSpans: [CommentSpan]
    /// The ids of the comments of `commentSpans`, in the same order.
    private let commentIds: [OpId]
    private let commentsByStart: [Int]
    private let commentsByEnd: [Int]
    private var nextStart = 0, nextEnd = 0, nextCommentStart = 0, nextCommentEnd = 0
    /// By attribute: indexes into `spans`.
    private var covering: [[Int]]
    /// Indexes into `commentSpans`.
    private var coveringComments = Set<Int>()
    private var changed: [Int] = []
    /// The formatting at the last position moved to.
    private(set) var state: State

    /// A formatting as numbers, cheap to keep up to date, compare and hash: per attribute
    /// number the value shown by number (-1 for none), and the comments shown as indexes
    /// into the comment spans, oldest first. `names` turns it into names and ids.
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
        let wholePosition = WholePositions(document.tree)
        for (index, record) in document.records.enumerated() where record.kind == .format && !excluded.contains(index) {
            let mark = document.marks[Int(record.start)]
            let from = mark.start.isNone ? 0 : wholePosition(mark.start) + (mark.startSide == .after ? 1 : 0)
            let to = mark.end.isNone ? document.tree.totalCount : wholePosition(mark.end) + (mark.endSide == .after ? 1 : 0)
            guard from < to else { continue }
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
            spans.append(
                Span(
                    from: from, to: to, key: key, value: value, timestamp: record.timestamp,
                    clientRank: clientRanks[Int(record.client)], seq: record.seq))
        }
        let comments = document.comments
        var commentSpans: [CommentSpan] = []
        for (index, comment) in comments.enumerated() where !comment.deleted && comment.replyTo == nil {
            guard let start = comment.start, let end = comment.end else { continue }
            let from = wholePosition(document.charId(of: start.id)) + (start.side == .after ? 1 : 0)
            let to = wholePosition(document.charId(of: end.id)) + (end.side == .after ? 1 : 0)
            if from < to { commentSpans.append(CommentSpan(from: from, to: to, comment: index)) }
        }
        commentSpans.sort { comments[$0.comment].isOlder(than: comments[$1.comment]) }
        self.spans = spans
        self.keyNames = keyNames
        self.values = values
        byStart = Self.order(spans.map(\.from))
        byEnd = Self.order(spans.map(\.to))
        self.commentSpans = commentSpans
        commentIds = commentSpans.map { comments[$0.comment].id }
        commentsByStart = Self.order(commentSpans.map(\.from))
        commentsByEnd = Self.order(commentSpans.map(\.to))
        // The ends in order are already at hand: merged, not sorted again.
        cuts = Self.mergedWithoutRepeats(
            Self.mergedWithoutRepeats(byStart.map { spans[$0].from }, byEnd.map { spans[$0].to }),
            Self.mergedWithoutRepeats(commentsByStart.map { commentSpans[$0].from }, commentsByEnd.map { commentSpans[$0].to }))
        covering = Array(repeating: [], count: keyNames.count)
        state = State(values: Array(repeating: -1, count: keyNames.count), comments: [])
    }

    /// The indexes of `positions` in ascending order of position (ties in index order),
    /// sorted as plain integers (position and index in one): cheaper than sorting the
    /// indexes through a closure that reads the positions.
    static func order(_ positions: [Int]) -> [Int] {
        guard let largest = positions.max(), largest <= Int(UInt32.max), positions.count <= Int(UInt32.max) else {
            return positions.indices.sorted { positions[$0] < positions[$1] }
        }
        var keys = positions.enumerated().map { UInt64($1) << 32 | UInt64($0) }
        keys.sort()
        return keys.map { Int($0 & 0xFFFF_FFFF) }
    }

    /// The values of two ascending lists in one ascending list, each value once.
    static func mergedWithoutRepeats(_ a: [Int], _ b: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let next = j == b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
            if result.last != next { result.append(next) }
            if i < a.count && a[i] == next { i += 1 } else { j += 1 }
        }
        return result
    }

    /// Moves to `position` (the next cut, in order); whether the attributes or comments
    /// changed there.
    mutating func advance(to position: Int) -> Bool {
        changed.removeAll(keepingCapacity: true)
        while nextEnd < byEnd.count && spans[byEnd[nextEnd]].to <= position {
            let span = byEnd[nextEnd]
            let key = spans[span].key
            if let k = covering[key].firstIndex(of: span) {
                covering[key].remove(at: k)
                if !changed.contains(key) { changed.append(key) }
            }
            nextEnd += 1
        }
        while nextStart < byStart.count && spans[byStart[nextStart]].from <= position {
            let span = byStart[nextStart]
            if spans[span].to > position {
                let key = spans[span].key
                covering[key].append(span)
                if !changed.contains(key) { changed.append(key) }
            }
            nextStart += 1
        }
        var attributesChanged = false
        for key in changed {
            var best: Span?
            for span in covering[key] where best.map({ spans[span].isLater(than: $0) }) ?? true { best = spans[span] }
            let shown = best?.value ?? -1
            if state.values[key] != shown {
                state.values[key] = shown
                attributesChanged = true
            }
        }
        var commentsChanged = false
        while nextCommentEnd < commentsByEnd.count && commentSpans[commentsByEnd[nextCommentEnd]].to <= position {
            commentsChanged = coveringComments.remove(commentsByEnd[nextCommentEnd]) != nil || commentsChanged
            nextCommentEnd += 1
        }
        while nextCommentStart < commentsByStart.count && commentSpans[commentsByStart[nextCommentStart]].from <= position {
            if commentSpans[commentsByStart[nextCommentStart]].to > position {
                coveringComments.insert(commentsByStart[nextCommentStart])
                commentsChanged = true
            }
            nextCommentStart += 1
        }
        if commentsChanged {
            // commentSpans are oldest first: their indexes in order are the order shown.
            let updated = coveringComments.sorted()
            commentsChanged = updated != state.comments
            state.comments = updated
        }
        return attributesChanged || commentsChanged
    }
}

extension Document {
    /// The id of a known character as the tree keeps it.
    func charId(of id: OpId) -> CharId {
        CharId(client: clientIndex(of: id.client)!, seq: Int32(id.seq))
    }
}

