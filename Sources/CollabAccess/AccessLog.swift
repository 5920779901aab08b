import CollabLog
import CollabStorage
import Foundation

/// A store's access events (grants, revocations, transfers, shares: the audit trail) as
/// the store keeps them (`Store.accessEvents`): in a directory store `DIR/access.clog`,
/// one access-control record per event; in PostgreSQL the table `collab_access_events`.
package enum AccessLog {
    /// The store's events, in order (none when it has no access log yet).
    package static func events(in store: any Store) throws -> [AccessEvent] {
        try decode(try store.accessEvents(), in: store)
    }

    private static func decode(_ payloads: [[UInt8]], in store: any Store) throws -> [AccessEvent] {
        try payloads.map { payload in
            guard let event = try AccessEvent.decode(payload) else {
                throw LogError.damaged(path: store.name, reason: "an access-control record holds no access event")
            }
            return event
        }
    }

    /// The store's rules as its events make them.
    package static func policy(in store: any Store) throws -> AccessPolicy {
        AccessPolicy(events: try events(in: store))
    }

    /// Checks a change against the rules as they are now, and records it (refused when
    /// another change landed in between).
    package static func record(_ event: AccessEvent, in store: any Store, at now: Int64) throws {
        try store.recordAccessEvent { payloads in
            let policy = AccessPolicy(events: try payloads.map { payload in
                guard let event = try AccessEvent.decode(payload) else { throw AccessRefusal(reason: "the access log holds a record that is no event") }
                return event
            })
            try policy.check(event, at: now)
            return event.json
        }
    }

    /// Writes a store's whole access log from events (an import of an export), all or
    /// nothing: they were checked when they were made, and are kept as they are.
    package static func replace(with events: [AccessEvent], in store: any Store) throws {
        try store.replaceAccessEvents(events.map(\.json))
    }

    /// The store's events as export lines: one JSON object each, after the documents.
    package static func exportLines(in store: any Store) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for event in try events(in: store) {
            bytes += event.json
            bytes.append(0x0A)
        }
        return bytes
    }
}
