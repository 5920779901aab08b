import Foundation
import CollabTestSupport
import Testing

/// A writer killed at any moment never loses an append it reported as done.
@Suite("kill -9")
struct KillTests {
    @Test func killedWritersNeverLoseAcknowledgedAppends() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "w", "insert", "0", "|"], in: dir)
        // How long an edit takes here, so kills land before, during and after its append.
        let started = Date()
        try CLI.run(["edit", "doc.clog", "--client", "w", "insert", "0", "|"], in: dir)
        let typical = UInt64(max(Date().timeIntervalSince(started), 0.005) * 1_000_000)
        var random = SplitMix(seed: 42)
        var acknowledged: [String] = []
        var killed = 0
        for i in 0..<80 {
            let marker = "[\(i)]"
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["edit", "doc.clog", "--client", "w", "insert", "0", marker]
            process.currentDirectoryURL = dir
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(random.next() % (typical * 2)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .exit && process.terminationStatus == 0 {
                acknowledged.append(marker)
            } else {
                killed += 1
                // What an operator does after a crash: verify, and cut a torn tail.
                let verify = try CLI.run(["verify", "doc.clog"], in: dir)
                #expect(verify.status == 0 || verify.status == 1, "\(verify.stdout)")
                if verify.status == 1 { #expect(try CLI.run(["repair", "doc.clog"], in: dir).status == 0) }
            }
        }
        #expect(try CLI.run(["verify", "doc.clog"], in: dir).status == 0)
        let text = try CLI.run(["materialize", "doc.clog"], in: dir).stdout
        for marker in acknowledged { #expect(text.contains(marker), "acknowledged \(marker) is missing") }
        // The run must have exercised both outcomes to mean anything.
        #expect(killed > 5 && acknowledged.count > 5, "killed \(killed), acknowledged \(acknowledged.count)")
    }
}
