/// A token bucket over one connection's messages: `rate` per second on average, twice
/// that in a burst. A connection that keeps sending after the bucket is empty — a
/// whole second's worth of refused messages within one second — is flooding.
struct RateLimiter {
    enum Verdict: Equatable {
        case allowed
        /// Drop this message (answered `rate_limited`, at most once a second).
        case dropped(tellClient: Bool)
        /// Close the connection.
        case flooding
    }

    let rate: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant
    private var droppedThisSecond = 0
    private var secondStarted: ContinuousClock.Instant
    private var toldAt: ContinuousClock.Instant?

    init(perSecond rate: Int, now: ContinuousClock.Instant = .now) {
        self.rate = Double(max(1, rate))
        tokens = 2 * self.rate
        last = now
        secondStarted = now
    }

    mutating func take(now: ContinuousClock.Instant = .now) -> Verdict {
        tokens = min(2 * rate, tokens + rate * (now - last).inSeconds)
        last = now
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        if now - secondStarted >= .seconds(1) {
            secondStarted = now
            droppedThisSecond = 0
        }
        droppedThisSecond += 1
        if Double(droppedThisSecond) >= rate { return .flooding }
        let tell = toldAt.map { now - $0 >= .seconds(1) } ?? true
        if tell { toldAt = now }
        return .dropped(tellClient: tell)
    }
}
