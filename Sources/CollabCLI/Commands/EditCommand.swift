import ArgumentParser
import CollabCore
import CollabLog
import Foundation

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Make an edit from the shell and append its op to the log.",
        discussion: """
            Positions and lengths count Unicode code points of the document's text.
              insert POS TEXT           insert TEXT before the character at POS
              delete POS LEN            delete LEN characters from POS
              format POS LEN ATTR=JSON  set an attribute on LEN characters from POS:             bold=true, bold=null (removes it), link='"https://…"', size=3. Bold and the             like grow when typing at their end; link does not.

            With --base VERSION the edit is made on the document as it was at that version:
            a concurrent branch, the way to make conflicting offline edits from a shell. \
            The client must not have ops after the base (a client's history is a line).

            Examples:
              collab edit doc.jsonl --client alice insert 0 "Hello, world"
              collab edit doc.jsonl --client bob delete 5 7
              collab edit doc.jsonl --client bob format 0 5 bold=true
              collab edit doc.jsonl --client carol --base @1 insert 5 "!"
            """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case insert, delete, format
    }

    @OptionGroup var location: LogLocation

    @Option(help: "The client id the op is made by.")
    var client: String

    @Option(help: "Edit the document as it was at this version (head, @N, client:count,…).")
    var base = "head"

    @Argument(help: "insert, delete or format.")
    var action: Action

    @Argument(help: "insert: POS TEXT; delete: POS LEN; format: POS LEN ATTR=JSON.")
    var arguments: [String] = []

    @Flag(help: "Print the new op as JSON.")
    var json = false

    func validate() throws {
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
        guard !client.isEmpty, client.utf8.count <= 256 else { throw ValidationError("a client id is 1 to 256 bytes") }
    }

    /// `ATTR=JSON` of a format edit: a name and a JSON scalar.
    func attribute() throws -> (String, AttributeValue) {
        let text = arguments[2]
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

    func run() throws {
        let file = try location.load(allowMissing: true)
        let head = try file.document()
        let spec = try VersionSpec(parsing: base)
        let document = spec == .head ? head : try spec.document(of: file)
        if document.version[client] < head.version[client] {
            throw CommandFailure(
                .usage,
                "\(client) has ops after the base version (up to \(client):\(head.version[client])); edit from a newer base or as another client")
        }
        document.clock.observe(head.clock.latest)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let timestamp = document.tick(now: now)
        let position = Int(arguments[0])!
        let id: OpId
        switch action {
        case .insert: id = try document.insert(arguments[1], at: position, by: client, timestamp: timestamp)
        case .delete: id = try document.delete(at: position, count: Int(arguments[1])!, by: client, timestamp: timestamp)
        case .format:
            let (key, value) = try attribute()
            id = try document.format(at: position, count: Int(arguments[1])!, key: key, value: value, by: client, timestamp: timestamp)
        }
        let op = document.op(from: id)!
        try file.append([op])
        print(json ? OpJSON.line(op) : "\(op.id) \(op.typeName) \(summary(of: op))")
    }
}
