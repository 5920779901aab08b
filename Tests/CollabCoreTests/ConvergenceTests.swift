import CollabCore
import PropertyBased
import CollabTestSupport
import Testing

/// Replicas edit at random, ops are delivered in random orders with duplicates and
/// delays: every replica must end with the same text, formatting, comments and version.
@Suite("Convergence")
struct ConvergenceTests {
    struct Step: Sendable {
        var replica: Int
        /// What to do; `textOnly` steps only insert and delete.
        var kind: Int
        var position: Int
        var length: Int
        var text: String
    }

    static func steps(kinds: ClosedRange<Int>) -> Generator<Step, some SendableSequenceType> {
        PropertyBased.zip(
            Gen.int(in: 0...4), Gen.int(in: kinds), Gen.int(in: 0...1000), Gen.int(in: 1...4), Gen.letterOrNumber.string(of: 1...4)
        ).map { value in Step(replica: value.0, kind: value.1, position: value.2, length: value.3, text: value.4) }
    }

    @Test func textReplicasConverge() async throws {
        await propertyCheck(count: 150, input: Gen.int(in: 2...5), Self.steps(kinds: 0...1).array(of: 1...60), Gen.int(in: 0...Int(Int32.max))) {
            replicaCount, steps, seed in
            Self.simulate(replicaCount: replicaCount, steps: steps, seed: seed)
        }
    }

    @Test func richTextReplicasConverge() async throws {
        await propertyCheck(count: 150, input: Gen.int(in: 2...4), Self.steps(kinds: 0...10).array(of: 1...60), Gen.int(in: 0...Int(Int32.max))) {
            replicaCount, steps, seed in
            Self.simulate(replicaCount: replicaCount, steps: steps, seed: seed)
        }
    }

    /// Mostly splits and moves, so that concurrent moves of one block are common.
    @Test func blockMovesConverge() async throws {
        let kinds = [0, 1, 7, 7, 10, 10, 10, 10]
        let steps = Self.steps(kinds: 0...(kinds.count - 1)).map { step in
            var step = step
            step.kind = kinds[step.kind]
            return step
        }
        await propertyCheck(count: 150, input: Gen.int(in: 2...4), steps.array(of: 1...40), Gen.int(in: 0...Int(Int32.max))) {
            replicaCount, steps, seed in
            Self.simulate(replicaCount: replicaCount, steps: steps, seed: seed)
        }
    }

    /// The op a step makes on `doc` (applied there already), or nil when it cannot.
    static func makeOp(_ step: Step, on doc: Document, client: ClientId, now: Int64) -> Op? {
        let timestamp = doc.tick(now: now)
        let length = doc.length
        let position = step.position % max(length, 1)
        let count = min(step.length, length - position)
        let id: OpId?
        switch step.kind {
        case 0:
            id = try! doc.insert(step.text, at: step.position % (length + 1), by: client, timestamp: timestamp)
        case 1 where length > 0:
            id = try! doc.delete(at: position, count: count, by: client, timestamp: timestamp)
        case 2 where length > 0:  // formatting: expanding, non-expanding, and removal
            let (key, value): (String, AttributeValue) = [
                ("bold", .bool(true)), ("bold", .null), ("link", .string(step.text)), ("size", .int(Int64(step.length))),
            ][step.position % 4]
            id = try! doc.format(at: position, count: count, key: key, value: value, by: client, timestamp: timestamp)
        case 3 where length > 0:
            // Refused (nil) when the range crosses a moved block.
            id = try? doc.comment(at: position, count: count, text: step.text, by: client, timestamp: timestamp)
        case 4, 5, 6:  // act on a comment this replica knows: reply, edit, resolve or delete
            guard let thread = doc.commentThreads.first(where: { _ in true }) else { return nil }
            let op: CommentOp = [
                .add(start: nil, end: nil, replyTo: thread.id, text: step.text), .edit(comment: thread.id, text: step.text),
                .resolve(comment: thread.id, resolved: step.length % 2 == 0), .delete(comment: thread.id),
            ][(step.kind - 4 + step.position) % 4]
            id = try! doc.makeCommentOp(op, by: client, timestamp: timestamp)
        case 7:  // split a block
            id = try! doc.insertBlock(at: step.position % (length + 1), attributes: ["type": .string("paragraph")], by: client, timestamp: timestamp)
        case 8, 9:  // set a block's type, or delete the block, at a random place
            let block = doc.block(atVisible: position)  // nil: the first block
            if step.kind == 8 {
                let type = ["heading", "quote", "list_item", "table", "row", "cell"][(step.length + step.position) % 6]
                id = try! doc.makeBlockOp(.set(block: block, key: "type", value: .string(type)), by: client, timestamp: timestamp)
            } else {
                guard let block else { return nil }
                id = try! doc.deleteBlock(block, by: client, timestamp: timestamp)
            }
        case 10:  // move the block at a random place after the block at another
            guard let block = doc.block(atVisible: position) else { return nil }
            let target = doc.block(atVisible: (step.position / 7 + step.length) % max(length, 1))
            // Refused (nil) for table parts and for a move after itself.
            id = try? doc.moveBlock(block, after: target, by: client, timestamp: timestamp)
        default:
            id = nil
        }
        return id.flatMap { doc.op(from: $0) }
    }

    /// Runs the steps on replicas that exchange ops late, out of order and twice, then
    /// delivers everything and checks that they agree.
    static func simulate(replicaCount: Int, steps: [Step], seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let replicas = (0..<replicaCount).map { _ in Document() }
        // What each replica has not yet received, delivered out of order, partially, twice.
        var inboxes = Array(repeating: [Op](), count: replicaCount)
        for (n, step) in steps.enumerated() {
            let r = step.replica % replicaCount
            guard let op = makeOp(step, on: replicas[r], client: "r\(r)", now: Int64(n)) else { continue }
            for other in 0..<replicaCount where other != r {
                inboxes[other].append(op)
                if random.next() % 4 == 0 { inboxes[other].append(op) }  // a duplicate
            }
            let target = Int(random.next() % UInt64(replicaCount))
            inboxes[target].shuffle(using: &random)
            let count = Int(random.next() % UInt64(inboxes[target].count + 1))
            for op in inboxes[target].prefix(count) { _ = try! replicas[target].apply(op) }
            inboxes[target].removeFirst(count)
        }
        for target in 0..<replicaCount {
            // Local ops coalesce, so send each replica's full history too.
            for source in 0..<replicaCount where source != target { inboxes[target].append(contentsOf: replicas[source].history) }
            inboxes[target].shuffle(using: &random)
            for op in inboxes[target] { _ = try! replicas[target].apply(op) }
        }
        let texts = replicas.map(\.text)
        #expect(Set(texts).count == 1, "texts differ: \(texts)")
        #expect(Set(replicas.map(\.version)).count == 1, "versions differ")
        #expect(replicas.allSatisfy { $0.pending.isEmpty })
        let runs = replicas[0].formattedRuns
        #expect(replicas.allSatisfy { $0.formattedRuns == runs }, "formatting differs")
        let threads = replicas[0].commentThreads
        #expect(replicas.allSatisfy { $0.commentThreads == threads }, "comments differ")
        let blocks = replicas[0].blockContents
        #expect(replicas.allSatisfy { $0.blockContents == blocks }, "blocks differ")
        // What renderers read, in one pass over the UTF-8 text, is the same document.
        var read = ReadBlocks()
        replicas[0].read(into: &read)
        #expect(read.blocks == blocks, "read differs from blockContents")
        // And a replica restored from a snapshot is the same document.
        let restored = try! Document(snapshot: replicas[0].snapshot())
        #expect(restored.blockContents == blocks && restored.commentThreads == threads && restored.text == texts[0])
    }
}

/// The blocks a `FormattedTextReader` is told, in the form of `blockContents`: runs of
/// equal formatting, and an empty first block before another left out.
private struct ReadBlocks: FormattedTextReader {
    private(set) var all: [BlockContent] = []
    private var attributes: [String: AttributeValue] = [:]
    private var comments: [OpId] = []

    var blocks: [BlockContent] { all.count > 1 && all[0].id == nil && all[0].runs.isEmpty ? Array(all.dropFirst()) : all }

    mutating func startBlock(id: OpId?, attributes: [String: AttributeValue]) {
        all.append(BlockContent(id: id, attributes: attributes, runs: []))
    }

    mutating func setFormatting(_ number: Int, attributes: [String: AttributeValue], comments: [OpId], ids: [IdSpan]) {
        self.attributes = attributes
        self.comments = comments
    }

    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: utf8, as: UTF8.self)
        if let last = all[all.count - 1].runs.last, last.attributes == attributes, last.comments == comments {
            all[all.count - 1].runs[all[all.count - 1].runs.count - 1].text += text
        } else {
            all[all.count - 1].runs.append(FormattedRun(text: text, attributes: attributes, comments: comments))
        }
    }
}
