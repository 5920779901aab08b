/// How many sequence numbers of each client a replica has seen: `{alice: 42}` means
/// alice's ids 0 through 41. The currency of sync, of `--at` and of diff.
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    public private(set) var counts: [ClientId: Int]

    public init(_ counts: [ClientId: Int] = [:]) {
        self.counts = counts.filter { $0.value > 0 }
    }

    public subscript(client: ClientId) -> Int {
        get { counts[client] ?? 0 }
        set { counts[client] = newValue > 0 ? newValue : nil }
    }

    public func includes(_ id: OpId) -> Bool { id.seq < self[id.client] }

    /// True when every id this version has seen, `other` has seen too.
    public func isIncluded(in other: VersionVector) -> Bool {
        counts.allSatisfy { other[$0.key] >= $0.value }
    }

    public mutating func formUnion(_ other: VersionVector) {
        for (client, count) in other.counts where count > self[client] { self[client] = count }
    }

    /// `alice:41,bob:7`, clients sorted: the form accepted by `--at`.
    public var description: String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// Parses `alice:41,bob:7`; the client id is everything before the last colon.
    public init?(parsing text: String) {
        var counts: [ClientId: Int] = [:]
        if text.isEmpty { self.init(); return }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let colon = part.lastIndex(of: ":"), colon != part.startIndex,
                let count = Int(part[part.index(after: colon)...]), count >= 0
            else { return nil }
            let client = String(part[..<colon])
            guard counts[client] == nil else { return nil }
            counts[client] = count
        }
        self.init(counts)
    }
}
