import CollabAccess
import Foundation
import ServiceLifecycle

/// Applies access changes to live connections within a second (docs/protocol.md): a
/// grant revoked with `collab revoke` (by this server or by anyone writing to the same
/// store), a grant's expiry, a token's expiry. Four times a second it re-reads the access
/// log if it changed, and re-checks every session; idle documents are unloaded on the way.
struct AccessWatch: Service {
    let hub: Hub
    var interval: Duration = .milliseconds(250)

    func run() async throws {
        var policy = try hub.policy()
        var seen = Self.signature(of: AccessLog.path(in: hub.store))
        var sweeps = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let signature = Self.signature(of: AccessLog.path(in: hub.store))
            if signature != seen, let fresh = try? hub.policy() {
                policy = fresh
                seen = signature
            }
            let now = Session.now
            for session in await hub.liveSessions { await session.recheck(policy, at: now) }
            sweeps += 1
            if sweeps % 20 == 0 { await hub.unloadIdle() }
        }
    }

    /// What changes when the access log is written: its size and modification time.
    static func signature(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
    }
}
