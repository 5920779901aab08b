import CollabCore
import PropertyBased
import CollabTestSupport
import Testing

/// Replicas edit at random, ops are delivered in random orders with duplicates and
/// delays: every replica must end with the same text, formatting, comments and version.
@Suite("Convergence")
struct ConvergenceTests {
    static func steps(kinds: ClosedRange<Int>) -> Generator<RandomEdit, some SendableSequenceType> {
        PropertyBased.zip(
            Gen.int(in: 0...4), Gen.int(in: kinds), Gen.int(in: 0...1000), Gen.int(in: 1...4), Gen.letterOrNumber.string(of: 1...4)
        ).map { value in RandomEdit(replica: value.0, kind: value.1, position: value.2, length: value.3, text: value.4) }
    }

    @Test func textReplicasConverge() async throws {
        await propertyCheck(count: 150, input: Gen.int(in: 2...5), Self.steps(kinds: 0...1).array(of: 1...60), Gen.int(in: 0...Int(Int32.max))) {
            replicaCount, steps, seed in
            Self.simulate(replicaCount: replicaCount, steps: steps, seed: seed)
        }
    }

    @Test func richTextReplicasConverge() async throws {
        await propertyCheck(count: 150, input: Gen.int(in: 2...4), Self.steps(kinds: 0...11).array(of: 1...60), Gen.int(in: 0...Int(Int32.max))) {
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

    /// Runs the steps on replicas that exchange ops late, out of order and twice, then
    /// delivers everything and checks that they agree.
    static func simulate(replicaCount: Int, steps: [RandomEdit], seed: Int) {
        let replicas = RandomEdit.replicas(count: replicaCount, making: steps, seed: seed)
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
