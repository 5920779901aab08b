import CompressNIO
import HummingbirdWSCompression
import HummingbirdWebSocket
import NIOWebSocket

/// permessage-deflate whose inflating stops at a limit, and says so with close code 1009
/// (message too big): a 255 KiB frame that would inflate to 256 MiB is cut off after the
/// limit, with memory bounded by it. (The library's own limit closes with 1011, which
/// tells the client the server failed, not that the message was refused.) What is sent is
/// compressed at zlib's fastest level: a page's catch-up of a long history (megabytes of
/// op JSON) costs a third of the default level's time for a quarter more bytes
/// (docs/benchmarks.md, the browser editor).
struct BoundedDeflateBuilder: WebSocketExtensionBuilder {
    static let name = "permessage-deflate"
    let inner: any WebSocketExtensionBuilder

    init(maxInflatedBytes: Int) {
        inner = WebSocketExtensionFactory.perMessageDeflate(compressionLevel: 1, maxDecompressedFrameSize: maxInflatedBytes).build()
    }

    func clientRequestHeader() -> String { inner.clientRequestHeader() }

    func serverReponseHeader(to request: WebSocketExtensionHTTPParameters) -> String? {
        inner.serverReponseHeader(to: request)
    }

    func serverExtension(from request: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
        try inner.serverExtension(from: request).map(BoundedInflate.init)
    }

    func clientExtension(from request: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
        try inner.clientExtension(from: request).map(BoundedInflate.init)
    }
}

struct BoundedInflate: WebSocketExtension {
    let inner: any WebSocketExtension

    var name: String { inner.name }
    var reservedBits: WebSocketFrame.ReservedBits { inner.reservedBits }

    func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
        do {
            return try await inner.processReceivedFrame(frame, context: context)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw NIOWebSocketError.invalidFrameLength
        }
    }

    func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
        try await inner.processFrameToSend(frame, context: context)
    }

    func shutdown() async { await inner.shutdown() }
}

/// RFC 6455 §5.1: a server must close the connection on a client frame that is not
/// masked (masking keeps proxies from caching attacker-chosen bytes). The framing library
/// does not check it; this extension, applied to every data frame before any other,
/// does. The error is one the library maps to close code 1002 (protocol error).
struct MaskRequired: WebSocketExtension {
    let name = "mask-required"

    func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
        guard frame.maskKey != nil else { throw NIOWebSocketError.fragmentedControlFrame }
        return frame
    }

    func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame { frame }

    func shutdown() async {}
}
