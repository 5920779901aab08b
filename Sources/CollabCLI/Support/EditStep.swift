import ArgumentParser
import CollabCore
import CollabLog

/// One edit of `collab edit`: an action and its arguments, checked when parsed and made
/// on a document as ops.
struct EditStep {
    enum Action: String, ExpressibleByArgument, CaseIterable {
        case insert, delete, format, comment
        case editComment = "edit-comment"
        case resolve, reopen
        case deleteComment = "delete-comment"
        case block
        case setBlock = "set-block"
        case deleteBlock = "delete-block"
        case moveBlock = "move-block"
    }

    var action: Action
    var arguments: [String]
    /// With `comment`: the comment this one replies to.
    var replyTo: String?

    /// Checks the arguments; what needs the document (positions in range) is checked
    /// when the edit is made.
    func validate() throws {
        switch action {
        case .comment:
            if let replyTo {
                guard arguments.count == 1, !arguments[0].isEmpty else { throw ValidationError("usage: comment TEXT --reply-to ID") }
                _ = try commentId(replyTo)
                return
            }
            guard arguments.count == 3, let position = Int(arguments[0]), position >= 0, let length = Int(arguments[1]), length > 0,
                !arguments[2].isEmpty
            else { throw ValidationError("usage: comment POS LEN TEXT (LEN positive, TEXT not empty)") }
            return
        case .editComment:
            guard arguments.count == 2, !arguments[1].isEmpty else { throw ValidationError("usage: edit-comment ID TEXT") }
            _ = try commentId(arguments[0])
            return
        case .resolve, .reopen, .deleteComment:
            guard arguments.count == 1 else { throw ValidationError("usage: \(action.rawValue) ID") }
            _ = try commentId(arguments[0])
            return
        case .block:
            guard arguments.count >= 2, let position = Int(arguments[0]), position >= 0 else {
                throw ValidationError("usage: block POS TYPE [ATTR=JSON…]")
            }
            _ = try blockAttributes()
            return
        case .setBlock:
            guard arguments.count >= 2, let position = Int(arguments[0]), position >= 0 else {
                throw ValidationError("usage: set-block POS ATTR=JSON…")
            }
            _ = try blockAttributes()
            return
        case .deleteBlock:
            guard arguments.count == 1, let position = Int(arguments[0]), position >= 0 else { throw ValidationError("usage: delete-block POS") }
            return
        case .moveBlock:
            guard arguments.count == 2, let position = Int(arguments[0]), position >= 0, let to = Int(arguments[1]), to >= 0 else {
                throw ValidationError("usage: move-block POS TO_POS (the block at POS goes right after the block at TO_POS)")
            }
            return
        case .insert, .delete, .format:
            guard replyTo == nil else { throw ValidationError("--reply-to goes with comment") }
        }
        let usage = ["insert": "usage: insert POS TEXT", "delete": "usage: delete POS LEN", "format": "usage: format POS LEN ATTR=JSON"]
        guard arguments.count == (action == .format ? 3 : 2), let position = Int(arguments[0]), position >= 0 else {
            throw ValidationError(usage[action.rawValue]!)
        }
        if action == .format {
            guard let length = Int(arguments[1]), length > 0 else { throw ValidationError("format needs a positive LEN") }
            _ = try attribute()
        } else if action == .delete {
            guard let length = Int(arguments[1]), length > 0 else { throw ValidationError("delete needs a positive LEN") }
        } else if arguments[1].isEmpty {
            throw ValidationError("insert needs non-empty TEXT")
        }
    }

    /// The attributes of `block` (TYPE, then ATTR=JSON…) or `set-block` (ATTR=JSON…),
    /// checked against what the renderers understand.
    func blockAttributes() throws -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [:]
        var rest = arguments.dropFirst()
        if action == .block {
            let type = rest.removeFirst()
            guard BlockOp.knownTypes.contains(type) else {
                throw ValidationError("unknown block type \(type) (known: \(BlockOp.knownTypes.sorted().joined(separator: ", ")))")
            }
            attributes["type"] = .string(type)
        }
        for argument in rest {
            let (key, value) = try attribute(argument)
            attributes[key] = value
        }
        if case .string(let type)? = attributes["type"], !BlockOp.knownTypes.contains(type) {
            throw ValidationError("unknown block type \(type) (known: \(BlockOp.knownTypes.sorted().joined(separator: ", ")))")
        }
        if let level = attributes["level"], !(1...6).contains({ if case .int(let n) = level { return Int(n) } else { return 0 } }()) {
            throw ValidationError("level: a heading level is an integer from 1 to 6")
        }
        if let list = attributes["list"], list != .string("bullet"), list != .string("ordered"), list != .null {
            throw ValidationError("list: \"bullet\" or \"ordered\"")
        }
        if let indent = attributes["indent"], !({ if case .int(let n) = indent { return n >= 0 && n <= 16 } else { return indent == .null } }()) {
            throw ValidationError("indent: an integer from 0 to 16")
        }
        return attributes
    }

    /// A comment id written `client:seq`.
    func commentId(_ text: String) throws -> OpId {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex, let seq = Int(text[text.index(after: colon)...]), seq >= 0
        else { throw ValidationError("\(text) is not a comment id (client:seq, as collab log shows it)") }
        return OpId(String(text[..<colon]), seq)
    }

    /// `ATTR=JSON` of a format edit: a name and a JSON scalar.
    func attribute(_ text: String? = nil) throws -> (String, AttributeValue) {
        let text = text ?? arguments[2]
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ValidationError("format needs ATTR=JSON, such as bold=true or link='\"https://example.com\"'")
        }
        let key = String(text[..<equals])
        guard key.utf8.count <= 256 else { throw ValidationError("an attribute name is at most 256 bytes") }
        do {
            return (key, try OpJSON.attributeValue(try JSONParser.parse(String(text[text.index(after: equals)...])), key))
        } catch let error as OpFormatError {
            throw ValidationError("\(key): \(error.message)")
        } catch {
            throw ValidationError("\(key): the value is not JSON (\(error)); a string needs quotes: \(key)='\"…\"'")
        }
    }

    /// Makes the edit on `document` as `client` (the ops are in its history; local typing
    /// may coalesce them with the edit before).
    /// A text edit at the version `walker` prepared.
    func apply(to walker: HistoryWalker, by client: ClientId, timestamp: Timestamp) throws {
        switch action {
        case .insert: try walker.insert(arguments[1], at: Int(arguments[0])!, by: client, timestamp: timestamp)
        case .delete: try walker.delete(at: Int(arguments[0])!, count: Int(arguments[1])!, by: client, timestamp: timestamp)
        default: preconditionFailure("only text edits are made at a prepared version")
        }
    }

    func apply(to document: Document, by client: ClientId, timestamp: Timestamp) throws {
        switch action {
        case .insert: try document.insert(arguments[1], at: Int(arguments[0])!, by: client, timestamp: timestamp)
        case .delete: try document.delete(at: Int(arguments[0])!, count: Int(arguments[1])!, by: client, timestamp: timestamp)
        case .format:
            let (key, value) = try attribute()
            try document.format(at: Int(arguments[0])!, count: Int(arguments[1])!, key: key, value: value, by: client, timestamp: timestamp)
        case .comment:
            if let replyTo {
                let op = CommentOp.add(start: nil, end: nil, replyTo: try commentId(replyTo), text: arguments[0])
                try document.makeCommentOp(op, by: client, timestamp: timestamp)
            } else {
                try document.comment(at: Int(arguments[0])!, count: Int(arguments[1])!, text: arguments[2], by: client, timestamp: timestamp)
            }
        case .editComment:
            try document.makeCommentOp(.edit(comment: try commentId(arguments[0]), text: arguments[1]), by: client, timestamp: timestamp)
        case .resolve, .reopen:
            let op = CommentOp.resolve(comment: try commentId(arguments[0]), resolved: action == .resolve)
            try document.makeCommentOp(op, by: client, timestamp: timestamp)
        case .deleteComment:
            try document.makeCommentOp(.delete(comment: try commentId(arguments[0])), by: client, timestamp: timestamp)
        case .block where Int(arguments[0])! > 0:
            try document.insertBlock(at: Int(arguments[0])!, attributes: try blockAttributes(), by: client, timestamp: timestamp)
        case .moveBlock:
            let (position, to) = (Int(arguments[0])!, Int(arguments[1])!)
            for place in [position, to] where place > document.length {
                throw EngineError.positionOutOfRange(position: place, length: document.length)
            }
            guard let block = document.block(atVisible: position) else {
                throw CommandFailure(.usage, "the document's first block (before any split) stays first; move the others around it")
            }
            try document.moveBlock(block, after: document.block(atVisible: to), by: client, timestamp: timestamp)
        case .block, .setBlock, .deleteBlock:
            // block 0 has nothing to split off: it sets the type of the block at 0.
            let position = Int(arguments[0])!
            guard position <= document.length else { throw EngineError.positionOutOfRange(position: position, length: document.length) }
            let block = document.block(atVisible: position)
            if action == .deleteBlock {
                guard let block else { throw CommandFailure(.usage, "the document's first block (before any split) cannot be deleted; delete its text") }
                try document.deleteBlock(block, by: client, timestamp: timestamp)
            } else {
                for (key, value) in try blockAttributes().sorted(by: { $0.key < $1.key }) {
                    try document.makeBlockOp(.set(block: block, key: key, value: value), by: client, timestamp: timestamp)
                }
            }
        }
    }
}
