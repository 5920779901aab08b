import CZlib

public struct DecompressionError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// gzip and zlib streams through the system zlib.
public enum Gzip {
    /// True for the gzip magic bytes.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a whole gzip stream; refuses a truncated or damaged one.
    public static func decompress(_ input: [UInt8]) throws(DecompressionError) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers.
        guard czlib_inflateInit2(&stream, 15 + 32) == Z_OK else { throw DecompressionError(description: "zlib failed to start") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        // A gzip stream ends with its uncompressed size (mod 2^32): reserve it up front
        // rather than regrowing a large buffer. Only a hint, and capped.
        if isGzip(input) && input.count >= 18 {
            let n = input.count
            let size = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            output.reserveCapacity(min(size, 1 << 28))
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        var input = input
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: chunkBuffer[0..<(chunkBuffer.count - Int(stream.avail_out))])
                }
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else {
            throw DecompressionError(description: status == Z_BUF_ERROR ? "truncated gzip data" : "damaged gzip data")
        }
        return output
    }
}
