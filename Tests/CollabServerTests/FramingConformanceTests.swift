import CZlib
import CollabServer
import CollabTestSupport
import Foundation
import Testing

/// The framing layer against the RFC 6455 rules the Autobahn test suite checks, on the
/// test-only echo endpoint: ping/pong, fragmentation, close codes, UTF-8, masking,
/// reserved bits and opcodes, size limits, and a permessage-deflate bomb.
@Suite("WebSocket framing", .timeLimit(.minutes(2)))
struct FramingConformanceTests {
    /// Runs `body` — blocking socket calls — on a thread of its own with an echo server
    /// running: blocking the cooperative pool would starve the server in the same process.
    static func withEcho(_ body: @escaping @Sendable (Int) throws -> Void) async throws {
        var limits = Server.Limits()
        limits.maxMessageBytes = 1 << 20
        try await ServerHarness.run(limits: limits, echo: true) { server in
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                Thread.detachNewThread {
                    do {
                        try body(server.port)
                        done.resume()
                    } catch {
                        done.resume(throwing: error)
                    }
                }
            }
        }
    }

    @Test func pingIsAnsweredWithPongAndTextAndBinaryAreEchoed() async throws {
        try await Self.withEcho { port in
            let socket = try RawWebSocket(port: port)
            try socket.send(opcode: 9, Array("are you there".utf8))
            #expect(try socket.receive() == .init(fin: true, opcode: 10, payload: Array("are you there".utf8)))
            try socket.sendText("héllo")
            #expect(try socket.receive() == .init(fin: true, opcode: 1, payload: Array("héllo".utf8)))
            try socket.send(opcode: 2, [0, 1, 2, 255])
            #expect(try socket.receive() == .init(fin: true, opcode: 2, payload: [0, 1, 2, 255]))
            // A 70,000-byte message: the 64-bit length form.
            let big = [UInt8](repeating: 0x61, count: 70_000)
            try socket.send(opcode: 1, big)
            var echoed: [UInt8] = []
            while echoed.count < big.count { echoed += try socket.receive().payload }
            #expect(echoed == big)
        }
    }

    @Test func fragmentsAreReassembledWithAPingBetweenThem() async throws {
        try await Self.withEcho { port in
            let socket = try RawWebSocket(port: port)
            try socket.send(fin: false, opcode: 1, Array("frag".utf8))
            try socket.send(opcode: 9, Array("mid".utf8))
            try socket.send(fin: false, opcode: 0, Array("men".utf8))
            try socket.send(opcode: 0, Array("ted".utf8))
            #expect(try socket.receive() == .init(fin: true, opcode: 10, payload: Array("mid".utf8)))
            #expect(try socket.receive() == .init(fin: true, opcode: 1, payload: Array("fragmented".utf8)))
        }
    }

    @Test func aCloseIsAnsweredWithTheSameCode() async throws {
        try await Self.withEcho { port in
            let socket = try RawWebSocket(port: port)
            try socket.send(opcode: 8, [0x03, 0xe8] + Array("bye".utf8))
            #expect(try socket.closeCode() == 1000)
        }
    }

    /// Each is a protocol error the server must answer by closing (1002, or 1007 for
    /// text that is not UTF-8), never by echoing or hanging.
    @Test(arguments: [
        ("invalid UTF-8 in a text message", 1007),
        ("invalid UTF-8 split across fragments", 1007),
        ("reserved bit set without an extension", 1002),
        ("reserved opcode 3", 1002),
        ("reserved control opcode 11", 1002),
        ("a ping without FIN", 1002),
        ("a ping over 125 bytes", 1002),
        ("a continuation with nothing to continue", 1002),
        ("a close code that may not be sent (1005)", 1002),
        ("a one-byte close payload", 1002),
    ])
    func protocolErrorsCloseTheConnection(_ violation: String, _ expected: Int) async throws {
        try await Self.withEcho { port in
            let socket = try RawWebSocket(port: port)
            switch violation {
            case "invalid UTF-8 in a text message": try socket.send(opcode: 1, [0x68, 0xc3, 0x28])
            case "invalid UTF-8 split across fragments":
                try socket.send(fin: false, opcode: 1, [0x68, 0xf0, 0x9f])
                try socket.send(opcode: 0, [0x41])
            case "reserved bit set without an extension": try socket.send(rsv: 0b010, opcode: 1, Array("x".utf8))
            case "reserved opcode 3": try socket.send(opcode: 3, Array("x".utf8))
            case "reserved control opcode 11": try socket.send(opcode: 11, [])
            case "a ping without FIN": try socket.send(fin: false, opcode: 9, [])
            case "a ping over 125 bytes": try socket.send(opcode: 9, [UInt8](repeating: 1, count: 126))
            case "a continuation with nothing to continue": try socket.send(opcode: 0, Array("x".utf8))
            case "a close code that may not be sent (1005)": try socket.send(opcode: 8, [0x03, 0xed])
            case "a one-byte close payload": try socket.send(opcode: 8, [0x03])
            default: Issue.record("unknown case")
            }
            let code = try socket.closeCode()
            #expect(code == UInt16(expected), "\(violation): closed with \(code.map(String.init) ?? "nothing")")
        }
    }

    @Test func anUnmaskedClientFrameIsRefused() async throws {
        try await Self.withEcho { port in
            let socket = try RawWebSocket(port: port)
            try socket.send(opcode: 1, Array("plain".utf8), masked: false)
            let code = try socket.closeCode()
            #expect(code == 1002, "closed with \(code.map(String.init) ?? "nothing")")
        }
    }

    @Test func aFrameOverTheLimitIsClosedWith1009() async throws {
        try await Self.withEcho { port in
            let socket = try RawWebSocket(port: port)
            // The header declares one byte over the limit; a little of the payload follows.
            // The server must close on the header: sending the whole megabyte would race its
            // close (a reset, not the close frame, when it is slower than the server).
            let length = (1 << 20) + 1
            var header: [UInt8] = [0x82, 0x80 | 127]
            for shift in stride(from: 56, through: 0, by: -8) { header.append(UInt8((length >> shift) & 0xff)) }
            try socket.write(header + [0x37, 0xfa, 0x21, 0x3d] + [UInt8](repeating: 7, count: 1024))
            #expect(try socket.closeCode() == 1009)
        }
    }

    /// 255-odd KiB on the wire that would inflate to 256 MiB: closed with 1009 quickly.
    /// (That the server's memory stays bounded meanwhile is measured on a `collab serve`
    /// process of its own, in ServeCommandTests: this process's high-water mark is every
    /// test's.)
    @Test func aDeflateBombIsClosedWith1009Quickly() async throws {
        let bomb = RawWebSocket.deflateBomb(inflating: 256 << 20)
        #expect(bomb.count < 300 << 10, "\(bomb.count) bytes")
        try await Self.withEcho { port in
            let socket = try RawWebSocket(port: port, extensions: "permessage-deflate")
            #expect(socket.handshake.lowercased().contains("sec-websocket-extensions: permessage-deflate"))
            // First, a small compressed message works.
            try socket.send(rsv: 0b100, opcode: 1, RawWebSocket.deflate(Array("squeezed".utf8)))
            let echoed = try socket.receive()
            #expect(echoed.opcode == 1)
            let start = ContinuousClock.now
            try socket.send(rsv: 0b100, opcode: 1, bomb)
            #expect(try socket.closeCode() == 1009)
            #expect(ContinuousClock.now - start < .seconds(3))
        }
    }
}

extension RawWebSocket {
    /// A small message compressed as permessage-deflate sends it.
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(czlib_deflateInit2(&stream, 6, -15) == Z_OK)
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count + 64)
        let produced = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = input.baseAddress
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                CZlib.deflate(&stream, Z_SYNC_FLUSH)
                return out.count - Int(stream.avail_out)
            }
        }
        var result = Array(output[..<produced])
        if result.suffix(4) == [0, 0, 0xff, 0xff] { result.removeLast(4) }
        return result
    }
}
