import CollabCore

/// One block's formatted text as CommonMark inline content that a CommonMark reader
/// turns back into exactly that text and those marks (tested with cmark-gfm as the
/// oracle, docs/rich-text.md).
///
/// Text without marks is written as it comes (most blocks have none); once marks come,
/// the block's text is gathered run by run and laid out at the block's end, since where
/// a delimiter may stand depends on the characters on both sides of it:
/// - Marks are nested: at each change the marks that end, and every mark opened after
///   them, are closed, then the marks that start (and those closed while still going on)
///   are opened, the longest-lasting outermost, code always innermost (a code span holds
///   no markup).
/// - A delimiter must be able to open (left-flanking) or close (right-flanking) where it
///   stands. Where the neighbouring character would stop it (whitespace inside the
///   delimiter, or punctuation inside and a letter outside), that character is written as
///   a character reference (`&#32;`, `&#97;`), which reads back as the same character but
///   counts as punctuation.
/// - Delimiters of the same character never touch across a close and an open (`*a***b**`
///   reads wrongly): the opening one is written with `_` instead of `*`.
/// - Line breaks are character references, so a block is one line; leading and trailing
///   whitespace, and a first character that would start a list, are written so they stay.
struct MarkdownInline {
    /// The marks markdown shows; the others (underline, comments, data) it cannot. A
    /// plain value, compared and copied for every piece of text.
    struct Marks: Equatable {
        private var bits: UInt8 = 0
        /// The link's target in `linkTargets`, or -1; a safe target only (`LinkTarget`).
        var link: Int32 = -1

        var strike: Bool {
            get { bits & 1 != 0 }
            set { set(1, newValue) }
        }
        var bold: Bool {
            get { bits & 2 != 0 }
            set { set(2, newValue) }
        }
        var italic: Bool {
            get { bits & 4 != 0 }
            set { set(4, newValue) }
        }
        var code: Bool {
            get { bits & 8 != 0 }
            set { set(8, newValue) }
        }

        private mutating func set(_ bit: UInt8, _ on: Bool) { bits = on ? bits | bit : bits & ~bit }
        var hasLink: Bool { link >= 0 }
        var isEmpty: Bool { bits == 0 && link < 0 }
    }

    /// The link targets of this rendering, numbered.
    private(set) var linkTargets: [String] = []

    mutating func linkNumber(_ target: String) -> Int32 {
        if let known = linkTargets.firstIndex(of: target) { return Int32(known) }
        linkTargets.append(target)
        return Int32(linkTargets.count - 1)
    }

    private var text = GatheredBytes()
    /// Runs of equal marks, each ending where the next starts.
    private var runs: [(marks: Marks, end: Int)] = []
    /// Kept from block to block, so that a block allocates nothing.
    private var layout = Layout()

    private mutating func append(_ utf8: UnsafeBufferPointer<UInt8>, marks: Marks) {
        text.append(utf8)
        if let last = runs.last, last.marks == marks {
            runs[runs.count - 1].end = text.count
        } else {
            runs.append((marks, text.count))
        }
    }

    /// Whether the block has text, all without marks: it is then written as it comes
    /// (`writeWithoutMarks`), only its last character looked at again at the end.
    private(set) var withoutMarks = true
    /// Where the block's text starts in the output.
    private(set) var outputStart = 0

    /// Text without marks as it comes: the block's first character spelled so it stays.
    mutating func writeWithoutMarks(_ utf8: UnsafeBufferPointer<UInt8>, startingBlock: Bool, into out: inout OutputBytes) {
        guard startingBlock, !utf8.isEmpty else { return MarkdownOutput.escape(utf8, into: &out) }
        let whole = 0..<utf8.count
        Layout.writeText(whole, in: utf8, first: Layout.spellingAtStart(of: whole, in: utf8), last: .asIs, startsBlock: true, into: &out)
    }

    /// Gathers `utf8`, with `marks` (`plain` when it has none); the block is written as it
    /// comes (`writeWithoutMarks`) until text with marks comes.
    mutating func append(_ utf8: UnsafeBufferPointer<UInt8>, marks: Marks, plain: Bool, writingInto out: inout OutputBytes) {
        guard !utf8.isEmpty else { return }
        let startingBlock = text.isEmpty
        if startingBlock { outputStart = out.count }
        if withoutMarks {
            if plain {
                writeWithoutMarks(utf8, startingBlock: startingBlock, into: &out)
                text.append(utf8)
                return
            }
            // What came so far is one run without marks.
            withoutMarks = false
            if !startingBlock { runs.append((Marks(), text.count)) }
        }
        append(utf8, marks: marks)
    }

    /// Ends the block's text: one written as it came gets its last character spelled so it
    /// stays (trailing whitespace is dropped by a reader); any other is written now, in
    /// place of what was written as it came.
    mutating func finish(into out: inout OutputBytes) {
        defer {
            text.removeAll()
            if !runs.isEmpty { runs.removeAll(keepingCapacity: true) }
            withoutMarks = true
        }
        guard !text.isEmpty else { return }
        text.withBytes { bytes in
            if withoutMarks {
                let last = Layout.lastScalarStart(in: 0..<bytes.count, of: bytes)
                // A line break is a reference already; a lone character was spelled first.
                guard last > 0, bytes[last] != 0x0A, bytes[last] != 0x0D,
                    Layout.spellingAtEnd(of: 0..<bytes.count, in: bytes) == .reference
                else { return }
                out.removeLast(bytes.count - last)
                Layout.writeText(last..<bytes.count, in: bytes, first: .reference, last: .asIs, startsBlock: false, into: &out)
                return
            }
            layout.start(bytes: bytes)
            layout.split(runs)
            layout.nest()
            layout.placeDelimiters()
            // The text before the first marks, written as it came, stays but for its last
            // character (when its spelling changed, and unless it is the first too).
            let prefix = runs.first.map { $0.marks.isEmpty ? $0.end : 0 } ?? 0
            let lastOfPrefix = prefix > 0 ? Layout.lastScalarStart(in: 0..<prefix, of: bytes) : 0
            guard lastOfPrefix > 0, layout.runs[0].range == 0..<prefix else {
                out.removeLast(out.count - outputStart)
                return layout.write(into: &out, links: linkTargets, from: 0)
            }
            let spelling = layout.runs[0].last
            if spelling != .asIs, bytes[lastOfPrefix] != 0x0A, bytes[lastOfPrefix] != 0x0D {
                out.removeLast(prefix - lastOfPrefix)
                Layout.writeText(lastOfPrefix..<prefix, in: bytes, first: spelling, last: .asIs, startsBlock: false, into: &out)
            }
            layout.write(into: &out, links: linkTargets, from: 1)
        }
    }

    struct Run {
        var marks: Marks
        var range: Range<Int>
        /// How its first and last characters are written (`Layout`).
        var first = Spelling.asIs
        var last = Spelling.asIs
    }
}

/// Bytes gathered block after block in storage kept between them (an `Array`'s
/// `removeAll(keepingCapacity:)` and append cost more than the copying, once per block).
struct GatheredBytes {
    private var storage: [UInt8] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if count + bytes.count > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(count + bytes.count - storage.count, storage.count)))
        }
        storage.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<UInt8>) in
            (buffer.baseAddress! + count).update(from: bytes.baseAddress!, count: bytes.count)
        }
        count += bytes.count
    }

    mutating func removeAll() { count = 0 }

    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<count])) }
    }
}

// MARK: - Layout

extension MarkdownInline {
    /// A mark markdown writes; outermost first when two last as long.
    enum Mark: UInt8 {
        case link, strike, bold, italic, code

        /// Whether a run with `marks` has this mark (a link: any link).
        func isIn(_ marks: Marks) -> Bool {
            switch self {
            case .link: marks.hasLink
            case .strike: marks.strike
            case .bold: marks.bold
            case .italic: marks.italic
            case .code: marks.code
            }
        }
    }

    /// A mark's opening or closing markup. Emphasis is written with `*` unless `_` was
    /// needed to keep it apart from a neighbouring `*`.
    struct Delimiter {
        var mark: Mark
        var opens: Bool
        var underscore = false
        /// Opened as part of `***`: a reader may take a later `*` or `**` that could open
        /// or close as this one's closer (the rule of three allows it), so no such one of
        /// the same character may open inside.
        var inRunOfThree = false

        /// The character a reader groups delimiter runs by, for emphasis and strikethrough.
        var emphasisCharacter: UInt8? { Self.character(of: mark, underscore: underscore) }

        static func character(of mark: Mark, underscore: Bool) -> UInt8? {
            switch mark {
            case .bold, .italic: underscore ? UInt8(ascii: "_") : UInt8(ascii: "*")
            case .strike: UInt8(ascii: "~")
            case .link, .code: nil
            }
        }
    }

    /// How a text character next to markup is written.
    enum Spelling: UInt8 {
        case asIs
        /// A character reference: the same character, but punctuation to a reader.
        case reference
        /// A backslash before it (`!` before a link, `-` starting a block).
        case backslash
    }

    /// What a reader sees beside a delimiter run.
    enum Neighbour {
        case whitespace
        case punctuation
        /// A symbol outside ASCII: punctuation to CommonMark 0.31 readers, not to older
        /// ones, so a delimiter beside it must do for both readings.
        case eitherReading
        case other

        var isWhitespaceOrPunctuation: Bool { self == .whitespace || self == .punctuation }
        var mayBePunctuation: Bool { self == .punctuation || self == .eitherReading }
    }

    /// One block's runs and the markup decided around them. Its arrays are kept from block
    /// to block.
    struct Layout {
        var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var runs: [Run] = []
        /// The markup before run k (and after the last, at `runs.count`): the closings, then
        /// the openings, at `delimiters[starts[k]..<starts[k + 1]]`.
        var delimiters: [Delimiter] = []
        var starts: [Int] = []
        /// The marks open while nesting, with the run each was opened before.
        private var open: [(delimiter: Delimiter, run: Int)] = []
        /// For each run and mark, the run where the mark's stretch from there ends; made
        /// when first needed.
        private var reach: [Int32] = []
        private var reachMade = false
        private var opening: [Mark] = []

        mutating func start(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            runs.removeAll(keepingCapacity: true)
            delimiters.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
        }

        func boundary(_ k: Int) -> Range<Int> { starts[k]..<starts[k + 1] }

        /// Takes the block's runs. A code span cannot hold a line break (it reads as a
        /// space): a line break in code is a run of its own, outside the code.
        mutating func split(_ gathered: [(marks: Marks, end: Int)]) {
            var start = 0
            for run in gathered {
                defer { start = run.end }
                guard run.marks.code, bytes[start..<run.end].contains(0x0A) else {
                    add(Run(marks: run.marks, range: start..<run.end))
                    continue
                }
                var plain = run.marks
                plain.code = false
                var from = start
                for k in start..<run.end where bytes[k] == 0x0A {
                    if from < k { add(Run(marks: run.marks, range: from..<k)) }
                    add(Run(marks: plain, range: k..<(k + 1)))
                    from = k + 1
                }
                if from < run.end { add(Run(marks: run.marks, range: from..<run.end)) }
            }
        }

        /// Neighbours alike (a split can make them) are one run.
        private mutating func add(_ run: Run) {
            if let previous = runs.last, previous.marks == run.marks {
                runs[runs.count - 1].range = previous.range.lowerBound..<run.range.upperBound
            } else {
                runs.append(run)
            }
        }

        // MARK: Nesting

        /// Whether the mark opened before run `opened` goes on in run `k`.
        private func goesOn(_ mark: Mark, from opened: Int, into k: Int) -> Bool {
            mark == .link ? runs[k].marks.hasLink && runs[k].marks.link == runs[opened].marks.link : mark.isIn(runs[k].marks)
        }

        /// Decides which marks close and open before each run.
        mutating func nest() {
            reachMade = false
            open.removeAll(keepingCapacity: true)
            for k in runs.indices {
                starts.append(delimiters.count)
                let marks = runs[k].marks
                // The lowest open mark the run lacks goes, with everything above it; code
                // goes too when a mark starts, since nothing opens inside a code span.
                var keep = open.firstIndex { !goesOn($0.delimiter.mark, from: $0.run, into: k) } ?? open.count
                var going: UInt8 = 0
                for entry in open where goesOn(entry.delimiter.mark, from: entry.run, into: k) { going |= 1 << entry.delimiter.mark.rawValue }
                var wanted: UInt8 = 0
                for raw in 0..<UInt8(5) where Mark(rawValue: raw)!.isIn(marks) { wanted |= 1 << raw }
                if wanted & ~going != 0, let code = open.firstIndex(where: { $0.delimiter.mark == .code }) { keep = min(keep, code) }
                for entry in open[keep...].reversed() {
                    var closing = entry.delimiter
                    closing.opens = false
                    delimiters.append(closing)
                }
                let lastClosing = open.count > keep ? open[keep].delimiter.emphasisCharacter : nil
                open.removeSubrange(keep...)
                var kept: UInt8 = 0
                for entry in open { kept |= 1 << entry.delimiter.mark.rawValue }
                // What opens: code last (innermost), the rest the longest-lasting first.
                if !opening.isEmpty { opening.removeAll(keepingCapacity: true) }
                for raw in 0..<UInt8(5) where wanted & ~kept & (1 << raw) != 0 { opening.append(Mark(rawValue: raw)!) }
                if opening.count > 1 {
                    if !reachMade { computeReach() }
                    let reach = self.reach
                    opening.sort { a, b in
                        if (a == .code) != (b == .code) { return b == .code }
                        let (ra, rb) = (reach[k * 5 + Int(a.rawValue)], reach[k * 5 + Int(b.rawValue)])
                        return ra != rb ? ra > rb : a.rawValue < b.rawValue
                    }
                }
                // `*a***b**`: a closing and an opening of the same character would read as
                // one run. Open with another mark first, or with `_`.
                if let lastClosing, let head = opening.first, Delimiter.character(of: head, underscore: false) == lastClosing,
                    let other = opening.firstIndex(where: { $0 != .code && Delimiter.character(of: $0, underscore: false) != lastClosing })
                {
                    opening.insert(opening.remove(at: other), at: 0)
                }
                let firstOpening = delimiters.count
                for (n, mark) in opening.enumerated() {
                    var delimiter = Delimiter(mark: mark, opens: true)
                    if n == 0, let lastClosing, Delimiter.character(of: mark, underscore: false) == lastClosing {
                        delimiter.underscore = lastClosing == UInt8(ascii: "*")
                    }
                    if let star = delimiter.emphasisCharacter, star != UInt8(ascii: "~"),
                        open.contains(where: { $0.delimiter.inRunOfThree && $0.delimiter.emphasisCharacter == star })
                    {
                        delimiter.underscore.toggle()
                    }
                    delimiters.append(delimiter)
                    open.append((delimiter, k))
                }
                // Bold and italic opened together with one character are `***`.
                for n in firstOpening..<max(firstOpening, delimiters.count - 1) {
                    guard let star = delimiters[n].emphasisCharacter, star != UInt8(ascii: "~"),
                        delimiters[n + 1].emphasisCharacter == star
                    else { continue }
                    delimiters[n].inRunOfThree = true
                    delimiters[n + 1].inRunOfThree = true
                    let base = open.count - (delimiters.count - firstOpening)
                    open[base + n - firstOpening].delimiter.inRunOfThree = true
                    open[base + n + 1 - firstOpening].delimiter.inRunOfThree = true
                }
            }
            starts.append(delimiters.count)
            for entry in open.reversed() {
                var closing = entry.delimiter
                closing.opens = false
                delimiters.append(closing)
            }
            starts.append(delimiters.count)
        }

        /// `reach[k * 5 + mark]`: the run where the mark's stretch from run k ends.
        private mutating func computeReach() {
            reachMade = true
            reach.removeAll(keepingCapacity: true)
            reach.append(contentsOf: repeatElement(0, count: runs.count * 5))
            for k in runs.indices.reversed() {
                for raw in 0..<UInt8(5) {
                    let mark = Mark(rawValue: raw)!
                    let index = k * 5 + Int(raw)
                    reach[index] = k + 1 < runs.count && mark.isIn(runs[k].marks) && goesOn(mark, from: k, into: k + 1)
                        ? reach[index + 5] : Int32(k + 1)
                }
            }
        }

        // MARK: Flanking

        /// Decides which text characters beside delimiters are written as references, until
        /// every emphasis delimiter run can open or close where it stands.
        mutating func placeDelimiters() {
            if let run = runs.first, !run.marks.code, boundary(0).isEmpty {
                runs[0].first = Self.spellingAtStart(of: run.range, in: bytes)
            }
            if let run = runs.last, !run.marks.code, boundary(runs.count).isEmpty {
                runs[runs.count - 1].last = Self.spellingAtEnd(of: run.range, in: bytes)
            }
            // `!` right before a link's `[` would make it an image.
            for k in 1..<runs.count where !boundary(k).isEmpty {
                let head = delimiters[starts[k]]
                if head.mark == .link, head.opens, !runs[k - 1].marks.code, bytes[runs[k - 1].range.upperBound - 1] == UInt8(ascii: "!") {
                    runs[k - 1].last = .backslash
                }
            }
            var changed = true
            while changed {
                changed = false
                for k in 0...runs.count where !boundary(k).isEmpty { changed = flank(boundary: k) || changed }
            }
        }

        /// Leading whitespace would be dropped, and `-` or `+` would start a list.
        static func spellingAtStart(of range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Spelling {
            let lead = bytes[range.lowerBound]
            if lead == UInt8(ascii: "-") || lead == UInt8(ascii: "+") { return .backslash }
            return classify(scalar(at: range.lowerBound, in: bytes)) == .whitespace ? .reference : .asIs
        }

        /// Trailing whitespace would be dropped.
        static func spellingAtEnd(of range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Spelling {
            classify(scalar(at: lastScalarStart(in: range, of: bytes), in: bytes)) == .whitespace ? .reference : .asIs
        }

        /// Checks each delimiter run at boundary `k`; true when a character changed.
        private mutating func flank(boundary k: Int) -> Bool {
            let (startIndex, endIndex) = (starts[k], starts[k + 1])
            var changed = false
            var g = startIndex
            while g < endIndex {
                guard let character = delimiters[g].emphasisCharacter else {
                    g += 1
                    continue
                }
                var end = g + 1
                while end < endIndex, delimiters[end].emphasisCharacter == character { end += 1 }
                defer { g = end }
                let before: Neighbour = g > startIndex ? .punctuation : k == 0 ? .whitespace : neighbour(atEndOf: k - 1)
                let after: Neighbour = end < endIndex ? .punctuation : k == runs.count ? .whitespace : neighbour(atStartOf: k)
                let textBefore = g == startIndex && k > 0
                let textAfter = end == endIndex && k < runs.count
                let underscore = character == UInt8(ascii: "_")
                if delimiters[g].opens {
                    // Left-flanking: not whitespace after; after punctuation only when
                    // whitespace or punctuation is before. `_` also needs that before.
                    if after == .whitespace, textAfter { changed = encode(first: k) || changed; continue }
                    if after.mayBePunctuation || underscore, !before.isWhitespaceOrPunctuation, textBefore {
                        changed = encode(last: k - 1) || changed
                    }
                    // cmark-gfm (GitHub's reader) does not close `*b:*` before `~~d`, a
                    // strikethrough that can only open; it does before `~~&#100;`.
                    if character == UInt8(ascii: "~"), g > startIndex, !delimiters[g - 1].opens, delimiters[g - 1].emphasisCharacter != nil,
                        after != .punctuation, textAfter
                    {
                        changed = encode(first: k) || changed
                    }
                } else {
                    // Right-flanking, the mirror image.
                    if before == .whitespace, textBefore { changed = encode(last: k - 1) || changed; continue }
                    if before.mayBePunctuation || underscore, !after.isWhitespaceOrPunctuation, textAfter {
                        changed = encode(first: k) || changed
                    }
                    // Nor does it open `*+a*` after `a~~`, a strikethrough that can only close.
                    if character == UInt8(ascii: "~"), end < endIndex, delimiters[end].opens, delimiters[end].emphasisCharacter != nil,
                        before != .punctuation, textBefore
                    {
                        changed = encode(last: k - 1) || changed
                    }
                }
            }
            return changed
        }

        private mutating func encode(first k: Int) -> Bool {
            guard runs[k].first != .reference, !runs[k].marks.code else { return false }
            runs[k].first = .reference
            if runs[k].range.count == scalarLength(at: runs[k].range.lowerBound) { runs[k].last = .reference }
            return true
        }

        private mutating func encode(last k: Int) -> Bool {
            guard runs[k].last != .reference, !runs[k].marks.code else { return false }
            runs[k].last = .reference
            if runs[k].range.count == scalarLength(at: runs[k].range.lowerBound) { runs[k].first = .reference }
            return true
        }

        private func neighbour(atStartOf k: Int) -> Neighbour {
            if runs[k].first != .asIs { return .punctuation }
            return Self.classify(scalar(at: runs[k].range.lowerBound))
        }

        private func neighbour(atEndOf k: Int) -> Neighbour {
            if runs[k].last != .asIs { return .punctuation }
            return Self.classify(scalar(at: Self.lastScalarStart(in: runs[k].range, of: bytes)))
        }

        @inline(__always)
        static func classify(_ scalar: Unicode.Scalar) -> Neighbour {
            if scalar.isASCII {
                switch scalar.value {
                case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20: return .whitespace
                case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return .punctuation
                default: return .other
                }
            }
            switch scalar.properties.generalCategory {
            case .spaceSeparator: return .whitespace
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                .finalPunctuation, .otherPunctuation:
                return .punctuation
            case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return .eitherReading
            default: return .other
            }
        }

        private func scalarLength(at offset: Int) -> Int { Self.scalarLength(at: offset, in: bytes) }

        private func scalar(at offset: Int) -> Unicode.Scalar { Self.scalar(at: offset, in: bytes) }

        private static func scalarLength(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
            let lead = bytes[offset]
            return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        }

        /// Where the last character of `range` (non-empty) starts.
        static func lastScalarStart(in range: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var start = range.upperBound - 1
            while start > range.lowerBound, bytes[start] & 0xC0 == 0x80 { start -= 1 }
            return start
        }

        private static func scalar(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar {
            if bytes[offset] < 0x80 { return Unicode.Scalar(bytes[offset]) }
            let length = min(scalarLength(at: offset, in: bytes), bytes.count - offset)
            var decoder = UTF8()
            var iterator = bytes[offset..<(offset + length)].makeIterator()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
            return "\u{FFFD}"
        }

        // MARK: Writing

        /// Writes the runs from `from` on, with the markup before each.
        func write(into out: inout OutputBytes, links: [String], from: Int) {
            for (k, run) in runs.enumerated() where k >= from {
                for delimiter in delimiters[boundary(k)] { writeDelimiter(delimiter, at: k, links: links, into: &out) }
                if run.marks.code {
                    out.append(UnsafeBufferPointer(rebasing: bytes[run.range]))
                } else {
                    writeText(k, into: &out)
                }
            }
            for delimiter in delimiters[boundary(runs.count)] { writeDelimiter(delimiter, at: runs.count, links: links, into: &out) }
        }

        /// A delimiter before run `k`: an opening one's mark is run k's, a closing one's the
        /// run's before.
        private func writeDelimiter(_ delimiter: Delimiter, at k: Int, links: [String], into out: inout OutputBytes) {
            let run = runs[delimiter.opens ? k : k - 1]
            switch delimiter.mark {
            case .link:
                if delimiter.opens {
                    out.append(UInt8(ascii: "["))
                } else {
                    out.append("](")
                    out.append(utf8Of: MarkdownOutput.destination(links[Int(run.marks.link)]))
                    out.append(UInt8(ascii: ")"))
                }
            case .strike: out.append("~~")
            case .bold: out.append(delimiter.underscore ? "__" : "**")
            case .italic: out.append(UInt8(ascii: delimiter.underscore ? "_" : "*"))
            case .code:
                // The run is the code span's whole text (code is innermost).
                let (fence, padded) = Self.codeFence(for: UnsafeBufferPointer(rebasing: bytes[run.range]))
                if !delimiter.opens, padded { out.append(UInt8(ascii: " ")) }
                for _ in 0..<fence { out.append(UInt8(ascii: "`")) }
                if delimiter.opens, padded { out.append(UInt8(ascii: " ")) }
            }
        }

        /// The shortest backtick string that no backtick run inside equals, and whether a
        /// space goes inside each end (which a reader takes off again).
        static func codeFence(for content: UnsafeBufferPointer<UInt8>) -> (length: Int, padded: Bool) {
            // Bit n: a run of n + 1 backticks is inside; longer runs cannot be the shortest free.
            var lengths: UInt64 = 0
            var current = 0
            for byte in content {
                if byte == UInt8(ascii: "`") {
                    current += 1
                } else if current > 0 {
                    if current <= 64 { lengths |= 1 << UInt64(current - 1) }
                    current = 0
                }
            }
            if current > 0, current <= 64 { lengths |= 1 << UInt64(current - 1) }
            let fence = (~lengths).trailingZeroBitCount + 1
            let backtickAtAnEnd = content.first == UInt8(ascii: "`") || content.last == UInt8(ascii: "`")
            let spaceAtBothEnds = content.first == UInt8(ascii: " ") && content.last == UInt8(ascii: " ")
                && content.contains { $0 != UInt8(ascii: " ") }
            return (fence, backtickAtAnEnd || spaceAtBothEnds)
        }

        private func writeText(_ k: Int, into out: inout OutputBytes) {
            Self.writeText(runs[k].range, in: bytes, first: runs[k].first, last: runs[k].last, startsBlock: k == 0 && boundary(0).isEmpty, into: &out)
        }

        /// Text outside code, its first and last character spelled as decided; at the start
        /// of a block `1.` or `1)` would start a list.
        static func writeText(
            _ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>, first: Spelling, last: Spelling, startsBlock: Bool,
            into out: inout OutputBytes
        ) {
            var range = range
            let firstLength = scalarLength(at: range.lowerBound, in: bytes)
            if range.count == firstLength, first != .asIs || last != .asIs {
                return writeSpelled(scalarAt: range.lowerBound, in: bytes, first == .asIs ? last : first, into: &out)
            }
            if first != .asIs {
                writeSpelled(scalarAt: range.lowerBound, in: bytes, first, into: &out)
                range = (range.lowerBound + firstLength)..<range.upperBound
            } else if startsBlock, (0x30...0x39).contains(bytes[range.lowerBound]) {
                var digits = range.lowerBound
                while digits < range.upperBound, digits - range.lowerBound < 10, (0x30...0x39).contains(bytes[digits]) { digits += 1 }
                if digits - range.lowerBound <= 9, digits < range.upperBound,
                    bytes[digits] == UInt8(ascii: ".") || bytes[digits] == UInt8(ascii: ")")
                {
                    out.append(UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<digits]))
                    out.append(UInt8(ascii: "\\"))
                    out.append(bytes[digits])
                    range = (digits + 1)..<range.upperBound
                }
            }
            var tail: Int?
            if last != .asIs, !range.isEmpty {
                let start = lastScalarStart(in: range, of: bytes)
                tail = start
                range = range.lowerBound..<start
            }
            MarkdownOutput.escape(UnsafeBufferPointer(rebasing: bytes[range]), into: &out)
            if let tail { writeSpelled(scalarAt: tail, in: bytes, last, into: &out) }
        }

        private static func writeSpelled(scalarAt offset: Int, in bytes: UnsafeBufferPointer<UInt8>, _ spelling: Spelling, into out: inout OutputBytes) {
            let character = UnsafeBufferPointer(rebasing: bytes[offset..<min(offset + scalarLength(at: offset, in: bytes), bytes.count)])
            switch spelling {
            case .asIs:
                MarkdownOutput.escape(character, into: &out)
            case .backslash:
                out.append(UInt8(ascii: "\\"))
                out.append(character)
            case .reference:
                var decoder = UTF8()
                var iterator = character.makeIterator()
                guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return MarkdownOutput.escape(character, into: &out) }
                out.append("&#")
                out.appendDecimal(Int(scalar.value))
                out.append(UInt8(ascii: ";"))
            }
        }
    }
}
