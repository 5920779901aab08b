import ArgumentParser
import CollabAccess
import CollabCore
import CollabLog
import CollabStorage
import Foundation

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Make an edit from the shell and append its op to the log.",
        discussion: """
            Positions and lengths count Unicode code points of the document's text.
              insert POS TEXT             insert TEXT before the character at POS
              delete POS LEN              delete LEN characters from POS
              format POS LEN ATTR=JSON    set an attribute on LEN characters from POS:
                                          bold=true, bold=null (removes it),
                                          link='"https://…"', size=3; bold and the like
                                          grow when typing at their end, a link does not
              comment POS LEN TEXT        comment on LEN characters from POS
              comment TEXT --reply-to ID  reply to the comment ID (client:seq)
              edit-comment ID TEXT        replace a comment's text
              resolve ID, reopen ID       resolve a thread, or open it again
              delete-comment ID           delete a comment for good
              block POS TYPE [ATTR=JSON…] split at POS; the new block gets TYPE (paragraph,
                                          heading with level=1…6, list_item with
                                          list='"bullet"' or '"ordered"' and indent=N,
                                          code, quote, table, row, cell)
              set-block POS ATTR=JSON…    set attributes of the block holding POS
              delete-block POS            delete the block holding POS and its text (a row
                                          its cells, a table its rows)
              move-block POS TO_POS       move the block holding POS to right after the
                                          block holding TO_POS (after a table part: after
                                          the table); its text goes with it; of concurrent
                                          moves of one block the later one wins

            Once a block has been moved, positions count in the order blocks are shown, \
            as the plain text of `collab materialize` prints them.

            Several edits in one call, each after `--then`, are one transaction: made in \
            order (each position counted after the edits before it) and appended together, \
            or not at all.

            With --base VERSION the edit is made on the document as it was at that version:
            a concurrent branch, the way to make conflicting offline edits from a shell. \
            The client must not have ops after the base (a client's history is a line).

            Examples:
              collab edit doc.jsonl --client alice insert 0 "Hello, world"
              collab edit doc.jsonl --client bob delete 5 7
              collab edit doc.jsonl --client bob format 0 5 bold=true
              collab edit doc.clog --client carol comment 0 5 "Which Friday?"
              collab edit doc.clog --client alice comment "The 29th." --reply-to carol:0
              collab edit doc.clog --client alice block 0 heading level=1
              collab edit doc.clog --client alice move-block 40 0
              collab edit doc.clog --client bob insert 0 "Hello" --then format 0 5 bold=true
              collab edit doc.jsonl --client carol --base @1 insert 5 "!"
            """
    )


    @OptionGroup var location: LogLocation

    @Option(help: "The client id the op is made by.")
    var client: String

    @Option(help: "Edit the document as it was at this version (\(VersionSpec.syntax)).")
    var base = "head"

    @Argument(help: "insert, delete, format, comment, edit-comment, resolve, reopen, delete-comment, block, set-block, delete-block or move-block.")
    var action: EditStep.Action

    @Argument(
        parsing: .allUnrecognized,
        help: "insert: POS TEXT; delete: POS LEN; format: POS LEN ATTR=JSON; comment: POS LEN TEXT; …; --then ACTION ARGS… for another edit in the same transaction.")
    var arguments: [String] = []

    @Option(help: "With comment: the comment (client:seq) this one replies to.")
    var replyTo: String?

    @Flag(help: "Print the new op as JSON.")
    var json = false

    @Option(name: .customLong("as"), help: "Check the edit against this user's access first (with --store; the client must be the user's).")
    var user: String?

    /// The edits: the first action's arguments, then `--then ACTION ARGS…` for each next one.
    var steps: [EditStep] {
        get throws {
            var groups: [[String]] = [[]]
            for argument in arguments {
                if argument == "--then" { groups.append([]) } else { groups[groups.count - 1].append(argument) }
            }
            var steps = [EditStep(action: action, arguments: groups[0], replyTo: replyTo)]
            for group in groups.dropFirst() {
                guard let name = group.first, let next = EditStep.Action(rawValue: name) else {
                    throw ValidationError("--then needs an edit: \(EditStep.Action.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                steps.append(EditStep(action: next, arguments: Array(group.dropFirst()), replyTo: nil))
            }
            return steps
        }
    }

    func validate() throws {
        try location.requireFile("edit")
        if let problem = ClientIdGrammar.problem(with: client) { throw ValidationError("--client: \(problem)") }
        let steps = try self.steps
        guard replyTo == nil || (steps.count == 1 && action == .comment) else {
            throw ValidationError("--reply-to goes with a single comment edit")
        }
        for step in steps {
            guard arguments.allSatisfy({ $0 == "--then" || !$0.hasPrefix("--") }) else {
                throw ValidationError("unknown option \(arguments.first { $0 != "--then" && $0.hasPrefix("--") }!)")
            }
            try step.validate()
        }
    }

    func run() throws {
        // Made again from the log as it is now if another writer appended meanwhile.
        try retryingWhenTheLogChanges {
            let file = try location.load(allowMissing: true)
            let spec = try VersionSpec(parsing: base)
            let steps = try self.steps
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let headVersion = VersionSpec.vector(of: file.ops[...], from: file.baseVersion ?? VersionVector())
            let version = try spec.vector(in: file)
            try requireNoOpsAfter(version, head: headVersion)
            // The document to edit: the head opened from its last checkpoint, with the base
            // prepared in it when the edits are text ones and few ops lie after the base;
            // else the base built from the ops it holds (docs/engine.md).
            let after = file.ops.count { $0.endSeq > version[$0.id.client] }
            let textOnly = steps.allSatisfy { $0.action == .insert || $0.action == .delete }
            let document: Document
            let start: Int
            if spec != .head, textOnly, !file.checkpoints.isEmpty, after < file.ops.count - after,
                let head = try? file.document(at: headVersion), let walker = try? HistoryWalker(head)
            {
                if spec.mayBeOpen, let problem = walker.problem(with: version) {
                    throw CommandFailure(.usage, "version \(version): \(problem)")
                }
                try walker.move(to: version)
                head.coalescingFloor = head.historyCount
                start = head.historyCount
                for step in steps { try step.apply(to: walker, by: client, timestamp: head.tick(now: now)) }
                document = head
            } else {
                if spec == .head {
                    document = file.checkpoints.isEmpty ? try file.document() : try file.document(at: headVersion)
                } else {
                    document = try spec.document(of: file)
                }
                // Later than every op of the log, not just those of the base.
                for op in file.ops { document.clock.observe(op.timestamp) }
                // Every edit is made before anything is written: one append, all or nothing.
                document.coalescingFloor = document.historyCount
                start = document.historyCount
                for step in steps { try step.apply(to: document, by: client, timestamp: document.tick(now: now)) }
            }
            let ops = document.history(from: start)
            if let user {
                guard let store = try location.openedStore() else { throw CommandFailure(.usage, "--as checks access, which a store keeps: add --store DIR") }
                try requireAccess(of: user, for: ops, on: location.log, in: store)
            }
            try file.append(ops)
            for op in ops { print(json ? OpJSON.line(op) : "\(op.id) \(op.typeName) \(summary(of: op))") }
        }
    }

    /// A client's history is a line: its new op must follow every op it made.
    private func requireNoOpsAfter(_ version: VersionVector, head: VersionVector) throws {
        if version[client] < head[client] {
            throw CommandFailure(
                .usage,
                "\(client) has ops after the base version (up to \(client):\(head[client])); edit from a newer base or as another client")
        }
    }
}
