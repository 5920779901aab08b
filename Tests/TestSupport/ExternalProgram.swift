import Foundation

/// Runs a program found on the PATH (`node`, `python3`, …) to the end: its exit status
/// and what it printed on stdout and stderr together.
public func runProgram(_ arguments: [String]) throws -> (status: Int32, printed: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let printed = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
}
