import CollabCore
import CollabTestSupport
import Testing

/// Formatting marks with the Peritext paper's examples: each replica edits on its own,
/// then both receive everything, in either order.
@Suite("Formatting marks")
struct MarkTests {
    /// Delivers each replica's ops to the other; both must end up alike.
    static func sync(_ a: Document, _ b: Document) throws -> [FormattedRun] {
        try exchange(a, b)
        return a.formattedRuns
    }

    static func run(_ text: String, _ attributes: [String: AttributeValue] = [:]) -> FormattedRun {
        FormattedRun(text: text, attributes: attributes)
    }

    @Test func overlappingBoldAndItalicBothApply() throws {
        let (alice, bob) = try replicaPair("The fox jumped.")
        try alice.format(at: 0, count: 7, key: "bold", value: .bool(true), by: "alice", timestamp: Timestamp(wall: 2))
        try bob.format(at: 4, count: 10, key: "italic", value: .bool(true), by: "bob", timestamp: Timestamp(wall: 2))
        #expect(try Self.sync(alice, bob) == [
            Self.run("The ", ["bold": .bool(true)]),
            Self.run("fox", ["bold": .bool(true), "italic": .bool(true)]),
            Self.run(" jumped", ["italic": .bool(true)]),
            Self.run("."),
        ])
    }

    @Test func boldAgainstUnboldIsDecidedByTheLaterOp() throws {
        let (alice, bob) = try replicaPair("The fox jumped.")
        try alice.format(at: 0, count: 15, key: "bold", value: .bool(true), by: "alice", timestamp: Timestamp(wall: 2))
        try bob.format(at: 4, count: 3, key: "bold", value: .null, by: "bob", timestamp: Timestamp(wall: 3))
        #expect(try Self.sync(alice, bob) == [
            Self.run("The ", ["bold": .bool(true)]), Self.run("fox"), Self.run(" jumped.", ["bold": .bool(true)]),
        ])
        // The same two ops with the timestamps swapped: the bold wins everywhere.
        let (carol, dave) = try replicaPair("The fox jumped.")
        try carol.format(at: 0, count: 15, key: "bold", value: .bool(true), by: "alice", timestamp: Timestamp(wall: 3))
        try dave.format(at: 4, count: 3, key: "bold", value: .null, by: "bob", timestamp: Timestamp(wall: 2))
        #expect(try Self.sync(carol, dave) == [Self.run("The fox jumped.", ["bold": .bool(true)])])
    }

    @Test func boldGrowsWhenTypingAtItsEndButALinkDoesNot() throws {
        let doc = Document()
        try doc.insert("Hello world", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try doc.format(at: 0, count: 5, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 2))
        try doc.format(at: 6, count: 5, key: "link", value: .string("https://example.com"), by: "a", timestamp: Timestamp(wall: 3))
        try doc.insert("!", at: 11, by: "a", timestamp: Timestamp(wall: 4))  // after the link
        try doc.insert("o", at: 5, by: "a", timestamp: Timestamp(wall: 5))  // at the end of the bold
        try doc.insert(">", at: 0, by: "a", timestamp: Timestamp(wall: 6))  // before the bold
        #expect(doc.formattedRuns == [
            Self.run(">"), Self.run("Helloo", ["bold": .bool(true)]), Self.run(" "),
            Self.run("world", ["link": .string("https://example.com")]), Self.run("!"),
        ])
    }

    @Test func textInsertedConcurrentlyAtASpansEdges() throws {
        let (alice, bob) = try replicaPair("The fox jumped.")
        // Alice bolds "fox" and links "jumped"; Bob, not seeing that, types at their edges.
        try alice.format(at: 4, count: 3, key: "bold", value: .bool(true), by: "alice", timestamp: Timestamp(wall: 2))
        try alice.format(at: 8, count: 6, key: "link", value: .string("u"), by: "alice", timestamp: Timestamp(wall: 2))
        try bob.insert("y", at: 7, by: "bob", timestamp: Timestamp(wall: 2))  // end of "fox": joins the bold
        try bob.insert("ly", at: 15, by: "bob", timestamp: Timestamp(wall: 3))  // end of "jumped": stays out of the link
        try bob.insert("sly ", at: 4, by: "bob", timestamp: Timestamp(wall: 4))  // start of "fox": stays out
        #expect(try Self.sync(alice, bob) == [
            Self.run("The sly "), Self.run("foxy", ["bold": .bool(true)]), Self.run(" "),
            Self.run("jumped", ["link": .string("u")]), Self.run("ly."),
        ])
    }

    @Test func aSpanSurvivesTheDeletionOfItsEnds() throws {
        let (alice, bob) = try replicaPair("abcdef")
        try alice.format(at: 1, count: 4, key: "italic", value: .bool(true), by: "alice", timestamp: Timestamp(wall: 2))
        try bob.delete(at: 1, count: 1, by: "bob", timestamp: Timestamp(wall: 2))  // "b", the span's first character
        try bob.delete(at: 3, count: 1, by: "bob", timestamp: Timestamp(wall: 3))  // "e", its last
        #expect(try Self.sync(alice, bob) == [Self.run("a"), Self.run("cd", ["italic": .bool(true)]), Self.run("f")])
    }

    @Test func formatOpsRoundTripThroughHistoryAndSnapshots() throws {
        let (doc, _) = try replicaPair("rich text")
        try doc.format(at: 0, count: 4, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 2))
        try doc.format(at: 5, count: 4, key: "size", value: .int(3), by: "a", timestamp: Timestamp(wall: 3))
        let replayed = try Document(ops: doc.history)
        #expect(replayed.formattedRuns == doc.formattedRuns)
        #expect(replayed.history == doc.history)
        let restored = try Document(snapshot: doc.snapshot())
        #expect(restored.formattedRuns == doc.formattedRuns)
        #expect(restored.history == doc.history)
    }

    @Test func aFormatOfNoCharacterIsRefused() throws {
        let doc = Document()
        try doc.insert("ab", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try doc.delete(at: 0, count: 1, by: "a", timestamp: Timestamp(wall: 2))  // id a:2 is a delete, no character
        let bad = Op(
            id: OpId("b", 0), timestamp: Timestamp(wall: 3),
            payload: .formatSet(FormatSet(start: MarkAnchor(OpId("a", 2), .before), end: nil, key: "bold", value: .bool(true))))
        #expect(throws: EngineError.self) { try doc.apply(bad) }
        #expect(throws: EngineError.self) { try doc.format(at: 1, count: 5, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 4)) }
    }
}

/// The sweep that resolves formatting, checked against the rule applied the slow way:
/// for each character, the latest covering format op of each attribute.
@Suite("Formatting resolution")
struct FormattingResolutionTests {
    @Test(arguments: 1...40)
    func theSweepAgreesWithTheRuleCharacterByCharacter(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let doc = Document()
        try doc.insert("the quick brown fox jumps over the lazy dog", at: 0, by: "base", timestamp: Timestamp(wall: 1))
        for step in 0..<60 {
            let length = doc.length
            let position = Int(random.next() % UInt64(max(length, 1)))
            let count = 1 + Int(random.next() % 6)
            let client = ["a", "b", "c"][Int(random.next() % 3)]
            let timestamp = Timestamp(wall: Int64(2 + random.next() % 20))  // ties on purpose
            switch random.next() % 4 {
            case 0: try doc.insert("xy", at: Int(random.next() % UInt64(length + 1)), by: client, timestamp: timestamp)
            case 1 where length > 1: try doc.delete(at: position, count: min(count, length - position), by: client, timestamp: timestamp)
            default:
                guard length > 0 else { continue }
                let (key, value): (String, AttributeValue) = [("bold", .bool(true)), ("bold", .null), ("link", .string("u\(step)")), ("em", .int(1))][Int(random.next() % 4)]
                try doc.format(at: position, count: min(count, length - position), key: key, value: value, by: client, timestamp: timestamp)
            }
        }
        try expectTheRule(in: doc)
    }

    /// Format ops anchored anywhere, as a remote replica may send them: on deleted
    /// characters, after a span's own end (an inverted range, which covers nothing), on
    /// neighbours with nothing between them, at the document's ends.
    @Test(arguments: 1...30)
    func theSweepAgreesWithTheRuleForAnchorsAnywhere(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let doc = Document()
        try doc.insert("abcdefghijklmnopqrstuvwxyz", at: 0, by: "base", timestamp: Timestamp(wall: 1))
        for step in 0..<12 {
            let length = doc.length
            if step % 3 == 2 && length > 4 {
                let position = Int(random.next() % UInt64(length - 2))
                try doc.delete(at: position, count: 2, by: "base", timestamp: Timestamp(wall: 2))
            } else {
                try doc.insert("0123", at: Int(random.next() % UInt64(length + 1)), by: ["a", "b"][step % 2], timestamp: Timestamp(wall: 2))
            }
        }
        // Every character ever inserted, deleted ones included.
        let characters = doc.history.flatMap { op -> [OpId] in
            guard case .textInsert(let insert) = op.payload else { return [] }
            return (0..<insert.length).map { OpId(op.id.client, op.id.seq + $0) }
        }
        func anchor() -> MarkAnchor? {
            random.next() % 8 == 0 ? nil : MarkAnchor(characters[Int(random.next() % UInt64(characters.count))], random.next() % 2 == 0 ? .before : .after)
        }
        for k in 0..<25 {
            let (key, value): (String, AttributeValue) = [("bold", .bool(true)), ("bold", .null), ("link", .string("u\(k)"))][Int(random.next() % 3)]
            let client = ["c", "d"][Int(random.next() % 2)]
            try doc.apply(
                Op(
                    id: OpId(client, doc.seen(client)), timestamp: Timestamp(wall: Int64(3 + random.next() % 5)),
                    payload: .formatSet(FormatSet(start: anchor(), end: anchor(), key: key, value: value))))
        }
        try expectTheRule(in: doc)
    }

    /// Checks each character's formatting against the rule applied the slow way: its
    /// winners, by attribute, among the format ops covering it now.
    private func expectTheRule(in doc: Document) throws {
        var expected = Array(repeating: [String: AttributeValue](), count: doc.length)
        var stamps = Array(repeating: [String: (Timestamp, String, Int)](), count: doc.length)
        for op in doc.history {
            guard case .formatSet(let format) = op.payload else { continue }
            let stamp = (op.timestamp, op.id.client, op.id.seq)
            for k in try #require(doc.visibleRange(of: format)) {
                if let best = stamps[k][format.key], !(stamp.0 != best.0 ? stamp.0 > best.0 : stamp.1 != best.1 ? stamp.1 > best.1 : stamp.2 > best.2) { continue }
                stamps[k][format.key] = stamp
                expected[k][format.key] = format.value
            }
        }
        let actual = doc.formattedRuns.flatMap { run in Array(repeating: run.attributes, count: run.text.unicodeScalars.count) }
        #expect(actual == expected.map { $0.filter { $0.value != .null } })
    }
}

@Suite("Marks in a long document")
struct LongDocumentMarkTests {
    /// Thousands of runs spread over many leaves, some of them deleted, with marks and a
    /// comment anchored all over: each character's formatting must be what the ops set,
    /// however the anchors are found (each anchored character by its insert record, met
    /// as the walk reaches its run).
    @Test func marksLandOnTheirCharactersAcrossManyLeaves() throws {
        let doc = Document()
        var random = SplitMix(seed: 0x2545_F491_4F6C_DD1D)
        func next(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
        var time = t0.wall
        func tick() -> Timestamp {
            time += 1
            return Timestamp(wall: time)
        }
        // Short inserts at random places by three clients: one run each, most split later.
        for k in 0..<3_000 {
            try doc.insert("ab", at: next(doc.length + 1), by: ["x", "y", "z"][k % 3], timestamp: tick())
            if k % 4 == 3 { try doc.delete(at: next(doc.length), count: 1, by: "x", timestamp: tick()) }
        }
        #expect(doc.runCount > 2_000)
        var bold = [Bool](repeating: false, count: doc.length)
        var italic = [Bool](repeating: false, count: doc.length)
        for k in 0..<300 {
            let start = next(doc.length)
            let count = 1 + next(min(40, doc.length - start))
            let key = k % 3 == 0 ? "italic" : "bold"
            let on = k % 5 != 4  // some marks take formatting off again
            try doc.format(at: start, count: count, key: key, value: on ? .bool(true) : .null, by: "y", timestamp: tick())
            for position in start..<(start + count) {
                if key == "bold" { bold[position] = on } else { italic[position] = on }
            }
        }
        let commented = (start: 1_000, count: 500)
        try doc.comment(at: commented.start, count: commented.count, text: "far in", by: "z", timestamp: tick())
        var position = 0
        for run in doc.formattedRuns {
            for _ in run.text.unicodeScalars {
                #expect((run.attributes["bold"] == .bool(true)) == bold[position], "bold at \(position)")
                #expect((run.attributes["italic"] == .bool(true)) == italic[position], "italic at \(position)")
                let inComment = position >= commented.start && position < commented.start + commented.count
                #expect(run.comments.isEmpty != inComment, "comment at \(position)")
                position += 1
            }
        }
        #expect(position == doc.length)
    }
}
