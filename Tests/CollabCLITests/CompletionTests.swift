import ArgumentParser
import CollabCLI
import Foundation
import Testing

/// The completion scripts in completions/ are generated from the parser; this fails when
/// a command or option changed and they were not regenerated (scripts/generate-completions).
@Suite("shell completions")
struct CompletionTests {
    static let completions = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("completions")

    @Test(arguments: [("collab.bash", CompletionShell.bash), ("_collab", .zsh), ("collab.fish", .fish)])
    func committedScriptMatchesParser(file: String, shell: CompletionShell) throws {
        let committed = try String(contentsOf: Self.completions.appendingPathComponent(file), encoding: .utf8)
        let generated = CollabCommand.completionScript(for: shell)
        #expect(
            committed.trimmingCharacters(in: .newlines) == generated.trimmingCharacters(in: .newlines),
            "completions/\(file) is stale: run scripts/generate-completions")
        #expect(generated.contains("materialize"))
    }
}
