import CollabCore

/// The relational rows of the system `collab` replaces, as JSON lines: `id, document_id,
/// operation_type (insert|delete|format), position (JSON), content, author_id,
/// timestamp, vector_clock (JSON)`. Rows are position-based edits applied one after
/// another in file order; docs/formats.md gives the mapping.
public enum RelationalRows {
    /// Replays the rows as edits of their authors, one document per document_id: a row
    /// with a `vector_clock` at the version its clock names, one without after every
    /// row before it.
    public static func read(
        _ bytes: [UInt8], path: String, skipInvalid: Bool
    ) throws(LogError) -> (documents: [JSONLinesImport.ImportedDocument], rejected: [JSONLinesImport.RejectedLine]) {
        var rejected: [JSONLinesImport.RejectedLine] = []
        var order: [String] = []
        var documents: [String: Replay] = [:]
        try JSONLines.forEachLine(of: bytes) { (number, line) throws(LogError) in
            do {
                let row = try Row(line)
                if documents[row.documentId] == nil {
                    order.append(row.documentId)
                    documents[row.documentId] = try Replay()
                }
                try documents[row.documentId]!.apply(row)
            } catch {
                guard skipInvalid else { throw .badLine(path: path, line: number, reason: "\(error)") }
                rejected.append(.init(line: number, reason: "\(error)", text: String(decoding: line, as: UTF8.self)))
            }
        }
        let imported = order.map { JSONLinesImport.ImportedDocument(documentId: $0, ops: documents[$0]!.document.history) }
        return (imported, rejected)
    }

    /// One document's rows so far: the document, and per author how many ids it had
    /// after each of its rows, which a vector clock's row counts are turned into.
    final class Replay {
        let document = Document()
        let walker: HistoryWalker
        var idsAfterRow: [String: [Int]] = [:]

        init() throws {
            walker = try HistoryWalker(document)
        }

        func apply(_ row: Row) throws {
            try walker.moveToHead()
            let base = try base(of: row)
            let timestamp = document.tick(now: row.wall)
            if let base, base != document.version {
                if let problem = walker.problem(with: base) {
                    throw RowError(description: "vector_clock: \(problem)")
                }
                try walker.move(to: base)
            }
            switch row.kind {
            case .insert:
                try walker.insert(row.content!, at: row.position, by: row.author, timestamp: timestamp)
            case .delete:
                if let content = row.content, let actual = walker.text(at: row.position, count: row.length), actual != content {
                    throw RowError(description: "the text at \(row.position) is \(actual.debugDescription), not the deleted \(content.debugDescription)")
                }
                try walker.delete(at: row.position, count: row.length, by: row.author, timestamp: timestamp)
            case .format:
                // Made on a replica at the base (rows mostly insert and delete), then
                // merged; at head, on the document itself.
                try walker.moveToHead()
                let replica = try base.flatMap { $0 == document.version ? nil : try Document.at($0, of: document.history) } ?? document
                let start = replica.historyCount
                for (key, value) in row.attributes {
                    try replica.format(at: row.position, count: row.length, key: key, value: value, by: row.author, timestamp: timestamp)
                }
                if replica !== document {
                    for op in replica.history(from: start) { try document.apply(op) }
                }
                try walker.catchUp()
            }
            idsAfterRow[row.author, default: []].append(document.seen(row.author))
        }

        /// The version a row's clock names: per author, the ids of as many of its rows as
        /// the clock counts; all of the row's own author's. Nil without a clock (or an
        /// empty one, which no real clock is: its own entry counts the row).
        private func base(of row: Row) throws -> VersionVector? {
            guard let clock = row.vectorClock, !clock.isEmpty else { return nil }
            var counts: [ClientId: Int] = [:]
            for (author, rows) in clock where author != row.author && rows > 0 {
                let after = idsAfterRow[author] ?? []
                guard rows <= after.count else {
                    throw RowError(description: "vector_clock: \(author):\(rows), but only \(after.count) of \(author)'s rows come before")
                }
                counts[author] = after[rows - 1]
            }
            counts[row.author] = document.seen(row.author)
            return VersionVector(counts)
        }
    }

    struct RowError: Error, CustomStringConvertible {
        var description: String
    }

    /// One row, checked.
    struct Row {
        enum Kind { case insert, delete, format }
        var documentId: String
        var kind: Kind
        var position: Int
        var length: Int
        var content: String?
        var author: String
        var wall: Int64
        /// A format row's attributes, by name.
        var attributes: [(key: String, value: AttributeValue)] = []
        /// Per author, how many of its rows this row's author had seen (its own included).
        var vectorClock: [String: Int]?

        init(_ line: ArraySlice<UInt8>) throws {
            guard case .object(let fields) = try JSONParser.parse(Array(line)) else { throw RowError(description: "expected an object") }
            func string(_ key: String) throws -> String {
                guard case .string(let value)? = fields[key] else { throw RowError(description: "\(key): expected a string") }
                return value
            }
            guard fields["id"] != nil else { throw RowError(description: "id: missing") }
            documentId = try string("document_id")
            if let problem = ClogFormat.problem(withDocumentId: documentId) { throw RowError(description: "document_id: \(problem)") }
            author = try string("author_id")
            guard !author.isEmpty, author.utf8.count <= 256 else { throw RowError(description: "author_id: a client id is 1 to 256 bytes") }
            switch fields["timestamp"] {
            case .int(let milliseconds)? where milliseconds >= 0: wall = milliseconds
            case .string(let text)?:
                guard let milliseconds = ISO8601.milliseconds(text) else { throw RowError(description: "timestamp: not an ISO-8601 time") }
                wall = milliseconds
            default: throw RowError(description: "timestamp: expected an ISO-8601 string or milliseconds")
            }
            var explicitLength: Int?
            switch fields["position"] {
            case .int(let index)? where index >= 0:
                position = Int(index)
            case .object(let parts)?:
                guard case .int(let index)? = parts["index"], index >= 0 else { throw RowError(description: "position.index: expected a non-negative integer") }
                position = Int(index)
                if case .int(let length)? = parts["length"] {
                    guard length > 0 else { throw RowError(description: "position.length: must be positive") }
                    explicitLength = Int(length)
                }
            default: throw RowError(description: "position: expected an index or {\"index\":…,\"length\":…}")
            }
            switch fields["vector_clock"] {
            case .object(let entries)?:
                var clock: [String: Int] = [:]
                for (author, value) in entries {
                    guard case .int(let rows) = value, rows >= 0 else {
                        throw RowError(description: "vector_clock.\(author): expected a count of rows")
                    }
                    clock[author] = Int(rows)
                }
                vectorClock = clock
            case .null?, nil: vectorClock = nil
            default: throw RowError(description: "vector_clock: expected an object of row counts by author")
            }
            switch fields["content"] {
            case .string(let text)?: content = text
            case .null?, nil: content = nil
            default: throw RowError(description: "content: expected a string or null")
            }
            switch try string("operation_type") {
            case "insert":
                kind = .insert
                guard let content, !content.isEmpty else { throw RowError(description: "content: an insert needs text") }
                length = content.unicodeScalars.count
            case "delete":
                kind = .delete
                guard let count = explicitLength ?? content.map({ $0.unicodeScalars.count }), count > 0 else {
                    throw RowError(description: "a delete needs position.length or the deleted content")
                }
                if let explicitLength, let content, content.unicodeScalars.count != explicitLength {
                    throw RowError(description: "position.length and content disagree")
                }
                length = count
            case "format":
                kind = .format
                guard let count = explicitLength, let content, case .object(let fields)? = try? JSONParser.parse(content),
                    !fields.isEmpty
                else {
                    throw RowError(description: "a format row needs position.length and content holding a JSON object of attributes")
                }
                for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                    do {
                        attributes.append((key, try OpJSON.attributeValue(value, "content.\(key)")))
                    } catch {
                        throw RowError(description: error.description)
                    }
                }
                length = count
            case let other:
                throw RowError(description: "operation_type: unknown \"\(other)\" (insert, delete, format)")
            }
        }
    }

    /// A document's ops as rows, replayed in log order: each insert one row at the index
    /// it landed, each delete one row per run of visible characters it removed. Each
    /// row's clock counts the rows before it and itself, so the rows read back linearly.
    public static func encode(documentId: String, ops: [Op]) -> [UInt8] {
        let document = Document()
        var writer = JSONWriter()
        var number = 0
        // Each author's rows so far: a row's clock counts every row before it and itself.
        var rowsByAuthor: [String: Int] = [:]
        func row(_ op: Op, _ type: StaticString, index: Int, length: Int?, content: String) {
            number += 1
            rowsByAuthor[op.id.client, default: 0] += 1
            writer.raw("{\"id\":")
            writer.int(number)
            writer.raw(",\"document_id\":")
            writer.string(documentId)
            writer.raw(",\"operation_type\":\"")
            writer.raw(type)
            writer.raw("\",\"position\":{\"index\":")
            writer.int(index)
            if let length {
                writer.raw(",\"length\":")
                writer.int(length)
            }
            writer.raw("},\"content\":")
            writer.string(content)
            writer.raw(",\"author_id\":")
            writer.string(op.id.client)
            writer.raw(",\"timestamp\":")
            writer.string(ISO8601.format(milliseconds: op.timestamp.wall))
            writer.raw(",\"vector_clock\":{")
            for (k, entry) in rowsByAuthor.sorted(by: { $0.key < $1.key }).enumerated() {
                if k > 0 { writer.raw(",") }
                writer.string(entry.key)
                writer.raw(":")
                writer.int(entry.value)
            }
            writer.raw("}}\n")
        }
        for op in ops {
            switch op.payload {
            case .textInsert(let insert):
                _ = try? document.apply(op)
                if let index = document.visibleIndex(of: op.id) { row(op, "insert", index: index, length: nil, content: insert.text) }
            case .textDelete(let delete):
                var visible: [(index: Int, scalar: Unicode.Scalar)] = []
                for target in delete.targets {
                    for k in 0..<target.length {
                        let id = OpId(target.start.client, target.backward ? target.start.seq - k : target.start.seq + k)
                        if let index = document.visibleIndex(of: id), let scalar = document.scalar(of: id) { visible.append((index, scalar)) }
                    }
                }
                _ = try? document.apply(op)
                // Runs of consecutive indexes, last first, so each row's index is still
                // right after the rows before it were applied.
                visible.sort { $0.index < $1.index }
                var runs: [[(index: Int, scalar: Unicode.Scalar)]] = []
                for entry in visible {
                    if let last = runs.last?.last, last.index + 1 == entry.index { runs[runs.count - 1].append(entry) } else { runs.append([entry]) }
                }
                for run in runs.reversed() {
                    var text = String.UnicodeScalarView()
                    text.append(contentsOf: run.map(\.scalar))
                    row(op, "delete", index: run[0].index, length: run.count, content: String(text))
                }
            case .comment, .block(.set):
                _ = try? document.apply(op)  // the rows have no comments or block attributes
            case .block(.delete):
                // The text it hid, as delete rows (runs of what was visible, last first).
                let before = document.characterIds
                let text = Array(document.text.unicodeScalars)
                _ = try? document.apply(op)
                let kept = Set(document.characterIds)
                var runs: [(index: Int, scalars: [Unicode.Scalar])] = []
                for (index, id) in before.enumerated() where !kept.contains(id) {
                    if let last = runs.last, last.index + last.scalars.count == index {
                        runs[runs.count - 1].scalars.append(text[index])
                    } else {
                        runs.append((index, [text[index]]))
                    }
                }
                for run in runs.reversed() {
                    var view = String.UnicodeScalarView()
                    view.append(contentsOf: run.scalars)
                    row(op, "delete", index: run.index, length: run.scalars.count, content: String(view))
                }
            case .block(.move(let block, _, _)):
                // The block's text leaves its old place and comes back at its new one.
                let before = document.characterIds
                let text = Array(document.text.unicodeScalars)
                _ = try? document.apply(op)
                let after = document.characterIds
                guard let move = BlockMoveRows(before: before, after: after, block: block) else { continue }
                var view = String.UnicodeScalarView()
                view.append(contentsOf: text[move.from..<(move.from + move.count)])
                row(op, "delete", index: move.from, length: move.count, content: String(view))
                row(op, "insert", index: move.to, length: nil, content: String(view))
            case .block(.insert):
                // A block boundary is a line break in the rows' text.
                _ = try? document.apply(op)
                if let index = document.visibleIndex(of: op.id) { row(op, "insert", index: index, length: nil, content: "\n") }
            case .formatSet(let format):
                _ = try? document.apply(op)
                // The visible characters it covers now; none (all deleted) gives no row.
                if let range = document.visibleRange(of: format), !range.isEmpty {
                    var attribute = JSONWriter()
                    attribute.raw("{")
                    attribute.string(format.key)
                    attribute.raw(":")
                    attribute.value(OpJSON.jsonValue(of: format.value))
                    attribute.raw("}")
                    row(op, "format", index: range.lowerBound, length: range.count, content: attribute.text)
                }
            }
        }
        return writer.bytes
    }
}

/// What a block move did to the plain text, as one stretch deleted and typed again: the
/// text between the first and last characters that changed place is a rotation of the
/// moved block and the blocks it passed.
struct BlockMoveRows {
    /// Where the moved text was, how long it is, and where it is after the delete row.
    var from: Int
    var count: Int
    var to: Int

    init?(before: [OpId], after: [OpId], block: OpId) {
        guard before.count == after.count else { return nil }
        guard let first = before.indices.first(where: { before[$0] != after[$0] }) else { return nil }
        let last = before.indices.last { before[$0] != after[$0] }!
        let changed = before[first...last]
        let now = after[first...last]
        // The moved block starts with its marker: it went either forwards (it was at the
        // start of the changed stretch) or backwards (it is at the start now).
        if changed.first == block, let k = now.firstIndex(of: block) {
            let moved = last + 1 - k
            (from, count, to) = (first, moved, first + (last + 1 - first - moved))
        } else if now.first == block, let k = changed.firstIndex(of: block) {
            (from, count, to) = (k, last + 1 - k, first)
        } else {
            return nil
        }
    }
}
