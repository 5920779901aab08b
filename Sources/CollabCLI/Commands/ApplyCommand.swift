import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate ops and append them to a log.",
        discussion: """
            Every input op is checked first: malformed JSON, wrong types, an unknown op type, \
            a dependency that is in neither the log nor the input, or an id the log already \
            has with different content rejects the whole input with `line N: reason` \
            (exit 65) and leaves the log unchanged. Ops the log already has are skipped. \
            The input may list ops in any order; they are appended in a causal order.

            Examples:
              collab apply doc.jsonl offline-edits.jsonl
              collab export other.jsonl | collab apply doc.jsonl -
            """
    )

    @OptionGroup var location: LogLocation

    @Argument(help: "JSON-lines ops, or - for stdin.")
    var ops: String

    @Flag(help: "Print the outcome as JSON.")
    var json = false

    @OptionGroup var clockSkew: ClockSkewOption

    @Option(name: .customLong("as"), help: "Check the ops against this user's access first (with --store): one forbidden op refuses them all (exit 77).")
    var user: String?

    func validate() throws {
        try location.requireFile("apply")
        if user != nil && location.store == nil { throw ValidationError("--as checks access, which a store keeps: add --store DIR") }
    }

    func run() throws {
        // Read once: standard input cannot be read twice.
        let input = try JSONLines.decodeNumbered(FileIO.read(ops), path: ops)
        try clockSkew.check(input.map(\.op)) { op in "\(ops): line \(input.first { $0.op.id == op.id }?.line ?? 0)" }
        if let user, let store = try location.openedStore() {
            try requireAccess(of: user, for: input.map(\.op), on: location.log, in: store)
        }
        try retryingWhenTheLogChanges { try apply(input) }
    }

    /// Validates the input against the log as it is now and appends what it adds.
    private func apply(_ input: [(line: Int, op: Op)]) throws {
        let file = try location.load(allowMissing: true)
        let document = try file.document()
        let known = document.historyCount
        var duplicates = 0
        for (line, op) in input {
            do {
                if try document.apply(op) == .duplicate { duplicates += 1 }
            } catch {
                throw CommandFailure(.badData, "\(ops): line \(line): \(error)")
            }
        }
        if let (waiting, missing) = document.firstMissingDependency() {
            let line = input.first { $0.op.id.client == waiting.client && $0.op.id.seq <= waiting.seq }?.line ?? 0
            throw CommandFailure(
                .badData, "\(ops): line \(line): op \(waiting) depends on \(missing), which is in neither the log nor the input")
        }
        let added = document.history(from: known)
        try file.append(added)
        if json {
            print("{\"applied\":\(added.count),\"duplicates\":\(duplicates),\"version\":\(document.version.jsonText)}")
        } else {
            print("applied \(added.count) ops, \(duplicates) already known; \(location.name) is now at \(document.version)")
        }
    }
}
