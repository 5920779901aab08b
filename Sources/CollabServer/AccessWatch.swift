import CollabAccess
import Foundation
import ServiceLifecycle

/// Applies changes made outside the server within a second (docs/protocol.md): a grant
/// revoked with `collab revoke` (by this server or by anyone writing to the same store),
/// a grant's expiry, a token's expiry, and what other processes wrote to the logs of open
/// documents. Four times a second it takes the access rules (re-read if the log changed)
/// and re-checks every session, and has every open document take in its log's changes;
/// idle documents are unloaded on the way.
struct AccessWatch: Service {
    let hub: Hub
    var interval: Duration = .milliseconds(250)

    func run() async throws {
        // Two loops: a document whose log is slow to read never delays a revocation.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await recheckSessions() }
            group.addTask { await refreshDocuments() }
        }
    }

    private func recheckSessions() async {
        var policy = (try? hub.policy()) ?? AccessPolicy()
        var sweeps = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            // Kept if the log cannot be read now (mid-rename, say): the next tick retries.
            if let fresh = try? hub.policy() { policy = fresh }
            let now = Session.now
            for session in await hub.liveSessions { await session.recheck(policy, at: now) }
            sweeps += 1
            if sweeps % 20 == 0 { await hub.unloadIdle() }
        }
    }

    private func refreshDocuments() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await hub.refreshDocuments()
        }
    }
}
