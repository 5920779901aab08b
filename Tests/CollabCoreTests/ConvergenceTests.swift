import CollabCore
import PropertyBased
import CollabTestSupport
import Testing

/// Replicas edit at random, ops are delivered in random orders with duplicates and
/// delays: every replica must end with the same text and the same version.
@Suite("Convergence")
struct ConvergenceTests {
    struct Step: Sendable {
        var replica: Int
        var isInsert: Bool
        var position: Int
        var length: Int
        var text: String
    }

    static let step = PropertyBased.zip(
        Gen.int(in: 0...4), Gen.bool, Gen.int(in: 0...1000), Gen.int(in: 1...4), Gen.letterOrNumber.string(of: 1...4)
    ).map { value in Step(replica: value.0, isInsert: value.1, position: value.2, length: value.3, text: value.4) }

    @Test func replicasConverge() async throws {
        await propertyCheck(
            count: 150, input: Gen.int(in: 2...5), Self.step.array(of: 1...60), Gen.int(in: 0...Int(Int32.max))
        ) { replicaCount, steps, seed in
            var random = SplitMix(seed: UInt64(seed))
            let replicas = (0..<replicaCount).map { _ in Document() }
            // What each replica has not yet received, per sender, as a queue that is
            // delivered out of order, partially, and with repeats.
            var inboxes = Array(repeating: [Op](), count: replicaCount)
            for step in steps {
                let r = step.replica % replicaCount
                let doc = replicas[r]
                let client = "r\(r)"
                let op: Op
                if step.isInsert || doc.length == 0 {
                    op = try! doc.insertOp(step.text, at: step.position % (doc.length + 1), by: client, timestamp: t0)
                } else {
                    let position = step.position % doc.length
                    op = try! doc.deleteOp(at: position, count: min(step.length, doc.length - position), by: client, timestamp: t0)
                }
                for other in 0..<replicaCount where other != r {
                    inboxes[other].append(op)
                    if random.next() % 4 == 0 { inboxes[other].append(op) }  // a duplicate
                }
                // Deliver a random part of a random inbox, shuffled.
                let target = Int(random.next() % UInt64(replicaCount))
                inboxes[target].shuffle(using: &random)
                let count = Int(random.next() % UInt64(inboxes[target].count + 1))
                for op in inboxes[target].prefix(count) { _ = try! replicas[target].apply(op) }
                inboxes[target].removeFirst(count)
            }
            // Everything arrives in the end, in random order.
            for target in 0..<replicaCount {
                // Local ops coalesce, so send each replica's full history too.
                for source in 0..<replicaCount where source != target { inboxes[target].append(contentsOf: replicas[source].history) }
                inboxes[target].shuffle(using: &random)
                for op in inboxes[target] { _ = try! replicas[target].apply(op) }
            }
            let texts = replicas.map(\.text)
            let versions = replicas.map(\.version)
            #expect(Set(texts).count == 1, "texts differ: \(texts)")
            #expect(Set(versions).count == 1, "versions differ: \(versions)")
            #expect(replicas.allSatisfy { $0.pending.isEmpty })
        }
    }
}
