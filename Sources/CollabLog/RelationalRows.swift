import CollabCore

/// The relational rows of the system `collab` replaces, as JSON lines: `id, document_id,
/// operation_type (insert|delete|format), position (JSON), content, author_id,
/// timestamp, vector_clock (JSON)`. Rows are position-based edits applied one after
/// another in file order; docs/formats.md gives the mapping.
public enum RelationalRows {
    /// Replays the rows as local edits of their authors, one document per document_id.
    public static func read(
        _ bytes: [UInt8], path: String, skipInvalid: Bool
    ) throws(LogError) -> (documents: [JSONLinesImport.ImportedDocument], rejected: [JSONLinesImport.RejectedLine]) {
        var rejected: [JSONLinesImport.RejectedLine] = []
        var order: [String] = []
        var documents: [String: Document] = [:]
        try JSONLines.forEachLine(of: bytes) { (number, line) throws(LogError) in
            do {
                let row = try Row(line)
                if documents[row.documentId] == nil {
                    order.append(row.documentId)
                    documents[row.documentId] = Document()
                }
                try row.apply(to: documents[row.documentId]!)
            } catch {
                guard skipInvalid else { throw .badLine(path: path, line: number, reason: "\(error)") }
                rejected.append(.init(line: number, reason: "\(error)", text: String(decoding: line, as: UTF8.self)))
            }
        }
        let imported = order.map { JSONLinesImport.ImportedDocument(documentId: $0, ops: documents[$0]!.history) }
        return (imported, rejected)
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

        func apply(to document: Document) throws {
            let timestamp = document.tick(now: wall)
            switch kind {
            case .insert:
                try document.insert(content!, at: position, by: author, timestamp: timestamp)
            case .delete:
                if let content, let actual = document.text(at: position, count: length), actual != content {
                    throw RowError(description: "the text at \(position) is \(actual.debugDescription), not the deleted \(content.debugDescription)")
                }
                try document.delete(at: position, count: length, by: author, timestamp: timestamp)
            case .format:
                for (key, value) in attributes {
                    try document.format(at: position, count: length, key: key, value: value, by: author, timestamp: timestamp)
                }
            }
        }
    }

    /// A document's ops as rows, replayed in log order: each insert one row at the index
    /// it landed, each delete one row per run of visible characters it removed.
    public static func encode(documentId: String, ops: [Op]) -> [UInt8] {
        let document = Document()
        var writer = JSONWriter()
        var number = 0
        func row(_ op: Op, _ type: StaticString, index: Int, length: Int?, content: String) {
            number += 1
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
            for (k, entry) in document.version.counts.sorted(by: { $0.key < $1.key }).enumerated() {
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
