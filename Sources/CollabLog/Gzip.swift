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
        // A gzip stream ends with its uncompressed size (mod 2^32): inflate straight into
        // a buffer of that size, then go on in chunks should the hint be short.
        var hint = input.count * 4
        if isGzip(input) && input.count >= 18 {
            let n = input.count
            hint = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        }
        hint = min(max(hint, 1 << 16), 1 << 28)
        var status: Int32 = Z_OK
        var output: [UInt8] = []
        input.withUnsafeBufferPointer { inputBuffer in
            // zlib reads through next_in without writing.
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            output = [UInt8](unsafeUninitializedCapacity: hint) { buffer, count in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                repeat { status = inflate(&stream, Z_NO_FLUSH) } while status == Z_OK && stream.avail_out > 0
                count = buffer.count - Int(stream.avail_out)
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while status == Z_OK {
                chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: chunkBuffer[0..<(chunkBuffer.count - Int(stream.avail_out))])
                }
            }
        }
        guard status == Z_STREAM_END else {
            throw DecompressionError(description: status == Z_BUF_ERROR ? "truncated gzip data" : "damaged gzip data")
        }
        return output
    }
}
