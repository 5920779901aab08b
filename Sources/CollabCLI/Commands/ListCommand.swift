import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the documents of a store: size, ops, clients, last change.",
        discussion: """
            A document whose log does not verify is listed as damaged with the reason, and \
            the command exits 1 (the others are still listed).

            Examples:
              collab ls
              collab ls --store /srv/collab --json | jq -r 'select(.ops > 1000) | .document'
            """
    )

    @Option(help: "The store: a directory or postgres://USER@HOST[:PORT]/DATABASE (default: $COLLAB_STORE, else collab-data).")
    var store: String?

    @Flag(help: "Print one JSON object per document.")
    var json = false

    func run() throws {
        var damaged = false
        for entry in try entries() {
            let (name, path) = (entry.name, entry.path)
            var size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let file: OpLogFile
            do {
                file = try entry.load()
                size = file.storedBytes
            } catch {
                damaged = true
                if json {
                    print("{\"document\":\(quoted(name, limit: .max)),\"path\":\(quoted(path, limit: .max)),\"bytes\":\(size),\"damaged\":\(quoted("\(error)", limit: .max))}")
                } else {
                    print("\(name)\t\(size) bytes\tDAMAGED: \(error)")
                }
                continue
            }
            let clients = Set(file.ops.map(\.id.client)).sorted()
            let last = file.ops.map(\.timestamp.wall).max()
            let lastText = last.map { ISO8601.format(milliseconds: $0) } ?? "-"
            if json {
                let clientList = clients.map { quoted($0, limit: .max) }.joined(separator: ",")
                print("{\"document\":\(quoted(name, limit: .max)),\"path\":\(quoted(path, limit: .max)),\"bytes\":\(size),\"ops\":\(file.ops.count),\"clients\":[\(clientList)],\"lastChange\":\(last.map { quoted(ISO8601.format(milliseconds: $0), limit: .max) } ?? "null")}")
            } else {
                print("\(name)\t\(size) bytes\t\(file.ops.count) ops\t\(clients.count) clients (\(clients.prefix(5).joined(separator: ", "))\(clients.count > 5 ? ", …" : ""))\tlast change \(lastText)")
            }
        }
        if damaged { throw ExitCode(ExitStatus.differences.rawValue) }
    }

    /// The store's documents: each one's id, where it is, and how to read it. A
    /// directory's logs are listed by file, so that one whose header cannot be read is
    /// listed too (as `?`).
    private func entries() throws -> [(name: String, path: String, load: () throws -> OpLogFile)] {
        let opened = try StoreLocation.open(store ?? StoreLocation.defaultStore)
        if let directory = opened as? DocumentStore {
            return try directory.logs().map { log in (log.documentId ?? "?", log.path, { try OpLogFile.load(log.path) }) }
        }
        return try opened.documentIds().map { id in
            (id, opened.place(of: id), {
                guard let file = try opened.log(id) else { throw LogError.missingInput(path: opened.place(of: id)) }
                return file
            })
        }
    }
}
