import Foundation
import Testing

/// Runs the built `collab` binary, as a user's shell would.
struct CollabRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static let binary: URL = {
        // The test bundle sits next to the products in .build/<config>/.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("collab")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("collab")
    }()

    @discardableResult
    static func run(
        _ arguments: [String], in directory: URL, stdin: String? = nil, executable: String? = nil,
        environment: [String: String] = [:]
    ) throws -> CollabRun {
        try run(arguments, in: directory, input: stdin.map { Data($0.utf8) }, executable: executable, environment: environment)
    }

    /// `run` with bytes (a binary `.clog`, say) on standard input.
    @discardableResult
    static func run(
        _ arguments: [String], in directory: URL, input inputBytes: Data?, executable: String? = nil, environment: [String: String] = [:]
    ) throws -> CollabRun {
        let process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Inputs in tests are small: they fit the pipe's buffer before anything is read.
        if let inputBytes { input.fileHandleForWriting.write(inputBytes) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CollabRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh scratch directory.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("collab-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension URL {
    func file(_ name: String) -> URL { appendingPathComponent(name) }
    func read(_ name: String) throws -> String { try String(contentsOf: file(name), encoding: .utf8) }
    func write(_ name: String, _ text: String) throws { try text.write(to: file(name), atomically: true, encoding: .utf8) }
}
