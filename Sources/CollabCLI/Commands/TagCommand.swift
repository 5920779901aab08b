import ArgumentParser
import CollabCore
import CollabLog
import CollabStorage
import Foundation

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Name a version of a document.",
        discussion: """
            The tag records the version (head unless --at says otherwise), who named it \
            (--as, else $USER) and when. A name is unique in its log and must not read as \
            another kind of version (head, @N, a time, client:count). Tags are kept in the \
            log — a named-version record of a .clog, a tag line of a JSON-lines log — and \
            no automatic process removes them. Then `--at NAME` works everywhere a version \
            does.

            Examples:
              collab tag doc.clog "Draft 1" -m "sent to review"
              collab tag doc.clog v2 --at @120 --as alice
              collab materialize doc.clog --at "Draft 1"
            """
    )

    @OptionGroup var location: LogLocation

    @Argument(help: "The tag's name.")
    var name: String

    @Option(help: "The version to name (\(VersionSpec.syntax)).")
    var at = "head"

    @Option(name: .shortAndLong, help: "Why: a message kept with the tag.")
    var message: String?

    @Option(name: .customLong("as"), help: "Who names it (default: $USER).")
    var author: String?

    @Flag(help: "Print the tag as JSON.")
    var json = false

    func validate() throws {
        try location.requireFile("tag")
        if let problem = VersionTag.problem(withName: name) { throw ValidationError(problem) }
    }

    func run() throws {
        try retryingWhenTheLogChanges {
            let log = try location.load()
            if log.tags.contains(where: { $0.name == name }) {
                throw CommandFailure(.usage, "\(location.name) has a version named \(name.debugDescription) already; a name is unique")
            }
            let version = try VersionSpec(parsing: at).vector(in: log)
            _ = try VersionSpec.vector(version).document(of: log)  // causally closed, or refused naming the missing op
            let who = author ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
            let tag = VersionTag(name: name, version: version, author: who, time: Int64(Date().timeIntervalSince1970 * 1000), message: message)
            try log.appendTag(tag)
            if json {
                print(String(decoding: tag.json, as: UTF8.self))
            } else {
                print("\(location.name): \(name.debugDescription) names \(log.prefixLength(of: version).map { "@\($0) " } ?? "")\(version)")
            }
        }
    }
}
