import CollabLog
import Foundation

/// The few file operations an append needs, on one open log. The real one is a file
/// descriptor; tests substitute a simulated disk that loses, tears or reorders writes
/// that were not synced, to check what survives a power cut.
public protocol LogFileIO {
    var path: String { get }
    func readAll() throws(LogError) -> [UInt8]
    /// Writes all of `bytes` at `offset` (not yet durable).
    func write(_ bytes: [UInt8], at offset: Int) throws(LogError)
    func truncate(to length: Int) throws(LogError)
    /// Makes every write so far durable (fdatasync).
    func syncData() throws(LogError)
    /// Which file this is: a rewrite renames another file over the path.
    func inode() throws(LogError) -> UInt64
}

/// A log open on a file descriptor.
public struct OpenLogFile: LogFileIO {
    let fd: Int32
    public let path: String

    /// Opens an existing log for writing, takes the writer's lock (exit 75 naming the
    /// holder when another writer has it) and runs `body` while holding it.
    static func withWriterLock<Result>(
        _ path: String, _ body: (OpenLogFile) throws(LogError) -> Result
    ) throws(LogError) -> Result {
        while true {
            let fd = open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else {
                throw errno == ENOENT ? .missingInput(path: path) : .io(path: path, reason: String(cString: strerror(errno)))
            }
            defer { close(fd) }
            try ClogLog.lock(fd, path: path)
            // A rewrite (compaction) may have renamed a new file over the path while this
            // one was opened: writing to the old one would be lost. Open the new one.
            var opened = stat()
            var current = stat()
            guard fstat(fd, &opened) == 0, stat(path, &current) == 0, opened.st_ino == current.st_ino, opened.st_dev == current.st_dev else {
                continue
            }
            return try body(OpenLogFile(fd: fd, path: path))
        }
    }

    public func readAll() throws(LogError) -> [UInt8] {
        try read(from: 0)
    }

    /// The bytes from `start` to the end of the file.
    func read(from start: Int) throws(LogError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var offset = off_t(start)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            offset += off_t(count)
        }
    }

    public func write(_ bytes: [UInt8], at offset: Int) throws(LogError) {
        var done = 0
        let failure: String? = bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                let written = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if written < 0 {
                    if errno == EINTR { continue }
                    return "append failed: \(String(cString: strerror(errno)))"
                }
                done += written
            }
            return nil
        }
        if let failure { throw .io(path: path, reason: failure) }
    }

    public func truncate(to length: Int) throws(LogError) {
        guard ftruncate(fd, off_t(length)) == 0 else {
            throw .io(path: path, reason: "truncate failed: \(String(cString: strerror(errno)))")
        }
    }

    public func syncData() throws(LogError) {
        guard fdatasync(fd) == 0 else { throw .io(path: path, reason: "fdatasync failed: \(String(cString: strerror(errno)))") }
    }
}
