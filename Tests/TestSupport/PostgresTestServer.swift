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

    /// `freshDatabase` and `psql` on a thread of their own, for async tests: blocking one
    /// of the shared pool's threads starves the other tests' clients.
    public static func freshDatabaseOffThePool() async throws -> String {
        try await RawWebSocket.offThePool { try freshDatabase() }
    }

    @discardableResult
    public static func psqlOffThePool(_ url: String, _ statement: String) async throws -> String {
        try await RawWebSocket.offThePool { try psql(url, statement) }
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
        let (status, printed, complaint) = script("start")
        guard status == 0, printed.hasPrefix("postgres://") else {
            throw Failure(description: "no PostgreSQL for the tests: COLLAB_TEST_POSTGRES is unset and scripts/postgres-test-cluster start failed: \(complaint)")
        }
        started = printed
        atexit {
            guard let url = PostgresTestServer.started else { return }
            PostgresTestServer.stop(url)
        }
        return String(printed.prefix { $0 != "#" })
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: Result<String, any Error>?
    /// A cluster of the caller's own, for a test that stops and starts its server: its
    /// URL with the folder as the fragment (`down`, `up`, `stop` take it).
    public static func privateCluster() throws -> String {
        let (status, printed, complaint) = script("start")
        guard status == 0, printed.hasPrefix("postgres://") else { throw Failure(description: "a private cluster did not start: \(complaint)") }
        return printed
    }

    /// Stops a private cluster's server as a crash would; `up` starts it again.
    public static func down(_ cluster: String) throws {
        let (status, _, complaint) = script("down '\(cluster)'")
        guard status == 0 else { throw Failure(description: "down: \(complaint)") }
    }

    public static func up(_ cluster: String) throws {
        let (status, _, complaint) = script("up '\(cluster)'")
        guard status == 0 else { throw Failure(description: "up: \(complaint)") }
    }

    /// Stops a private cluster and removes its folder.
    public static func stop(_ cluster: String) {
        _ = script("stop '\(cluster)'")
    }

    /// Runs scripts/postgres-test-cluster with `arguments`: its status, output and complaint.
    private static func script(_ arguments: String) -> (Int32, String, String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres-test-cluster").path
        // system(), not Process: a server the script leaves running inherits what
        // Foundation's Process watches for the child's end, so waiting for it never ends.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("collab-pg-\(UUID().uuidString)").path
        let status = system("'\(script)' \(arguments) > '\(output).out' 2> '\(output).err' < /dev/null")
        let printed = ((try? String(contentsOfFile: output + ".out", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let complaint = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output + ".out")
        try? FileManager.default.removeItem(atPath: output + ".err")
        return (status, printed, complaint)
    }

    /// The cluster this process started (the script and its URL), to stop at exit.
    nonisolated(unsafe) private static var started: String?
}
