/// A Hybrid Logical Clock reading: wall-clock milliseconds plus a logical counter that
/// orders events within one millisecond and across replicas with skewed clocks.
public struct Timestamp: Hashable, Sendable, Comparable {
    public var wall: Int64
    public var logical: Int32

    public init(wall: Int64, logical: Int32 = 0) {
        self.wall = wall
        self.logical = logical
    }

    public static let zero = Timestamp(wall: 0, logical: 0)

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.wall != b.wall ? a.wall < b.wall : a.logical < b.logical
    }
}

/// The clock of one replica. The engine never reads the system time: callers pass `now`.
public struct HybridLogicalClock: Sendable {
    public private(set) var latest: Timestamp

    public init(latest: Timestamp = .zero) {
        self.latest = latest
    }

    /// A timestamp for a local event, later than everything this clock has seen.
    public mutating func tick(now: Int64) -> Timestamp {
        if now > latest.wall {
            latest = Timestamp(wall: now, logical: 0)
        } else {
            latest = Timestamp(wall: latest.wall, logical: latest.logical &+ 1)
        }
        return latest
    }

    /// Takes a remote timestamp into account, so later local events sort after it.
    public mutating func observe(_ remote: Timestamp) {
        if remote > latest { latest = remote }
    }
}
