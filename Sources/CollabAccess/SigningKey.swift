import Foundation

/// The secret that signs a store's tokens: at least 32 random bytes in a file only its
/// owner may read (docs/permissions.md).
package struct SigningKey: Sendable {
    package static let minimumBytes = 32
    package let bytes: [UInt8]

    /// Why a key file is refused.
    package struct Problem: Error, CustomStringConvertible {
        package var description: String
    }

    /// Writes a new key file (base64 of 32 random bytes, mode 0600); an existing file is
    /// never overwritten.
    package static func generate(at path: String) throws -> SigningKey {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<minimumBytes).map { _ in UInt8.random(in: 0...255, using: &random) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Problem(description: errno == EEXIST ? "\(path) exists: a key is never overwritten (remove it first, and every token it signed stops working)" : "\(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let text = Array((Data(bytes).base64EncodedString() + "\n").utf8)
        guard write(fd, text, text.count) == text.count, fsync(fd) == 0 else {
            throw Problem(description: "\(path): \(String(cString: strerror(errno)))")
        }
        return SigningKey(bytes: bytes)
    }

    /// Reads a key file, refusing one that others may read or that holds too little.
    package static func load(_ path: String) throws -> SigningKey {
        var status = stat()
        guard stat(path, &status) == 0 else { throw Problem(description: "\(path): \(String(cString: strerror(errno)))") }
        guard status.st_mode & 0o077 == 0 else {
            throw Problem(description: "\(path) may be read by group or others (mode \(String(status.st_mode & 0o777, radix: 8))): a signing key must be private (chmod 600 \(path))")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw Problem(description: "\(path) holds no base64 key (collab keygen -o FILE writes one)") }
        guard data.count >= minimumBytes else {
            throw Problem(description: "\(path) holds \(data.count) bytes: a signing key is at least \(minimumBytes) random bytes")
        }
        return SigningKey(bytes: [UInt8](data))
    }
}
