import CollabLog
import Foundation

/// Where a store keeps its access events: `DIR/access.clog`, one access-control record
/// (type 4) per event, appended under the writer's lock and synced like ops.
package enum AccessLog {
    package static func path(in store: String) -> String { "\(store)/access.clog" }

    /// The store's events as recorded, each the JSON of one, in order (none when it has no
    /// access log yet): what `collab store copy` moves as it is.
    package static func payloads(in store: String) throws -> [[UInt8]] {
        let path = path(in: store)
        guard FileIO.exists(path) else { return [] }
        return try ClogLog.records(ofType: .accessControl, in: path)
    }

    /// The store's events, in order (none when it has no access log yet).
    package static func events(in store: String) throws -> [AccessEvent] {
        let path = path(in: store)
        return try payloads(in: store).map { payload in
            guard let event = try AccessEvent.decode(payload) else {
                throw LogError.damaged(path: path, reason: "an access-control record holds no access event")
            }
            return event
        }
    }

    /// The store's rules as its events make them.
    package static func policy(in store: String) throws -> AccessPolicy {
        AccessPolicy(events: try events(in: store))
    }

    /// Checks a change against the rules as they are now, and records it (refused when
    /// another change landed in between).
    package static func record(_ event: AccessEvent, in store: String, at now: Int64) throws {
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try ClogLog.appendRecord(type: .accessControl, documentId: "(access)", to: path(in: store)) { records in
            let policy = AccessPolicy(events: try records.map { payload in
                guard let event = try AccessEvent.decode(payload) else { throw AccessRefusal(reason: "the access log holds a record that is no event") }
                return event
            })
            try policy.check(event, at: now)
            return event.json
        }
    }

    /// Writes a store's whole access log from events (an import of an export), all or
    /// nothing: they were checked when they were made, and are kept as they are.
    package static func replace(with events: [AccessEvent], in store: String) throws {
        try replace(withPayloads: events.map(\.json), in: store)
    }

    /// The same from events as recorded (`payloads(in:)`).
    package static func replace(withPayloads payloads: [[UInt8]], in store: String) throws {
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try ClogLog.writeRecords(type: .accessControl, payloads: payloads, documentId: "(access)", to: path(in: store))
    }

    /// The store's events as export lines: one JSON object each, after the documents.
    package static func exportLines(in store: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for event in try events(in: store) {
            bytes += event.json
            bytes.append(0x0A)
        }
        return bytes
    }
}
