import CollabCore
import CollabLog
import CollabProtocol
import CollabStorage
import Foundation
import Testing

@testable import CollabServer

/// What the server keeps in memory, and what the load test reads off the wire.
@Suite("Hub")
struct HubTests {
    static func store() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("collab-hub-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aDocumentNobodyFollowsIsUnloadedWhenIdleAndReopenedFromItsLog() async throws {
        var limits = Server.Limits()
        limits.idleDocument = .milliseconds(50)
        let hub = Hub(store: DocumentStore(try Self.store()), limits: limits)
        let outbox = Outbox(limit: 1 << 20) {}
        let session = UUID()
        let (host, _) = try await hub.enter("notes", session: session, .init(user: "alice", name: "a", outbox: outbox))
        _ = try await host.submit([Wire.insert("alice", 0, after: nil, "kept")], as: nil)
        // The clock is given, not waited for.
        await hub.unloadIdle(now: .now + .milliseconds(100))
        #expect(await hub.openDocuments == ["notes"], "followed: stays")
        await hub.leave("notes", session: session)
        await hub.unloadIdle(now: .now)
        #expect(await hub.openDocuments == ["notes"], "just left: not idle yet")
        await hub.unloadIdle(now: .now + .milliseconds(100))
        #expect(await hub.openDocuments == [])
        let reopened = try await hub.host("notes")
        #expect(await reopened.version == VersionVector(["alice": 4]))
    }

    @Test func theLoadTestFindsOpIdsWithoutParsing() {
        let ops = [Wire.insert("lt3/abc-3", 41, after: nil, "x"), Wire.insert("lt7/abc-7", 0, after: OpId("lt3/abc-3", 41), "y")]
        let message = ServerMessage.ops(docId: "loadtest/doc-0", ops: ops).json
        #expect(LoadTest.opIds(in: message) == ops.map(\.id))
        #expect(LoadTest.opIds(in: #"{"type":"ack","docId":"d","opIds":["a:1"]}"#) == [])
    }

    @Test func queuedOpsForOneDocumentGoOutAsOneMessageInOrder() {
        let merged = Outbox.merged([
            .ops(docId: "a", json: "1"), .ops(docId: "a", json: "2"), .text("ack"), .ops(docId: "a", json: "3"),
            .ops(docId: "b", json: "4"), .ops(docId: "a", json: "5"),
        ])
        let shown = merged.map { item -> String in
            switch item {
            case .text(let text): text
            case .texts(let texts): texts.joined(separator: "|")
            case .ops(let docId, let json): "\(docId):\(json)"
            case .close: "close"
            }
        }
        #expect(shown == ["a:1,2", "ack", "a:3", "b:4", "a:5"])
    }

    @Test func oneLargeMessageMayQueueAloneButAPileUpIsCutOff() {
        let aborted = Locked(false)
        let outbox = Outbox(limit: 64) { aborted.withValue { $0 = true } }
        #expect(outbox.send(String(repeating: "x", count: 1_000)), "a big catch-up, alone")
        #expect(!aborted.withValue { $0 })
        #expect(outbox.send(String(repeating: "y", count: 60)), "behind it, within the limit")
        #expect(!outbox.send("one more"), "behind it, past the limit")
        #expect(aborted.withValue { $0 } && outbox.isClosed)
    }

    @Test func percentilesAreNearestRank() {
        let values = (1...100).map(Double.init)
        #expect(LoadTest.Report.percentile(values, 50) == 50)
        #expect(LoadTest.Report.percentile(values, 95) == 95)
        #expect(LoadTest.Report.percentile(values, 99) == 99)
        #expect(LoadTest.Report.percentile([], 99) == 0)
    }
}
