import CZlib
import Foundation

/// A WebSocket client that writes frames byte by byte, right or deliberately wrong, for
/// the conformance tests of the server's framing (the Autobahn test-suite categories).
public final class RawWebSocket {
    public let fd: Int32
    private var buffer: [UInt8] = []
    /// The server's handshake response headers.
    public private(set) var handshake = ""

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Frame: Equatable, Sendable {
        public var fin: Bool
        public var opcode: UInt8
        public var payload: [UInt8]

        public init(fin: Bool, opcode: UInt8, payload: [UInt8]) {
            self.fin = fin
            self.opcode = opcode
            self.payload = payload
        }

        /// A close frame's code.
        public var closeCode: UInt16? {
            guard opcode == 8, payload.count >= 2 else { return nil }
            return UInt16(payload[0]) << 8 | UInt16(payload[1])
        }
    }

    public init(port: Int, path: String = "/echo", extensions: String? = nil) throws {
        fd = try Self.connected(port: port)
        try write(Array(Self.upgradeRequest(port: port, path: path, headers: extensions.map { ["Sec-WebSocket-Extensions: \($0)"] } ?? []).utf8))
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                handshake = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                buffer.removeSubrange(..<end.upperBound)
                break
            }
            try fill()
        }
        guard handshake.hasPrefix("HTTP/1.1 101") else { throw Failure(description: "no upgrade: \(handshake)") }
    }

    deinit { Glibc.close(fd) }

    /// A socket connected to the server on loopback, reads timing out after 10 s.
    private static func connected(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect: \(errno)")
        }
        return fd
    }

    private static func upgradeRequest(port: Int, path: String, headers: [String]) -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for header in headers { request += header + "\r\n" }
        return request + "\r\n"
    }

    /// The whole answer to an upgrade request with `headers` that the server refuses
    /// (and then closes): the status line and headers, and the body.
    public static func refusedUpgrade(port: Int, path: String = "/ws", headers: [String]) async throws -> (head: String, body: String) {
        try await exchange(port: port, Array(upgradeRequest(port: port, path: path, headers: headers).utf8))
    }

    /// Sends `request` as it is and reads the answer until the server closes, on a thread
    /// of its own: the server under test shares the concurrency pool, and a blocked
    /// socket read must not hold one of its threads.
    public static func exchange(port: Int, _ request: [UInt8]) async throws -> (head: String, body: String) {
        try await offThePool { try exchangeBlocking(port: port, request) }
    }

    /// Runs blocking work (a socket, a process, a cluster) on a thread of its own: an
    /// async test that blocks one of the shared pool's two threads starves the other
    /// tests' clients.
    public static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in
            Thread.detachNewThread { done.resume(with: Result { try body() }) }
        }
    }

    private static func exchangeBlocking(port: Int, _ request: [UInt8]) throws -> (head: String, body: String) {
        let fd = try connected(port: port)
        defer { Glibc.close(fd) }
        guard request.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw Failure(description: "send: \(errno)")
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            answer += chunk[..<n]
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no answer: \(text)") }
        return (String(text[..<split.lowerBound]), String(text[split.upperBound...]))
    }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(errno)") }
            offset += n
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw Failure(description: n == 0 ? "the server closed the connection" : "recv: \(errno)") }
        buffer += chunk[..<n]
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// Sends one frame; `masked` false breaks the rule that a client masks.
    public func send(fin: Bool = true, rsv: UInt8 = 0, opcode: UInt8, _ payload: [UInt8], masked: Bool = true) throws {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case ..<126: frame.append(maskBit | UInt8(payload.count))
        case ..<65536: frame += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        default:
            frame.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xff)) }
        }
        if masked {
            let key: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
            frame += key
            frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            frame += payload
        }
        try write(frame)
    }

    public func sendText(_ text: String) throws { try send(opcode: 1, Array(text.utf8)) }

    public func receive() throws -> Frame {
        let head = try take(2)
        var length = Int(head[1] & 0x7f)
        if length == 126 {
            let bytes = try take(2)
            length = Int(bytes[0]) << 8 | Int(bytes[1])
        } else if length == 127 {
            length = try take(8).reduce(0) { $0 << 8 | Int($1) }
        }
        let mask = head[1] & 0x80 != 0 ? try take(4) : nil
        var payload = try take(length)
        if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        return Frame(fin: head[0] & 0x80 != 0, opcode: head[0] & 0x0f, payload: payload)
    }

    /// Connects on a thread of its own (the socket blocks) and reads every frame up to
    /// and including the server's close.
    public static func framesUntilClose(port: Int, path: String) async throws -> [Frame] {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<[Frame], any Error>) in
            Thread.detachNewThread {
                do {
                    let socket = try RawWebSocket(port: port, path: path)
                    var frames: [Frame] = []
                    repeat { frames.append(try socket.receive()) } while frames.last?.opcode != 8
                    done.resume(returning: frames)
                } catch {
                    done.resume(throwing: error)
                }
            }
        }
    }

    /// The next close frame's code, passing over data frames; nil if the socket just closed.
    public func closeCode() throws -> UInt16? {
        while true {
            let frame: Frame
            do {
                frame = try receive()
            } catch {
                return nil
            }
            if frame.opcode == 8 { return frame.closeCode ?? 1005 }
        }
    }

    /// A permessage-deflate payload (raw deflate, without the final 00 00 ff ff) of
    /// `size` zero bytes: a few hundred KiB that inflate to `size`.
    public static func deflateBomb(inflating size: Int) -> [UInt8] {
        var stream = z_stream()
        precondition(czlib_deflateInit2(&stream, 9, -15) == Z_OK)
        defer { deflateEnd(&stream) }
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var fed = 0
        while fed < size {
            let last = fed + zeros.count >= size
            zeros.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(min(zeros.count, size - fed))
                repeat {
                    chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = uInt(out.count)
                        CZlib.deflate(&stream, last ? Z_SYNC_FLUSH : Z_NO_FLUSH)
                        output += out[..<(out.count - Int(stream.avail_out))]
                    }
                } while stream.avail_out == 0
            }
            fed += zeros.count
        }
        if output.suffix(4) == [0, 0, 0xff, 0xff] { output.removeLast(4) }
        return output
    }
}
