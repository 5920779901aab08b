import CollabProtocol
import NIOCore
import NIOHTTP1

/// The answer to a refused WebSocket upgrade, as docs/protocol.md promises it: 401 (get a
/// new token) or 403 (this Origin may not connect), with the JSON error form, so that a
/// client can tell them from a bad request. The WebSocket library answers every refused
/// upgrade with an empty 400 and no way to say more; installed on the connection's
/// channel while the upgrade is refused, this handler rewrites that one response as it
/// is written.
final class UpgradeRefusal: ChannelOutboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let status: HTTPResponseStatus
    private let body: String
    private var rewriting = false

    private init(status: HTTPResponseStatus, body: String) {
        self.status = status
        self.body = body
    }

    /// Has the refusal about to be written on `channel` answered with `status` and the
    /// JSON error `code` and `message`.
    static func install(on channel: any Channel, _ status: HTTPResponseStatus, code: String, message: String) async {
        let handler = UpgradeRefusal(status: status, body: ServerMessage.httpError(code, message))
        try? await channel.eventLoop.submit { try channel.pipeline.syncOperations.addHandler(handler) }.get()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status == .badRequest && !rewriting:
            rewriting = true
            head.status = status
            head.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            head.headers.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
