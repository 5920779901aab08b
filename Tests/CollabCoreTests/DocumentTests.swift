import CollabCore
import CollabTestSupport
import Testing

let t0 = Timestamp(wall: 1_700_000_000_000)

@Suite("Local edits and history")
struct DocumentTests {
    @Test func insertsAndDeletesAtCodePointPositions() throws {
        let doc = Document()
        try doc.insert("héllo wörld", at: 0, by: "alice", timestamp: t0)
        try doc.insert("🙂", at: 5, by: "alice", timestamp: t0)
        try doc.delete(at: 0, count: 1, by: "alice", timestamp: t0)
        #expect(doc.text == "éllo🙂 wörld")
        #expect(doc.length == 11)
        #expect(doc.version == VersionVector(["alice": 13]))
    }

    @Test func typingForwardIsOneOpAndOneRun() throws {
        let doc = Document()
        for (k, ch) in "typing along".enumerated() { try doc.insert(String(ch), at: k, by: "a", timestamp: t0) }
        #expect(doc.history.count == 1)
        #expect(doc.runCount == 1)
        #expect(doc.text == "typing along")
    }

    @Test func backspacingIsOneOp() throws {
        let doc = Document()
        try doc.insert("abcdef", at: 0, by: "a", timestamp: t0)
        for position in stride(from: 5, through: 2, by: -1) { try doc.delete(at: position, count: 1, by: "a", timestamp: t0) }
        #expect(doc.text == "ab")
        #expect(doc.history.count == 2)
        guard case .textDelete(let delete) = doc.history[1].payload else {
            Issue.record("expected a delete")
            return
        }
        #expect(delete.targets == [DeleteTarget(start: OpId("a", 5), length: 4, backward: true)])
    }

    /// A remote op stamped within the skew limit is adopted, so that later local edits
    /// sort after it; one stamped far ahead is not, or the broken clock would spread.
    @Test func theClockAdoptsRemoteWallsOnlyWithinTheSkewLimit() throws {
        let now: Int64 = 1_796_000_000_000
        let near = Document()
        try near.apply(Op(id: OpId("x", 0), timestamp: Timestamp(wall: now + 60_000), payload: .textInsert(TextInsert(after: nil, before: nil, text: "a"))))
        #expect(near.tick(now: now).wall == now + 60_000)
        let far = Document()
        try far.apply(Op(id: OpId("x", 0), timestamp: Timestamp(wall: Int64.max), payload: .textInsert(TextInsert(after: nil, before: nil, text: "a"))))
        #expect(far.tick(now: now) == Timestamp(wall: now, logical: 0))
        #expect(far.tick(now: now) == Timestamp(wall: now, logical: 1))
        #expect(ClockSkew.firstOpAhead(of: now, in: far.history)?.op.id == OpId("x", 0))
        #expect(ClockSkew.firstOpAhead(of: now, in: near.history) == nil)
    }

    @Test func outOfRangeEditsAreRefused() throws {
        let doc = Document()
        try doc.insert("abc", at: 0, by: "a", timestamp: t0)
        #expect(throws: EngineError.positionOutOfRange(position: 4, length: 3)) {
            try doc.insert("x", at: 4, by: "a", timestamp: t0)
        }
        #expect(throws: EngineError.rangeOutOfRange(position: 2, count: 2, length: 3)) {
            try doc.delete(at: 2, count: 2, by: "a", timestamp: t0)
        }
        #expect(EngineError.rangeOutOfRange(position: 2, count: 2, length: 3).description == "characters 2..<4 are outside the document (length 3)")
        #expect(doc.text == "abc")
    }

    @Test func textAtAnEarlierVersion() throws {
        let doc = Document()
        try doc.insert("hello", at: 0, by: "a", timestamp: t0)
        try doc.insert(" world", at: 5, by: "b", timestamp: t0)
        try doc.delete(at: 0, count: 1, by: "a", timestamp: t0)
        let ops = doc.history
        #expect(try Document.at(VersionVector(["a": 5]), of: ops).text == "hello")
        #expect(try Document.at(VersionVector(["a": 3]), of: ops).text == "hel")
        #expect(try Document.at(VersionVector(["a": 5, "b": 3]), of: ops).text == "hello wo")
        #expect(try Document.at(doc.version, of: ops).text == "ello world")
        #expect(throws: EngineError.versionNotCausallyClosed(missing: OpId("a", 4), neededBy: OpId("b", 0))) {
            try Document.at(VersionVector(["b": 2, "a": 2]), of: ops)
        }
    }
}

@Suite("Remote ops")
struct RemoteOpTests {
    @Test func applyingTwiceIsANoOp() throws {
        let a = Document()
        let op = try a.insertOp("hi", at: 0, by: "a", timestamp: t0)
        let b = Document()
        #expect(try b.apply(op) == .applied)
        #expect(try b.apply(op) == .duplicate)
        #expect(b.text == "hi")
        #expect(b.history.count == 1)
    }

    @Test func sameIdWithDifferentContentIsRefused() throws {
        let a = Document()
        let op = try a.insertOp("hi", at: 0, by: "a", timestamp: t0)
        var forged = op
        forged.payload = .textInsert(TextInsert(after: nil, before: nil, text: "ho"))
        let b = Document()
        try b.apply(op)
        #expect(throws: EngineError.conflictingDuplicate(OpId("a", 0))) { try b.apply(forged) }
        #expect(b.text == "hi")
    }

    @Test func overlappingOpAppliesOnlyItsNewPart() throws {
        let a = Document()
        try a.insert("abc", at: 0, by: "a", timestamp: t0)
        let whole = try #require(a.history.first)
        let b = Document()
        try b.apply(whole.slice(from: 0, to: 2))
        #expect(try b.apply(whole) == .applied)
        #expect(b.text == "abc")
    }

    @Test func opsWaitForTheirDependencies() throws {
        let a = Document()
        let first = try a.insertOp("ab", at: 0, by: "a", timestamp: t0)
        let second = try a.insertOp("X", at: 1, by: "b", timestamp: t0)
        let third = try a.deleteOp(at: 0, count: 1, by: "a", timestamp: t0)
        let b = Document()
        #expect(try b.apply(third) == .pending)
        #expect(try b.apply(second) == .pending)
        #expect(b.firstMissingDependency() != nil)
        #expect(try b.apply(first) == .applied)
        #expect(b.pending.isEmpty)
        #expect(b.text == "Xb")
        #expect(b.version == a.version)
    }

    @Test func anOriginThatIsNotACharacterIsRefused() throws {
        let a = Document()
        try a.insert("ab", at: 0, by: "a", timestamp: t0)
        try a.delete(at: 0, count: 1, by: "a", timestamp: t0)
        let b = Document()
        for op in a.history { try b.apply(op) }
        // a:2 is the delete's id, not a character.
        let bad = Op(id: OpId("c", 0), timestamp: t0, payload: .textInsert(TextInsert(after: OpId("a", 2), before: nil, text: "x")))
        #expect(throws: EngineError.self) { try b.apply(bad) }
        #expect(b.text == "b")
    }
}

@Suite("Non-interleaving (FugueMax)")
struct NonInterleavingTests {
    /// Two replicas type concurrently at the same spot; after merging both orders agree
    /// and each typed run stays together.
    func merge(_ a: Document, _ b: Document) throws -> (String, String) {
        let aOps = a.history
        let bOps = b.history
        for op in bOps { try a.apply(op) }
        for op in aOps { try b.apply(op) }
        return (a.text, b.text)
    }

    func base() throws -> (Document, Document) {
        let origin = Document()
        try origin.insert("[]", at: 0, by: "o", timestamp: t0)
        let a = try Document(ops: origin.history)
        let b = try Document(ops: origin.history)
        return (a, b)
    }

    @Test func forwardTyping() throws {
        let (a, b) = try base()
        for (k, ch) in "aaaa".enumerated() { try a.insert(String(ch), at: 1 + k, by: "alice", timestamp: t0) }
        for (k, ch) in "bbbb".enumerated() { try b.insert(String(ch), at: 1 + k, by: "bob", timestamp: t0) }
        let (left, right) = try merge(a, b)
        #expect(left == right)
        #expect(left == "[aaaabbbb]" || left == "[bbbbaaaa]")
    }

    @Test func backwardTyping() throws {
        let (a, b) = try base()
        // Each character typed before the previous one.
        for ch in "4321" { try a.insert("a\(ch)", at: 1, by: "alice", timestamp: t0) }
        for ch in "4321" { try b.insert("b\(ch)", at: 1, by: "bob", timestamp: t0) }
        let (left, right) = try merge(a, b)
        #expect(left == right)
        #expect(left == "[a1a2a3a4b1b2b3b4]" || left == "[b1b2b3b4a1a2a3a4]")
    }

    @Test func typingIntoTheMiddleOfAConcurrentRun() throws {
        let (a, b) = try base()
        try a.insert("hello", at: 1, by: "alice", timestamp: t0)
        try b.insert("HELLO", at: 1, by: "bob", timestamp: t0)
        try a.insert("XY", at: 3, by: "alice", timestamp: t0)
        let (left, right) = try merge(a, b)
        #expect(left == right)
        #expect(left == "[heXYlloHELLO]" || left == "[HELLOheXYllo]")
    }
}

extension Document {
    /// A local insert and the op it made, as a replica would send it.
    func insertOp(_ text: String, at position: Int, by client: ClientId, timestamp: Timestamp) throws -> Op {
        try op(from: insert(text, at: position, by: client, timestamp: timestamp))!
    }

    /// A local delete and the op it made, as a replica would send it.
    func deleteOp(at position: Int, count: Int, by client: ClientId, timestamp: Timestamp) throws -> Op {
        try op(from: delete(at: position, count: count, by: client, timestamp: timestamp))!
    }
}

@Suite("Refused ops")
struct RefusedOpTests {
    @Test func deleteNamingADeletionIsRefusedWithoutChangingAnything() throws {
        let a = Document()
        try a.insert("abc", at: 0, by: "a", timestamp: t0)
        try a.delete(at: 0, count: 1, by: "a", timestamp: t0)  // ids a:3 is a deletion, not a character
        let forged = Op(
            id: OpId("b", 0), timestamp: t0,
            payload: .textDelete(TextDelete(targets: [DeleteTarget(start: OpId("a", 1), length: 1), DeleteTarget(start: OpId("a", 3), length: 1)])))
        #expect(throws: EngineError.invalidOp(OpId("b", 0), "it names a:3, which is not a character")) { try a.apply(forged) }
        #expect(a.text == "bc")
        #expect(a.version == VersionVector(["a": 4]))
        #expect(a.historyCount == 2)
    }
}

@Suite("Local edits against a plain-text model")
struct LocalEditModelTests {
    /// Bursts of typing (the engine's fast path), jumps, deletes and ops from another
    /// replica in between: the text always equals the model's, and a fresh replica
    /// rebuilt from the history agrees.
    @Test(arguments: [1, 2, 3, 4])
    func typingBurstsMatchTheModel(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let doc = Document()
        let other = Document()
        var model: [Unicode.Scalar] = []
        var cursor = 0
        for step in 0..<3000 {
            let roll = random.next() % 100
            if roll < 60 {
                let scalar: Unicode.Scalar = roll % 7 == 0 ? "é" : Unicode.Scalar(UInt8(97 + Int(random.next() % 26)))
                try doc.insert(String(scalar), at: cursor, by: "me", timestamp: t0)
                model.insert(scalar, at: cursor)
                cursor += 1
            } else if roll < 75, !model.isEmpty {
                let position = max(0, cursor - 1)
                guard position < model.count else { continue }
                try doc.delete(at: position, count: 1, by: "me", timestamp: t0)
                model.remove(at: position)
                cursor = position
            } else if roll < 90 {
                cursor = Int(random.next() % UInt64(model.count + 1))
            } else {
                // Another replica types somewhere; its op arrives between keystrokes.
                for op in doc.history { try other.apply(op) }
                let position = Int(random.next() % UInt64(other.length + 1))
                let op = try other.insertOp("XY", at: position, by: "them", timestamp: t0)
                try doc.apply(op)
                model.insert(contentsOf: ["X", "Y"], at: position)
                if position < cursor { cursor += 2 }
            }
            if step % 500 == 0 { #expect(doc.text == String(String.UnicodeScalarView(model))) }
        }
        #expect(doc.text == String(String.UnicodeScalarView(model)))
        #expect(try Document(ops: doc.history).text == doc.text)
    }
}

@Suite("Deleted runs")
struct DeletedRunTests {
    @Test func backspaceAndDeleteKeepOneDeletedRun() throws {
        let a = Document()
        try a.insert("hello brave new world", at: 0, by: "a", timestamp: t0)
        for position in stride(from: 15, to: 10, by: -1) { try a.delete(at: position, count: 1, by: "a", timestamp: t0) }  // Backspace ×5
        for _ in 0..<3 { try a.delete(at: 2, count: 1, by: "a", timestamp: t0) }  // Delete ×3
        #expect(a.text == "he braveworld")
        // "he", deleted "llo", " brave", deleted " new ", "world": not one run per deleted character
        #expect(a.runCount == 5)
    }

    @Test func insertIntoABackspacedStretchConverges() throws {
        let a = Document()
        try a.insert("one two three", at: 0, by: "a", timestamp: t0)
        let b = try Document(ops: a.history)
        for position in stride(from: 7, to: 3, by: -1) { try a.delete(at: position, count: 1, by: "a", timestamp: t0) }
        try b.insert("X", at: 6, by: "b", timestamp: t0)  // between "tw" and "o", which a deletes
        let fromA = a.history
        let fromB = b.history
        for op in fromB { try a.apply(op) }
        for op in fromA { try b.apply(op) }
        #expect(a.text == b.text)
        #expect(a.text == "one Xthree")
    }
}
