import Foundation

/// A PostgreSQL server for tests (docs/postgres.md): the one `COLLAB_TEST_POSTGRES` names
/// (`.ci/run` starts one with scripts/postgres-test-cluster), else a throwaway cluster
/// started for this test process and stopped when it exits. Tests that need it fail,
/// never skip, when neither can be had.
public enum PostgresTestServer {
    /// A URL of a database of its own, made for the caller.
    public static func freshDatabase() throws -> String {
        let server = try serverURL()
        let name = "collab_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql(server, "CREATE DATABASE \(name)")
        return server.prefix { $0 != "/" } + "//" + server.dropFirst("postgres://".count).prefix { $0 != "/" } + "/" + name
    }

    /// Runs one statement with psql against `url`; returns what it printed, trimmed.
    @discardableResult
    public static func psql(_ url: String, _ statement: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-v", "ON_ERROR_STOP=1", "-tAc", statement]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let printed = out.fileHandleForReading.readDataToEndOfFile()
        let complaint = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "psql \(statement): \(String(decoding: complaint, as: UTF8.self))")
        }
        return String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The server's URL (its `postgres` database), fragment dropped; the first call starts
    /// a cluster when none is given. (A lock, not a `static let`: starting it runs
    /// processes, which must not happen inside a lazy global's one-time initialization.)
    private static func serverURL() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let known { return try known.get() }
        let result = Result { try startServer() }
        known = result
        return try result.get()
    }

    private static func startServer() throws -> String {
        if let given = ProcessInfo.processInfo.environment["COLLAB_TEST_POSTGRES"], !given.isEmpty {
            return String(given.prefix { $0 != "#" })
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres-test-cluster").path
        // system(), not Process: the server the script leaves running inherits what
        // Foundation's Process watches for the child's end, so waiting for it never ends.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("collab-pg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = system("'\(script)' start > '\(output).out' 2> '\(output).err' < /dev/null")
        let printed = ((try? String(contentsOfFile: output + ".out", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let complaint = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output + ".out")
        try? FileManager.default.removeItem(atPath: output + ".err")
        guard status == 0, printed.hasPrefix("postgres://") else {
            throw Failure(description: "no PostgreSQL for the tests: COLLAB_TEST_POSTGRES is unset and \(script) start failed: \(complaint)")
        }
        started = (script, printed)
        atexit {
            guard let (script, url) = PostgresTestServer.started else { return }
            _ = system("'\(script)' stop '\(url)' > /dev/null 2>&1")
        }
        return String(printed.prefix { $0 != "#" })
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: Result<String, any Error>?
    /// The cluster this process started (the script and its URL), to stop at exit.
    nonisolated(unsafe) private static var started: (String, String)?
}
