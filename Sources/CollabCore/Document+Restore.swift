/// Restoring an older version by new ops: history is kept whole.
extension Document {
    /// Makes and applies, as `client`, the ops that make this document show what `old`
    /// (an earlier version of it) shows: text added since is deleted, text deleted since
    /// comes back as new characters where it was, formatting and block attributes are
    /// set back, comments made since are deleted and comments edited, resolved or
    /// reopened since are set back. A comment deleted since stays deleted (deletion is
    /// final); `collab diff` still lists it.
    public func restore(to old: Document, by client: ClientId, now: Int64) throws -> [Op] {
        let oldVersion = old.version
        guard oldVersion.isIncluded(in: version) else {
            throw EngineError.invalidEdit("the version to restore, \(oldVersion), is not part of this one, \(version)")
        }
        let start = historyCount
        coalescingFloor = start
        let oldSeen = clientNames.map { Int32(oldVersion[$0]) }
        // Which characters old shows, with this document's client numbers.
        let clientMap = old.clientNames.map { clientIndex(of: $0)! }
        var shownThen = Set<CharId>()
        old.tree.forEachRun { run in
            guard !run.deleted else { return }
            for k in 0..<run.length { shownThen.insert(CharId(client: clientMap[Int(run.client)], seq: run.seq + k)) }
        }
        // Delete what was added since (last first, so earlier positions hold), then bring
        // back what was deleted since.
        var added: [Int] = []
        var removed: [CharId] = []
        var visible = 0
        tree.forEachRun { run in
            for k in 0..<run.length {
                let id = CharId(client: run.client, seq: run.seq + k)
                let then = id.seq < oldSeen[Int(run.client)] && shownThen.contains(id)
                if !run.deleted {
                    if !then { added.append(visible) }
                    visible += 1
                } else if then {
                    removed.append(id)
                }
            }
        }
        for (position, count) in Self.groups(of: added).reversed() {
            deleteSequence(at: position, count: count, by: client, timestamp: tick(now: now))
        }
        try reinsert(removed, by: client, now: now)
        // Formatting: every character gets old's attributes back (the ones typed again
        // included), attribute by attribute, over stretches that differ.
        let wanted = old.visibleStyles()
        let current = visibleStyles()
        precondition(wanted.perCharacter.count == current.perCharacter.count, "the restored text differs in length")
        let keys = Set(wanted.styles.flatMap(\.keys)).union(current.styles.flatMap(\.keys))
        func value(_ styles: (styles: [[String: AttributeValue]], perCharacter: [Int32]), _ k: Int, _ key: String) -> AttributeValue {
            let style = styles.perCharacter[k]
            return style < 0 ? .null : styles.styles[Int(style)][key] ?? .null
        }
        for key in keys.sorted() {
            var k = 0
            while k < current.perCharacter.count {
                let target = value(wanted, k, key)
                guard current.perCharacter[k] >= 0, value(current, k, key) != target else {
                    k += 1
                    continue
                }
                var end = k + 1
                while end < current.perCharacter.count && current.perCharacter[end] >= 0 && value(current, end, key) != value(wanted, end, key)
                    && value(wanted, end, key) == target
                {
                    end += 1
                }
                try formatSequence(at: k, count: end - k, key: key, value: target, by: client, timestamp: tick(now: now))
                k = end
            }
        }
        // Block attributes of the blocks both show.
        for (marker, record) in blocks.sorted(by: { $0.1.id < $1.1.id }) {
            guard let cursor = tree.cursor(of: marker), !cursor.run.deleted,
                let oldClient = old.clientIndex(of: record.id.client), let then = old.blocks[CharId(client: oldClient, seq: marker.seq)]
            else { continue }
            for key in Set(record.attributes.keys).union(then.attributes.keys).sorted() {
                let target = then.attributes[key]?.value ?? .null
                if (record.attributes[key]?.value ?? .null) != target {
                    try makeBlockOp(.set(block: record.id, key: key, value: target), by: client, timestamp: tick(now: now))
                }
            }
        }
        for (key, register) in old.firstBlock where (firstBlock[key]?.value ?? .null) != register.value {
            try makeBlockOp(.set(block: nil, key: key, value: register.value), by: client, timestamp: tick(now: now))
        }
        for key in firstBlock.keys where old.firstBlock[key] == nil && firstBlock[key]!.value != .null {
            try makeBlockOp(.set(block: nil, key: key, value: .null), by: client, timestamp: tick(now: now))
        }
        // Block order: each block shown right after the one old shows before it.
        if hasMovedBlocks || old.hasMovedBlocks {
            let order = old.displaySegments().map { old.opId($0.marker) }
            for (previous, block) in zip(order, order.dropFirst()) {
                guard let block, (try? shownBlock(block)) != nil else { continue }
                let shown = displaySegments().map { opId($0.marker) }
                guard let k = shown.firstIndex(of: block), k > 0, shown[k - 1] != previous else { continue }
                if let previous, (try? shownBlock(previous)) == nil { continue }
                // Table parts are not moved one by one: they stay where they are.
                _ = try? moveBlock(block, after: previous, by: client, timestamp: tick(now: now))
            }
        }
        // Comments.
        var then: [OpId: CommentRecord] = [:]
        for comment in old.comments { then[comment.id] = comment }
        for comment in comments where !comment.deleted {
            guard let was = then[comment.id] else {
                try makeCommentOp(.delete(comment: comment.id), by: client, timestamp: tick(now: now))
                continue
            }
            if was.text != comment.text {
                try makeCommentOp(.edit(comment: comment.id, text: was.text), by: client, timestamp: tick(now: now))
            }
            if was.resolved != comment.resolved {
                try makeCommentOp(.resolve(comment: comment.id, resolved: was.resolved), by: client, timestamp: tick(now: now))
            }
        }
        return history(from: start)
    }
}
