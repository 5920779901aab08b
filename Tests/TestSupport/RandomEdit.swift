import CollabCore

/// One random edit of a rich document, as the convergence tests and the JavaScript
/// cross-check make them: inserts, deletes, formatting, comments and their threads,
/// block splits, types, deletes and moves, at positions taken modulo the text's length.
public struct RandomEdit: Sendable {
    public var replica: Int
    /// What to do: 0 insert, 1 delete, 2 format, 3 comment, 4–6 act on a comment, 7 split
    /// a block, 8 set a block's type, 9 delete a block, 10 move a block, 11 a format whose
    /// anchors may lie the wrong way round (as a remote op's may).
    public var kind: Int
    public var position: Int
    public var length: Int
    public var text: String

    public init(replica: Int, kind: Int, position: Int, length: Int, text: String) {
        self.replica = replica
        self.kind = kind
        self.position = position
        self.length = length
        self.text = text
    }

    /// A random edit of one of the kinds given.
    public static func random(kinds: [Int], using random: inout SplitMix) -> RandomEdit {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let text = String((0..<Int.random(in: 1...4, using: &random)).map { _ in letters.randomElement(using: &random)! })
        return RandomEdit(
            replica: Int.random(in: 0...4, using: &random), kind: kinds.randomElement(using: &random)!,
            position: Int.random(in: 0...1000, using: &random), length: Int.random(in: 1...4, using: &random), text: text)
    }

    /// The op this edit makes on `doc` (applied there already), or nil when it cannot.
    public func make(on doc: Document, client: ClientId, now: Int64) -> Op? {
        let timestamp = doc.tick(now: now)
        let length = doc.length
        let position = self.position % max(length, 1)
        let count = min(self.length, length - position)
        let id: OpId?
        switch kind {
        case 0:
            id = try! doc.insert(text, at: self.position % (length + 1), by: client, timestamp: timestamp)
        case 1 where length > 0:
            id = try! doc.delete(at: position, count: count, by: client, timestamp: timestamp)
        case 2 where length > 0:  // formatting: expanding, non-expanding, and removal
            let (key, value): (String, AttributeValue) = [
                ("bold", .bool(true)), ("bold", .null), ("link", .string(text)), ("size", .int(Int64(self.length))),
            ][self.position % 4]
            id = try! doc.format(at: position, count: count, key: key, value: value, by: client, timestamp: timestamp)
        case 3 where length > 0:
            // Refused (nil) when the range crosses a moved block.
            id = try? doc.comment(at: position, count: count, text: text, by: client, timestamp: timestamp)
        case 4, 5, 6:  // act on a comment this replica knows: reply, edit, resolve or delete
            guard let thread = doc.commentThreads.first(where: { _ in true }) else { return nil }
            let op: CommentOp = [
                .add(start: nil, end: nil, replyTo: thread.id, text: text), .edit(comment: thread.id, text: text),
                .resolve(comment: thread.id, resolved: self.length % 2 == 0), .delete(comment: thread.id),
            ][(kind - 4 + self.position) % 4]
            id = try! doc.makeCommentOp(op, by: client, timestamp: timestamp)
        case 7:  // split a block
            id = try! doc.insertBlock(at: self.position % (length + 1), attributes: ["type": .string("paragraph")], by: client, timestamp: timestamp)
        case 8, 9:  // set a block's type, or delete the block, at a random place
            let block = doc.block(atVisible: position)  // nil: the first block
            if kind == 8 {
                let type = ["heading", "quote", "list_item", "table", "row", "cell"][(self.length + self.position) % 6]
                id = try! doc.makeBlockOp(.set(block: block, key: "type", value: .string(type)), by: client, timestamp: timestamp)
            } else {
                guard let block else { return nil }
                id = try! doc.deleteBlock(block, by: client, timestamp: timestamp)
            }
        case 10:  // move the block at a random place after the block at another
            guard let block = doc.block(atVisible: position) else { return nil }
            let target = doc.block(atVisible: (self.position / 7 + self.length) % max(length, 1))
            // Refused (nil) for table parts and for a move after itself.
            id = try? doc.moveBlock(block, after: target, by: client, timestamp: timestamp)
        case 11 where length > 1:
            // Anchors on any two characters shown, start after end as often as not: such
            // a span never opens (docs/ops.md).
            let ids = doc.blockContents(withIds: true).flatMap(\.runs).flatMap(\.ids).flatMap { span in
                (0..<span.length).map { OpId(span.start.client, span.start.seq + $0) }
            }
            guard ids.count > 1 else { return nil }
            let (first, second) = (ids[self.position % ids.count], ids[(self.position + self.length) % ids.count])
            let op = Op(
                id: OpId(client, doc.version[client]), timestamp: timestamp,
                payload: .formatSet(FormatSet(start: MarkAnchor(second, .after), end: MarkAnchor(first, .before), key: "italic", value: .bool(true))))
            guard (try? doc.apply(op)) == .applied else { return nil }
            return op
        default:
            id = nil
        }
        return id.flatMap { doc.op(from: $0) }
    }

    /// Replicas that make `edits` (each on replica `replica % count`) and exchange their
    /// ops late, out of order and twice, then receive everything: they should agree.
    public static func replicas(count replicaCount: Int, making edits: [RandomEdit], seed: Int) -> [Document] {
        var random = SplitMix(seed: UInt64(seed))
        let replicas = (0..<replicaCount).map { _ in Document() }
        // What each replica has not yet received, delivered out of order, partially, twice.
        var inboxes = Array(repeating: [Op](), count: replicaCount)
        for (n, edit) in edits.enumerated() {
            let r = edit.replica % replicaCount
            guard let op = edit.make(on: replicas[r], client: "r\(r)", now: Int64(n)) else { continue }
            for other in 0..<replicaCount where other != r {
                inboxes[other].append(op)
                if random.next() % 4 == 0 { inboxes[other].append(op) }  // a duplicate
            }
            let target = Int(random.next() % UInt64(replicaCount))
            inboxes[target].shuffle(using: &random)
            let delivered = Int(random.next() % UInt64(inboxes[target].count + 1))
            for op in inboxes[target].prefix(delivered) { _ = try! replicas[target].apply(op) }
            inboxes[target].removeFirst(delivered)
        }
        for target in 0..<replicaCount {
            // Local ops coalesce, so send each replica's full history too.
            for source in 0..<replicaCount where source != target { inboxes[target].append(contentsOf: replicas[source].history) }
            inboxes[target].shuffle(using: &random)
            for op in inboxes[target] { _ = try! replicas[target].apply(op) }
        }
        return replicas
    }
}
