import CollabCore
import CollabLog
import CollabProtocol

/// Edits from a client without a CRDT (a textarea, a PHP-era page): splices at code-point
/// positions of the text at a version it has seen (docs/protocol.md, `edit`). The server
/// makes them ops of `client` (docs/engine.md: edits at any version).
package struct PositionEdit: Sendable {
    package struct Patch: Sendable {
        /// What the position is read against: this version and every op of the client.
        package var version: VersionVector
        package var position: Int
        package var deleteCount: Int
        package var text: String
    }

    package var client: ClientId
    package var patches: [Patch]

    /// The op types the edit makes, for the access check made before it is queued.
    var writes: [(client: ClientId, type: String, name: String)] {
        var writes: [(client: ClientId, type: String, name: String)] = []
        if patches.contains(where: { $0.deleteCount > 0 }) { writes.append((client, "text_delete", "\(client):…")) }
        if patches.contains(where: { !$0.text.isEmpty }) { writes.append((client, "text_insert", "\(client):…")) }
        return writes
    }

    /// Reads `[[position, deleteCount, "text"], …]` (each patch deletes, then inserts,
    /// at its position), all against `version`.
    package init(client: ClientId, version: VersionVector, patches value: JSONValue?) throws(PositionEditError) {
        guard case .array(let items)? = value, !items.isEmpty else {
            throw PositionEditError("patches is a non-empty array of [position, deleteCount, text]")
        }
        self.client = client
        patches = []
        for (k, item) in items.enumerated() {
            guard case .array(let parts) = item, parts.count == 3, case .int(let position) = parts[0], position >= 0,
                case .int(let deleteCount) = parts[1], deleteCount >= 0, case .string(let text) = parts[2],
                position <= Int64(Int32.max), deleteCount <= Int64(Int32.max)
            else { throw PositionEditError("patches[\(k)] is [position, deleteCount, text] with non-negative integers") }
            guard deleteCount > 0 || !text.isEmpty else { throw PositionEditError("patches[\(k)] neither deletes nor inserts") }
            patches.append(Patch(version: version, position: Int(position), deleteCount: Int(deleteCount), text: text))
        }
    }

    /// Reads rows of the seed's form, `{"operation_type": "insert"|"delete", "position":
    /// i or {"index": i, "length": n}, "content": …, "vector_clock": {…}}`, each against
    /// its own clock (a version, as the server sends them; none: the document's head).
    package init(client: ClientId, rows: [JSONValue], head: VersionVector) throws(PositionEditError) {
        self.client = client
        patches = []
        for (k, row) in rows.enumerated() {
            guard case .object(let fields) = row else { throw PositionEditError("operations[\(k)] is a row object") }
            var position: Int64?
            var length: Int64?
            switch fields["position"] {
            case .int(let index)?: position = index
            case .object(let parts)?:
                if case .int(let index)? = parts["index"] { position = index }
                if case .int(let count)? = parts["length"] { length = count }
            default: break
            }
            guard let position, position >= 0, position <= Int64(Int32.max) else {
                throw PositionEditError("operations[\(k)].position is an index or {\"index\": i, \"length\": n}")
            }
            let content: String? = if case .string(let text)? = fields["content"] { text } else { nil }
            var version = head
            if let clock = fields["vector_clock"] {
                guard let named = VersionVector(message: clock) else { throw PositionEditError("operations[\(k)].vector_clock is a version {client: count}") }
                version = named
            }
            switch fields["operation_type"] {
            case .string("insert")?:
                guard let content, !content.isEmpty else { throw PositionEditError("operations[\(k)]: an insert needs content") }
                patches.append(Patch(version: version, position: Int(position), deleteCount: 0, text: content))
            case .string("delete")?:
                guard let count = length ?? content.map({ Int64($0.unicodeScalars.count) }), count > 0, count <= Int64(Int32.max) else {
                    throw PositionEditError("operations[\(k)]: a delete needs position.length or the deleted content")
                }
                patches.append(Patch(version: version, position: Int(position), deleteCount: Int(count), text: ""))
            default:
                throw PositionEditError("operations[\(k)].operation_type is insert or delete (send ops for anything else)")
            }
        }
        guard !patches.isEmpty else { throw PositionEditError("operations is a non-empty array") }
    }

    /// Makes the edit's ops on `walker`'s document (at head), applied there, and returns
    /// them. Each patch is read against its version, every op of the client (those of
    /// the patches before it too) and nothing else.
    func ops(on walker: HistoryWalker, now: Int64) throws -> [Op] {
        let document = walker.document
        try walker.catchUp()
        // Ops made here are this batch's alone: none grows a record of a batch before.
        document.coalescingFloor = document.historyCount
        let start = document.historyCount
        defer { try? walker.moveToHead() }
        for (k, patch) in patches.enumerated() {
            var base = patch.version
            if base[client] > document.seen(client) {
                throw PositionEditError("patch \(k): the version names \(client):\(base[client]), which this document has not seen")
            }
            base[client] = document.seen(client)
            if let problem = walker.problem(with: base) {
                throw PositionEditError("patch \(k): the version is not one this document can read positions against: \(problem)")
            }
            try walker.move(to: base)
            do {
                if patch.deleteCount > 0 {
                    try walker.delete(at: patch.position, count: patch.deleteCount, by: client, timestamp: document.tick(now: now))
                }
                if !patch.text.isEmpty {
                    try walker.insert(patch.text, at: patch.position, by: client, timestamp: document.tick(now: now))
                }
            } catch {
                throw PositionEditError("patch \(k): \(error) at version \(base)")
            }
        }
        return document.history(from: start)
    }
}

package struct PositionEditError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
