/// The name of a replica: every op it makes carries it. Client ids are compared as strings
/// when concurrent inserts at the same place need a deterministic order.
public typealias ClientId = String

/// Identifies one sequence number of one client. An insert of `n` characters uses `n`
/// consecutive ids; a delete of `n` characters uses `n` consecutive ids as well.
public struct OpId: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var client: ClientId
    public var seq: Int

    public init(_ client: ClientId, _ seq: Int) {
        self.client = client
        self.seq = seq
    }

    public static func < (a: OpId, b: OpId) -> Bool {
        a.client == b.client ? a.seq < b.seq : a.client < b.client
    }

    /// `client:seq`, the form used in messages and in `collab log`.
    public var description: String { "\(client):\(seq)" }
}
