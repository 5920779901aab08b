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

    /// A timestamp for a local event, later than everything this clock has seen within
    /// `ClockSkew.limit` of `now`. A wall further ahead than that is a broken clock, not
    /// time: adopting it would stamp every later local edit after it and spread the
    /// broken clock to everyone who observes them, so the clock goes on from `now`.
    public mutating func tick(now: Int64) -> Timestamp {
        if now > latest.wall || latest.wall > now &+ ClockSkew.limit {
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

/// How far ahead of the receiver's clock an op's wall may be. Last-writer-wins compares
/// stamps, so one op stamped in the far future would win against every later edit;
/// the server refuses such ops, `apply`, `merge` and `import` refuse them unless told
/// otherwise, and a clock never adopts such a wall (docs/ops.md).
public enum ClockSkew {
    /// Five minutes, in milliseconds: far more than clocks kept by NTP drift apart.
    public static let limit: Int64 = 5 * 60 * 1000

    /// The first op stamped more than `limit` milliseconds after `now`, and by how much.
    public static func firstOpAhead(
        of now: Int64, in ops: some Sequence<Op>, limit: Int64 = limit
    ) -> (op: Op, ahead: Int64)? {
        for op in ops where op.timestamp.wall > now &+ limit { return (op, op.timestamp.wall &- now) }
        return nil
    }

    /// Why an op is refused: its id, and how far ahead of the receiver's clock it is.
    public static func refusal(_ op: Op, ahead: Int64, limit: Int64 = limit) -> String {
        "op \(op.id) is stamped \(duration(ahead)) ahead of this clock (wall \(op.timestamp.wall)); the limit is \(duration(limit))"
    }

    /// `312 ms`, `42 s`, `17 min`, `3 h`, `12 d`, `292471208 years`: for messages.
    static func duration(_ milliseconds: Int64) -> String {
        let m = milliseconds
        if m < 1_000 { return "\(m) ms" }
        if m < 120_000 { return "\(m / 1_000) s" }
        if m < 7_200_000 { return "\(m / 60_000) min" }
        if m < 172_800_000 { return "\(m / 3_600_000) h" }
        if m < 365 * 86_400_000 * 2 { return "\(m / 86_400_000) d" }
        return "\(m / (365 * 86_400_000)) years"
    }
}
