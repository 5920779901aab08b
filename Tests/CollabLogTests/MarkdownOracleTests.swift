import CollabCore
import CollabTestSupport
import Foundation
import Testing

@testable import CollabLog

/// `materialize --format markdown` read back by a real CommonMark reader (Debian's
/// `cmark-gfm`, with its strikethrough and table extensions) must give exactly the text
/// and marks of `--format html`, character by character, on random formatted documents.
@Suite("markdown read back by cmark-gfm")
struct MarkdownOracleTests {
    @Test func randomDocumentsReadBackWithTheirTextAndMarks() throws {
        var failures: [String] = []
        let seeds = Array(UInt64(1)...UInt64(ProcessInfo.processInfo.environment["MARKDOWN_ORACLE_DOCUMENTS"].flatMap(Int.init) ?? 1000))
        let documents = try seeds.map { try Self.randomDocument(seed: $0) }
        let markdown = documents.map { RichTextRendering.markdown($0) }
        // One reader for all: the documents apart by thematic breaks, which none contains.
        let read = try Self.cmark(markdown.joined(separator: "\n---\n\n")).components(separatedBy: "<hr />\n")
        #expect(read.count == documents.count)
        for (k, document) in documents.enumerated() where k < read.count {
            let expected = Self.blocks(ofHTML: RichTextRendering.html(document), fromCmark: false)
            let actual = Self.blocks(ofHTML: read[k], fromCmark: true)
            if expected != actual {
                failures.append("seed \(seeds[k]):\n\(markdown[k])\n-- cmark-gfm:\n\(read[k])-- ours:\n\(RichTextRendering.html(document))\(Self.firstDifference(expected, actual))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) documents read back differently; the first:\n\(failures.first ?? "")")
        if let path = ProcessInfo.processInfo.environment["MARKDOWN_ORACLE_FAILURES"] { try failures.joined(separator: "\n\n").write(toFile: path, atomically: true, encoding: .utf8) }
    }

    @Test func theIssuesExampleIsValidAndTidy() throws {
        // "YTheX foxy jumped.": bold on "TheX foxy", italic on "foxy jumped.", a link on "The".
        let document = Document()
        try document.insert("YTheX foxy jumped.", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try document.format(at: 1, count: 9, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 2))
        try document.format(at: 6, count: 12, key: "italic", value: .bool(true), by: "a", timestamp: Timestamp(wall: 3))
        try document.format(at: 1, count: 3, key: "link", value: .string("https://example.com"), by: "a", timestamp: Timestamp(wall: 4))
        let markdown = RichTextRendering.markdown(document)
        #expect(markdown == "&#89;**[The](https://example.com)X *foxy***_&#32;jumped._\n")
        #expect(try Self.cmark(markdown) == "<p>Y<strong><a href=\"https://example.com\">The</a>X <em>foxy</em></strong><em> jumped.</em></p>\n")
    }

    @Test func plainTextAndSimpleMarksNeedNoReferences() throws {
        let document = Document()
        try document.insert("Ship it on Friday, then rest.", at: 0, by: "a", timestamp: Timestamp(wall: 1))
        try document.format(at: 11, count: 6, key: "bold", value: .bool(true), by: "a", timestamp: Timestamp(wall: 2))
        try document.format(at: 5, count: 2, key: "italic", value: .bool(true), by: "a", timestamp: Timestamp(wall: 3))
        try document.format(at: 24, count: 4, key: "code", value: .bool(true), by: "a", timestamp: Timestamp(wall: 4))
        #expect(RichTextRendering.markdown(document) == "Ship *it* on **Friday**, then `rest`.\n")
    }

    // MARK: Random documents

    static let alphabet: [String] = Array("aaaaabbbbcccdde   ").map(String.init) + [
        "*", "_", "`", "``", "[", "]", "(", ")", "!", "#", "-", "+", "1.", ".", "~", "&", "&amp;", "<", ">", "\\", "|",
        "'", "\"", ":", "\n", "\t", "é", "\u{A0}", "€", "—", "😀", "  ",
    ]
    static let links = [
        "https://example.com", "https://example.com/a(b)c", "https://x.org/?q=1&r=<2>", "rel/path_with*stars", "mailto:a@b.c",
        "#frag", "https://ex.com/é", "javascript:alert(1)",
    ]
    static let blockKinds: [[String: AttributeValue]] = [
        [:], [:], [:], ["type": .string("heading"), "level": .int(2)], ["type": .string("quote")],
        ["type": .string("list_item")], ["type": .string("list_item"), "list": .string("ordered")], ["type": .string("code")],
    ]

    static func randomDocument(seed: UInt64) throws -> Document {
        var random = SplitMix(seed: seed)
        let document = Document()
        var wall: Int64 = 0
        func now() -> Timestamp {
            wall += 1
            return Timestamp(wall: wall)
        }
        for block in 0..<Int.random(in: 1...4, using: &random) {
            if block > 0 || Bool.random(using: &random) {
                try document.insertBlock(at: document.length, attributes: blockKinds.randomElement(using: &random)!, by: "a", timestamp: now())
            }
            let text = (0..<Int.random(in: 1...20, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
            try document.insert(text, at: document.length, by: "a", timestamp: now())
        }
        for _ in 0..<Int.random(in: 0...14, using: &random) {
            let start = Int.random(in: 0..<document.length, using: &random)
            let count = Int.random(in: 1...min(8, document.length - start), using: &random)
            let (key, value): (String, AttributeValue) =
                switch Int.random(in: 0..<12, using: &random) {
                case 0, 1: ("bold", .bool(true))
                case 2, 3: ("italic", .bool(true))
                case 4: ("strike", .bool(true))
                case 5: ("code", .bool(true))
                case 6, 7: ("link", .string(links.randomElement(using: &random)!))
                case 8: ("underline", .bool(true))
                case 9: ("bold", .null)
                case 10: ("italic", .null)
                default: ("code", .null)
                }
            try document.format(at: start, count: count, key: key, value: value, by: "a", timestamp: now())
        }
        return document
    }

    // MARK: The oracle

    static func cmark(_ markdown: String) throws -> String {
        let candidates = ["/usr/bin/cmark-gfm", "/usr/local/bin/cmark-gfm"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw OracleMissing()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-e", "strikethrough", "-e", "table"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Written from another thread: the reader's output can fill its pipe first.
        let bytes = Data(markdown.utf8)
        let writer = Thread {
            input.fileHandleForWriting.write(bytes)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let html = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: html, as: UTF8.self)
    }

    struct OracleMissing: Error, CustomStringConvertible {
        var description: String { "cmark-gfm is not installed (apt-get install cmark-gfm; .ci/run installs it)" }
    }

    // MARK: Reading HTML back

    struct Styled: Equatable, CustomStringConvertible {
        var character: Unicode.Scalar
        var marks: [String]
        var description: String { "\(character.escaped(asASCII: true))\(marks)" }
    }

    struct Block: Equatable {
        var kind: String
        var characters: [Styled] = []
    }

    /// The blocks of an HTML rendering, each with its characters and the marks markdown
    /// can show on each (bold, italic, strike, code, link target). Empty blocks are left
    /// out: an empty paragraph has no markdown form.
    static func blocks(ofHTML html: String, fromCmark: Bool) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        var lists: [String] = []
        var inQuote = false
        var inline: [(tag: String, mark: String?)] = []
        let scalars = Array(html.unicodeScalars)
        var k = 0
        func finish() {
            guard var block = current else { return }
            if fromCmark, block.kind == "code", block.characters.last?.character == "\n" { block.characters.removeLast() }
            if !block.characters.isEmpty { blocks.append(block) }
            current = nil
        }
        while k < scalars.count {
            if scalars[k] == "<", let end = scalars[k...].firstIndex(of: ">") {
                let tag = String(String.UnicodeScalarView(scalars[(k + 1)..<end]))
                k = end + 1
                let closing = tag.hasPrefix("/")
                let name = String((closing ? tag.dropFirst() : Substring(tag)).prefix { $0 != " " && $0 != "/" })
                switch (name, closing) {
                case ("ul", false), ("ol", false): lists.append(name)
                case ("ul", true), ("ol", true): lists.removeLast()
                case ("blockquote", _): inQuote = !closing
                case ("li", false):
                    finish()
                    current = Block(kind: "li-\(lists.last ?? "?")")
                case ("p", false):
                    if current == nil { current = Block(kind: inQuote ? "quote" : "p") }
                case ("h1", false), ("h2", false), ("h3", false), ("h4", false), ("h5", false), ("h6", false):
                    finish()
                    current = Block(kind: name)
                case ("pre", false):
                    finish()
                    current = Block(kind: "code")
                case ("p", true), ("li", true), ("h1", true), ("h2", true), ("h3", true), ("h4", true), ("h5", true), ("h6", true),
                    ("pre", true):
                    finish()
                case ("code", _) where current?.kind == "code":
                    break
                case (_, false):
                    let mark: String? =
                        switch name {
                        case "strong": "bold"
                        case "em": "italic"
                        case "del", "s": "strike"
                        case "code": "code"
                        case "a": "link " + normalizedHref(tag)
                        default: nil
                        }
                    inline.append((name, mark))
                case (_, true):
                    if let open = inline.lastIndex(where: { $0.tag == name }) { inline.remove(at: open) }
                }
                continue
            }
            var character = scalars[k]
            k += 1
            if character == "&", let semicolon = scalars[k...].prefix(10).firstIndex(of: ";") {
                let entity = String(String.UnicodeScalarView(scalars[k..<semicolon]))
                if let decoded = decode(entity) {
                    character = decoded
                    k = semicolon + 1
                }
            }
            guard current != nil else { continue }  // line breaks between blocks
            var marks = inline.compactMap(\.mark).sorted()
            // A code span cannot hold a line break (it reads as a space): markdown writes
            // it outside.
            if character == "\n" { marks.removeAll { $0 == "code" } }
            current!.characters.append(Styled(character: character, marks: marks))
        }
        finish()
        return blocks
    }

    static func decode(_ entity: String) -> Unicode.Scalar? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        default:
            if entity.hasPrefix("#x") || entity.hasPrefix("#X") { return UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
            if entity.hasPrefix("#") { return UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init) }
            return nil
        }
    }

    /// An `<a href>`'s target as written: cmark-gfm percent-encodes what a URL may not
    /// hold, and both escape it for HTML.
    static func normalizedHref(_ tag: String) -> String {
        guard let start = tag.range(of: "href=\""), let end = tag[start.upperBound...].firstIndex(of: "\"") else { return "" }
        var href = String(tag[start.upperBound..<end])
        for (entity, character) in [("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&#x27;", "'"), ("&amp;", "&")] {
            href = href.replacingOccurrences(of: entity, with: character)
        }
        return href.removingPercentEncoding ?? href
    }

    static func firstDifference(_ expected: [Block], _ actual: [Block]) -> String {
        guard expected.count == actual.count else { return "\nblocks: \(expected.map(\.kind)) against \(actual.map(\.kind))" }
        for (a, b) in zip(expected, actual) where a != b {
            if a.kind != b.kind { return "\nblock kind \(a.kind) against \(b.kind)" }
            let k = a.characters.indices.first { $0 >= b.characters.count || a.characters[$0] != b.characters[$0] } ?? b.characters.count
            return "\nin a \(a.kind), at character \(k): \(a.characters.dropFirst(k).prefix(3)) against \(b.characters.dropFirst(k).prefix(3))"
        }
        return ""
    }
}
