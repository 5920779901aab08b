/// A stretch of the text written by one op (`Document.blame()`).
public struct BlameSpan: Equatable, Sendable {
    public var text: String
    /// The client that typed it, the op that did, and when.
    public var author: ClientId
    public var op: OpId
    public var time: Timestamp

    public init(text: String, author: ClientId, op: OpId, time: Timestamp) {
        self.text = text
        self.author = author
        self.op = op
        self.time = time
    }
}

extension Document {
    /// The visible text in the order shown, cut where the op that wrote it changes: who
    /// wrote each character, and when. A block's line break is its block's marker,
    /// written by the block's `block_insert`.
    public func blame() -> [BlameSpan] {
        // Per visible character, in sequence order: the record that inserted it.
        var writers: [Int32] = []
        writers.reserveCapacity(length)
        tree.forEachRun { run in
            guard !run.deleted else { return }
            var seq = run.seq
            while seq < run.seq + run.length {
                let k = recordIndex(of: run.client, containing: seq)!
                let end = min(records[k].endSeq, run.seq + run.length)
                writers.append(contentsOf: repeatElement(Int32(k), count: Int(end - seq)))
                seq = end
            }
        }
        let scalars = Array(sequenceText.unicodeScalars)
        var order = Array(0..<writers.count)
        if hasMovedBlocks { order = displaySegments().flatMap { Array($0.start..<($0.start + $0.count)) } }
        var spans: [BlameSpan] = []
        var view = String.UnicodeScalarView()
        var current: Int32 = -1
        func flush() {
            guard current >= 0 else { return }
            let record = records[Int(current)]
            let author = clientNames[Int(record.client)]
            spans.append(BlameSpan(text: String(view), author: author, op: OpId(author, Int(record.seq)), time: record.timestamp))
            view = String.UnicodeScalarView()
        }
        for index in order {
            if writers[index] != current {
                flush()
                current = writers[index]
            }
            view.append(scalars[index])
        }
        flush()
        return spans
    }
}
