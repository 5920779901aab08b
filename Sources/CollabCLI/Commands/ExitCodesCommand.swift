import Foundation
import ArgumentParser

/// `collab help exit-codes`: the exit-code contract.
struct ExitCodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exit-codes",
        abstract: "List the exit codes every collab command uses.",
        discussion: """
            collab follows the sysexits convention:

            \(ExitStatus.table)

            Errors are printed on stderr as one line starting with "collab:"; a bad line of \
            input is named by its line number.

            Example:
              collab apply doc.jsonl edits.jsonl || echo "refused with status $?"
            """
    )

    func run() {
        print(ExitStatus.table)
    }
}

extension ExitStatus {
    static var table: String {
        allCases.map { "  \(String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0)) \($0.meaning)" }
            .joined(separator: "\n")
    }
}
