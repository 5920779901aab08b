import Foundation
import Testing

/// The README's console blocks, run as written: every `$` line in order, in one shell, in
/// a fresh folder holding what the README's commands name (`samples/`, the trace), with
/// the built `collab` first on the PATH. What each prints (stdout and stderr, as a
/// terminal shows them) must be what the README shows under it; a line shown ending in
/// `…` stands for any line that starts with what comes before it. The README cannot
/// drift from the program again.
@Suite("README", .timeLimit(.minutes(3)))
struct ReadmeTests {
    struct Step {
        var command: String
        var expected: [String]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `$` lines of every ```console block, each with the lines that follow it.
    static func steps(of readme: String) -> [Step] {
        var steps: [Step] = []
        var inConsole = false
        for line in readme.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                inConsole = line == "```console"
                continue
            }
            guard inConsole else { continue }
            if line.hasPrefix("$ ") {
                steps.append(Step(command: String(line.dropFirst(2)), expected: []))
            } else if !steps.isEmpty {
                steps[steps.count - 1].expected.append(line)
            }
        }
        return steps
    }

    @Test func theConsoleBlocksRunAsWritten() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let steps = Self.steps(of: readme)
        #expect(steps.count > 30, "found \(steps.count) commands")
        let dir = try CLI.scratch()
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("samples"), to: dir.file("samples"))
        let trace = "Tests/CollabLogTests/Fixtures/traces/sequential/automerge-paper.json.gz"
        try FileManager.default.createDirectory(at: dir.file(trace).deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent(trace), to: dir.file(trace))
        // One shell: `$?` on a line is the status of the command before it. A separator
        // byte ends each command's output; the status is restored after printing it.
        var script = "export PATH=\"\(CLI.binary.deletingLastPathComponent().path):$PATH\" TZ=UTC NO_COLOR=1\nstatus=0\n"
        for (k, step) in steps.enumerated() {
            script += "printf '\\036\(k)\\n'\n(exit $status)\n\(step.command) 2>&1\nstatus=$?\n"
        }
        try script.write(to: dir.file("tour.sh"), atomically: true, encoding: .utf8)
        let shell = try CLI.run(["tour.sh"], in: dir, executable: "/bin/bash")
        #expect(shell.stderr.isEmpty, "\(shell.stderr)")
        let outputs = shell.stdout.components(separatedBy: "\u{1E}").dropFirst().map { chunk -> [String] in
            var lines = chunk.components(separatedBy: "\n").dropFirst()  // the step's number
            while lines.last == "" { lines.removeLast() }
            return Array(lines)
        }
        #expect(outputs.count == steps.count)
        for (step, actual) in zip(steps, outputs) {
            let matches = step.expected.count == actual.count && zip(step.expected, actual).allSatisfy { expected, line in
                expected.hasSuffix("…") ? line.hasPrefix(expected.dropLast()) : expected == line
            }
            #expect(matches, "$ \(step.command)\nREADME:\n\(step.expected.joined(separator: "\n"))\nactual:\n\(actual.joined(separator: "\n"))")
        }
    }
}
