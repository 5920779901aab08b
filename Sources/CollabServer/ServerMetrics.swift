import Prometheus

/// What `/metrics` reports, in the Prometheus text format: gauges for what is open,
/// counters for what happened, histograms for how long acknowledgements and fsyncs took.
///
/// The collectors are swift-prometheus's, each server with a registry of its own, used
/// directly rather than through swift-metrics: a swift-metrics factory is bootstrapped
/// once per process (the tests run many servers in one), and metrics made through it
/// lose their help text.
package final class ServerMetrics: Sendable {
    /// Histogram upper bounds, in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private let registry = PrometheusCollectorRegistry()
    private let connections: Gauge
    private let documents: Gauge
    private let opsAcknowledged: Counter
    private let batchesAcknowledged: Counter
    private let ackLatency: ValueHistogram
    private let fsyncLatency: ValueHistogram
    private let longPolls: Gauge
    private let databaseLatency: ValueHistogram

    package init() {
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "collab", metricName: metric, unitName: unit, helpText: help)
        }
        connections = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "collab", metricName: "connections", unitName: "", helpText: "Open WebSocket connections."))
        documents = registry.makeGauge(descriptor: name("documents", "open", "Documents held in memory."))
        longPolls = registry.makeGauge(descriptor: name("long_polls", "waiting", "Long polls waiting for ops."))
        opsAcknowledged = registry.makeCounter(descriptor: name("ops_acknowledged", "total", "Ops written durably and acknowledged (rate() gives ops/s)."))
        batchesAcknowledged = registry.makeCounter(descriptor: name("batches_acknowledged", "total", "Op batches acknowledged."))
        ackLatency = registry.makeValueHistogram(
            descriptor: name("ack_latency", "seconds", "From a batch's arrival to its acknowledgement."), buckets: Self.buckets)
        fsyncLatency = registry.makeValueHistogram(
            descriptor: name("fsync_latency", "seconds", "One group write: append and fdatasync (on PostgreSQL: its transaction)."), buckets: Self.buckets)
        databaseLatency = registry.makeValueHistogram(
            descriptor: name("database_latency", "seconds", "One round of statements with a PostgreSQL store (a transaction, a read, a broadcast)."),
            buckets: Self.buckets)
    }

    func connectionOpened() { connections.increment() }
    func connectionClosed() { connections.decrement() }
    func documentsOpen(_ count: Int) { documents.set(Double(count)) }
    func longPollStarted() { longPolls.increment() }
    func longPollEnded() { longPolls.decrement() }
    func fsync(seconds: Double) { fsyncLatency.record(seconds) }
    func database(seconds: Double) { databaseLatency.record(seconds) }

    /// A message refused, counted by the error code sent.
    func rejected(_ reason: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "collab", metricName: "rejected_messages", unitName: "total", helpText: "Messages refused, by reason (the error code sent)."),
            labels: [("reason", reason)]
        ).increment()
    }

    func acknowledged(ops: Int, seconds: Double) {
        opsAcknowledged.increment(by: Int64(ops))
        batchesAcknowledged.increment()
        ackLatency.record(seconds)
    }

    /// The exposition text for `/metrics`.
    package func render() -> String {
        registry.emitToString()
    }
}
