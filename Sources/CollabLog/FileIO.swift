import Foundation
import Synchronization

/// Reading whole inputs and replacing outputs all-or-nothing. `-` is stdin or stdout.
public enum FileIO {
    /// Reads a whole input. `-` is the standard input's contents: read once, to its end,
    /// and the same bytes again for every later read of `-` in this process (a command
    /// that looks at its input twice must not find it empty the second time).
    public static func read(_ path: String) throws(LogError) -> [UInt8] {
        if path == "-" {
            return standardInput.withLock { read in
                if let bytes = read { return bytes }
                let bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
                read = bytes
                return bytes
            }
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .missingInput(path: path) }
            throw .io(path: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw .io(path: path, reason: "is a directory") }
        // Read straight into the array (no Data in between); a pipe or a file that grows
        // while being read keeps being read in chunks until end of file.
        var bytes: [UInt8] = []
        var chunk = max(Int(status.st_size) + 1, 65_536)
        while true {
            var failure: Int32 = 0
            var atEnd = false
            let piece = [UInt8](unsafeUninitializedCapacity: chunk) { buffer, count in
                count = 0
                while count < chunk {
                    let n = Glibc.read(fd, buffer.baseAddress! + count, chunk - count)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = errno; return }
                    if n == 0 { atEnd = true; return }
                    count += n
                }
            }
            guard failure == 0 else { throw .io(path: path, reason: "cannot be read (\(String(cString: strerror(failure))))") }
            if bytes.isEmpty { bytes = piece } else { bytes += piece }
            if atEnd { return bytes }
            chunk = max(chunk, 1 << 20)
        }
    }

    public static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// `base`, or `base.1`, `base.2`, … : the first that does not exist, for a file that
    /// must never be written over an earlier one (a backup, a side file).
    public static func unusedName(_ base: String) -> String {
        var name = base
        var copy = 0
        while exists(name) {
            copy += 1
            name = base + ".\(copy)"
        }
        return name
    }

    /// Writes `bytes` to stdout, or replaces `path` atomically: a temporary file in the
    /// same directory is written and fsynced, renamed over `path`, and the directory is
    /// fsynced, so a crash leaves either the old file or the new one, never a mixture.
    ///
    /// The standard input, once read.
    private static let standardInput = Mutex<[UInt8]?>(nil)

    /// Only regular files are replaced. A symbolic link is followed (the file it names
    /// is replaced, the link stays); a device, pipe or socket (`/dev/stdout`, a FIFO) is
    /// written in place, never renamed over.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(LogError) {
        if path == "-" {
            try writeAll(bytes, to: STDOUT_FILENO, path: "standard output")
            return
        }
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            guard (status.st_mode & S_IFMT) != S_IFDIR else { throw .cannotCreate(path: path, reason: "is a directory") }
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            try writeAll(bytes, to: fd, path: path)
            return
        }
        var target = path
        if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realpath(path, nil) else {
                throw .cannotCreate(path: path, reason: "a symbolic link to a file that does not exist")
            }
            target = String(cString: resolved)
            free(resolved)
        }
        try replaceRegularFile(target, reportedAs: path, with: bytes)
    }

    private static func replaceRegularFile(_ path: String, reportedAs name: String, with bytes: [UInt8]) throws(LogError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotCreate(path: name, reason: String(cString: strerror(errno))) }
        var failure: LogError?
        do {
            try writeAll(bytes, to: fd, path: name)
        } catch {
            failure = error
        }
        if failure == nil && fsync(fd) != 0 { failure = .io(path: name, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 {
            failure = .io(path: name, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Creates a file that must not exist yet, writes it and syncs it and its directory.
    public static func createNew(_ path: String, with bytes: [UInt8]) throws(LogError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        try writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw .io(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        let directoryFD = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Writes every byte, retrying short writes and interruptions; a failure (a full
    /// disk, a closed pipe) is an I/O error, never silently dropped output.
    public static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(LogError) {
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed: \(String(cString: strerror(errno)))"
                    return
                }
                offset += written
            }
        }
        if let failure { throw .io(path: path, reason: failure) }
    }
}
