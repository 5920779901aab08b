import CollabCore

/// A replica's acknowledged version: what a replica (a client id, `alice/laptop`) said
/// it holds durably when it joined the document on a server with `since`. `collab serve`
/// records them in the log (record type 6); `collab compact --stable` compacts below the
/// version every replica that wrote to the log has acknowledged, so that none of them
/// has to resync.
public struct ReplicaAcknowledgement: Equatable, Sendable {
    public var replica: String
    public var version: VersionVector
    /// Milliseconds since 1970.
    public var at: Int64

    public init(replica: String, version: VersionVector, at: Int64) {
        self.replica = replica
        self.version = version
        self.at = at
    }

    public var json: [UInt8] {
        var writer = JSONWriter()
        writer.raw("{\"replica\":")
        writer.string(replica)
        writer.raw(",\"version\":")
        version.json(&writer)
        writer.raw(",\"at\":")
        writer.int(at)
        writer.raw("}")
        return writer.bytes
    }

    public static func decode(_ payload: [UInt8]) -> ReplicaAcknowledgement? {
        guard case .object(let fields)? = try? JSONParser.parse(payload), case .string(let replica)? = fields["replica"],
            case .object(let counts)? = fields["version"], case .int(let at)? = fields["at"]
        else { return nil }
        var version = VersionVector()
        for (client, count) in counts {
            guard case .int(let count) = count, count >= 0 else { return nil }
            version[client] = Int(count)
        }
        return ReplicaAcknowledgement(replica: replica, version: version, at: at)
    }

    /// Why there is no stable version yet.
    public struct Unstable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The version every replica that wrote to a log at `logVersion` has acknowledged:
    /// per client, the least any replica's latest acknowledgement holds (never past the
    /// log). Refused while a client that wrote ops has acknowledged nothing (its replica's
    /// state is unknown).
    public static func stableVersion(of acknowledgements: [ReplicaAcknowledgement], logVersion: VersionVector) throws(Unstable) -> VersionVector {
        var latest: [String: ReplicaAcknowledgement] = [:]
        for ack in acknowledgements where ack.at >= latest[ack.replica]?.at ?? .min { latest[ack.replica] = ack }
        let silent = logVersion.counts.keys.filter { latest[$0] == nil }.sorted()
        guard silent.isEmpty else {
            throw Unstable(description: "no acknowledged version from \(silent.joined(separator: ", ")) (a replica records one when it joins the document on `collab serve` with its version; `collab sync --replica ID` does)")
        }
        var stable = VersionVector()
        for (client, count) in logVersion.counts {
            stable[client] = latest.values.map { min($0.version[client], count) }.min() ?? 0
        }
        return stable
    }
}
