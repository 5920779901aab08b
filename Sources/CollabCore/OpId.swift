/// The name of a replica: every op it makes carries it. Client ids are compared as strings
/// when concurrent inserts at the same place need a deterministic order.
public typealias ClientId = String

/// What a client id may be (docs/ops.md), for every op that comes in: 1 to 256 bytes of
/// UTF-8, a user id optionally followed by `/` and a device (`alice`, `alice/laptop`), in
/// parts separated by `/`, none of them empty, `.` or `..`, and no whitespace or control
/// character anywhere. Access control reads the part before the first `/` as the user, so
/// `alice/` (an empty device) must not pass for one of Alice's replicas.
public enum ClientIdGrammar {
    /// Why `client` is not a valid client id, or nil.
    public static func problem(with client: String) -> String? {
        guard !client.isEmpty, client.utf8.count <= 256 else { return "a client id is 1 to 256 bytes" }
        if let bad = client.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            return "a client id holds no whitespace or control characters (U+\(String(bad.value, radix: 16, uppercase: true)))"
        }
        for part in client.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty { return "a client id's parts between / are not empty (\(client.debugDescription))" }
            if part == "." || part == ".." { return "a client id's parts are not . or .. (\(client.debugDescription))" }
        }
        return nil
    }
}

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
