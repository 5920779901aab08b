import CollabCore

extension OpBatchCodec {
    /// What the op-batch encoder and decoder both know after the same ops, and so can
    /// guess from: where edits last were, each author's next seq and last deletion, the
    /// runs inserted in this batch, the last timestamp. Ids are client-table indexes.
    struct Predictions {
        struct Ref: Hashable {
            var client: Int
            var seq: Int
        }

        /// The runs one client inserted in this batch, in seq order.
        struct Runs {
            var starts: [Int] = []
            var ends: [Int] = []
            var rightOrigins: [Ref?] = []

            /// The run holding `seq`, by index.
            func run(holding seq: Int) -> Int? {
                var low = 0
                var high = starts.count
                while low < high {
                    let middle = (low + high) / 2
                    if starts[middle] <= seq { low = middle + 1 } else { high = middle }
                }
                guard low > 0, seq < ends[low - 1] else { return nil }
                return low - 1
            }
        }

        /// Where the last edit was, and the last few ids edits touched (most recent
        /// first): a written id is, most often, one of them or next to one.
        private var cursor = Ref(client: 0, seq: 0)
        private var recent: [Ref] = []
        static let recentCount = 16
        /// Codes below this name a recent id: `slot * 3 + 1 + (id − recent[slot])`, for
        /// ids at most one away; the rest are this plus the zigzag of seq − cursor.
        static let nearCodes = UInt64(recentCount * 3)

        private var expected: [Int: Int] = [:]
        private var firstDeleted: [Int: Ref] = [:]
        private var runs: [Int: Runs] = [:]
        /// The latest run in this batch inserted right after an id, by that id.
        private var runAfter: [Ref: Ref] = [:]
        private var wall: Int64 = 0
        private var logical: Int32 = 0

        /// Makes `ref` the cursor and the most recent id.
        mutating func touch(_ ref: Ref) {
            cursor = ref
            if let slot = recent.firstIndex(of: ref) { recent.remove(at: slot) } else if recent.count == Self.recentCount { recent.removeLast() }
            recent.insert(ref, at: 0)
        }

        /// The code of a written id; the client must be written too when it is not
        /// implied (a code from `nearCodes` on).
        mutating func code(of ref: Ref) -> (code: UInt64, writesClient: Bool) {
            defer { touch(ref) }
            for (slot, id) in recent.enumerated() where id.client == ref.client && abs(id.seq - ref.seq) <= 1 {
                return (UInt64(slot * 3 + 1 + ref.seq - id.seq), false)
            }
            return (Self.nearCodes + zigzag(Int64(ref.seq) - Int64(cursor.seq)), true)
        }

        /// The id a code stands for; `client` reads the client when the code needs one.
        mutating func ref(
            code: UInt64, client: () throws(DecodeError) -> Int, at offset: Int
        ) throws(DecodeError) -> Ref {
            let ref: Ref
            if code < Self.nearCodes {
                let slot = Int(code / 3)
                guard slot < recent.count else { throw DecodeError(offset: offset, reason: "an id code naming no recent id") }
                ref = Ref(client: recent[slot].client, seq: recent[slot].seq + Int(code % 3) - 1)
            } else {
                let (seq, overflow) = Int64(cursor.seq).addingReportingOverflow(unzigzag(code - Self.nearCodes))
                guard !overflow else { throw DecodeError(offset: offset, reason: "sequence number out of range") }
                ref = Ref(client: try client(), seq: Int(truncatingIfNeeded: seq))
            }
            guard ref.seq >= 0 && ref.seq <= Int(Int32.max) else {
                throw DecodeError(offset: offset, reason: "sequence number \(ref.seq) out of range")
            }
            touch(ref)
            return ref
        }

        func expectedSeq(of author: Int) -> Int { expected[author] ?? 0 }

        mutating func ended(author: Int, at seq: Int) { expected[author] = seq }

        /// The id just before the first character the author's last op deleted, when
        /// that op was a delete.
        func beforeDeleted(by author: Int) -> Ref? {
            guard let first = firstDeleted[author], first.seq > 0 else { return nil }
            return Ref(client: first.client, seq: first.seq - 1)
        }

        /// The right origin of the run in this batch whose last character is `ref`.
        func rightOriginOfRun(endingAt ref: Ref) -> Ref? {
            guard let runs = runs[ref.client], let run = runs.run(holding: ref.seq), runs.ends[run] == ref.seq + 1 else { return nil }
            return runs.rightOrigins[run]
        }

        /// How many characters of its run lie from `start` on (or back to the run's start,
        /// for a backward range): a deleted range's length, most often.
        func restOfRun(from start: Ref, backward: Bool) -> Int? {
            guard let runs = runs[start.client], let run = runs.run(holding: start.seq) else { return nil }
            return backward ? start.seq - runs.starts[run] + 1 : runs.ends[run] - start.seq
        }

        /// The start of the run inserted right after `id` (the next deleted range, when a
        /// selection spans runs typed one after another).
        func runStart(after id: Ref) -> Ref? { runAfter[id] }

        mutating func inserted(by author: Int, seq: Int, length: Int, after: Ref?, before: Ref?) {
            firstDeleted[author] = nil
            if (runs[author]?.starts.last ?? -1) < seq {
                runs[author, default: Runs()].starts.append(seq)
                runs[author]!.ends.append(seq + length)
                runs[author]!.rightOrigins.append(before)
            }
            if let after { runAfter[after] = Ref(client: author, seq: seq) }
            touch(Ref(client: author, seq: seq + length - 1))
        }

        /// After each deleted range: the ids on either side of it are where the next edit
        /// most likely is.
        mutating func deletedRange(client: Int, low: Int, high: Int) {
            touch(Ref(client: client, seq: high + 1))
            touch(Ref(client: client, seq: low - 1))
        }

        mutating func deleted(by author: Int, first: Ref?) { firstDeleted[author] = first }

        mutating func other(by author: Int) { firstDeleted[author] = nil }

        // Timestamps: walls as differences, in seconds when whole seconds (a flag bit),
        // code 0 escaping to a plain zigzag difference for the rare difference too big
        // for that; logicals against the HLC's own rule (the previous + 1 within a
        // millisecond, 0 after it advanced).

        /// The walls column's code for a timestamp (and, after the escape code 0, the plain
        /// difference) and its logical's difference from the guess.
        func timestampCodes(_ timestamp: Timestamp) -> (wall: UInt64, escaped: UInt64?, logical: Int64) {
            let difference = timestamp.wall &- wall
            let limit: UInt64 = 1 << 60
            let logical = Int64(timestamp.logical) - predictedLogical(after: difference)
            if difference % 1000 == 0 && (difference / 1000).magnitude < limit {
                return (zigzag(difference / 1000) << 1 | 1, nil, logical)
            }
            if difference.magnitude < limit { return (zigzag(difference) << 1, nil, logical) }
            return (0, zigzag(difference), logical)
        }

        func timestamp(wallCode: UInt64, walls: inout ByteReader, logicalCode: Int64) throws(DecodeError) -> Timestamp {
            let difference: Int64
            if wallCode == 0 {
                difference = unzigzag(try walls.varint())
            } else if wallCode & 1 == 1 {
                let (scaled, overflow) = unzigzag(wallCode >> 1).multipliedReportingOverflow(by: 1000)
                guard !overflow else { throw DecodeError(offset: walls.offset, reason: "timestamp out of range") }
                difference = scaled
            } else {
                difference = unzigzag(wallCode >> 1)
            }
            let (newWall, overflow) = wall.addingReportingOverflow(difference)
            guard !overflow, newWall >= 0 else { throw DecodeError(offset: walls.offset, reason: "negative or overflowing timestamp") }
            let (newLogical, logicalOverflow) = predictedLogical(after: difference).addingReportingOverflow(logicalCode)
            guard !logicalOverflow, let narrowed = Int32(exactly: newLogical), narrowed >= 0 else {
                throw DecodeError(offset: walls.offset, reason: "logical clock out of range")
            }
            return Timestamp(wall: newWall, logical: narrowed)
        }

        private func predictedLogical(after wallDifference: Int64) -> Int64 {
            wallDifference == 0 ? Int64(logical) + 1 : 0
        }

        mutating func saw(_ timestamp: Timestamp) {
            wall = timestamp.wall
            logical = timestamp.logical
        }
    }
}

@inline(__always)
func unzigzag(_ raw: UInt64) -> Int64 { Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))) }
