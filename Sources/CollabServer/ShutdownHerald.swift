import Foundation
import ServiceLifecycle

/// Graceful shutdown, before the HTTP server's own (services stop in reverse order, and
/// this one runs after the application): new connections are turned away, batches in
/// flight are written and acknowledged, then every socket is closed with 1001 (going
/// away), so clients know to reconnect elsewhere or later rather than that they erred.
struct ShutdownHerald: Service {
    let hub: Hub
    /// The longest it waits for writes in flight, then for clients to close.
    var patience: Duration = .seconds(5)

    func run() async throws {
        // Wait for the signal (or cancellation), doing nothing meanwhile.
        let (signal, signalled) = AsyncStream.makeStream(of: Void.self)
        await withGracefulShutdownHandler {
            for await _ in signal { break }
        } onGracefulShutdown: {
            signalled.finish()
        }
        guard !Task.isCancelled else { return }
        await hub.beginShutdown()
        let deadline = ContinuousClock.now + patience
        while await !hub.allQuiet, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        for session in await hub.liveSessions { session.outbox.close(.goingAway, reason: "server shutting down") }
        while await !hub.liveSessions.isEmpty, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
