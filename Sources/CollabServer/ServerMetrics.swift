import Foundation

/// What `/metrics` reports, in the Prometheus text format: gauges for what is open,
/// counters for what happened, histograms for how long acknowledgements and fsyncs took.
package final class ServerMetrics: Sendable {
    struct Histogram {
        /// Upper bounds in seconds.
        static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
        var counts = [Int](repeating: 0, count: bounds.count)
        var total = 0
        var sum = 0.0

        mutating func observe(_ seconds: Double) {
            for (k, bound) in Self.bounds.enumerated() where seconds <= bound { counts[k] += 1 }
            total += 1
            sum += seconds
        }
    }

    private struct State {
        var connections = 0
        var documentsOpen = 0
        var opsAcknowledged = 0
        var batchesAcknowledged = 0
        var rejected: [String: Int] = [:]
        var ackLatency = Histogram()
        var fsyncLatency = Histogram()
    }

    private let state = Locked(State())

    package init() {}

    func connectionOpened() { state.withValue { $0.connections += 1 } }
    func connectionClosed() { state.withValue { $0.connections -= 1 } }
    func documentsOpen(_ count: Int) { state.withValue { $0.documentsOpen = count } }
    func rejected(_ reason: String) { state.withValue { $0.rejected[reason, default: 0] += 1 } }
    func fsync(seconds: Double) { state.withValue { $0.fsyncLatency.observe(seconds) } }

    func acknowledged(ops: Int, seconds: Double) {
        state.withValue {
            $0.opsAcknowledged += ops
            $0.batchesAcknowledged += 1
            $0.ackLatency.observe(seconds)
        }
    }

    /// The exposition text for `/metrics`.
    package func render() -> String {
        let state = state.withValue { $0 }
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ lines: [String]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for line in lines { out += line + "\n" }
        }
        func histogram(_ name: String, _ help: String, _ histogram: Histogram) {
            var lines = zip(Histogram.bounds, histogram.counts).map { "\(name)_bucket{le=\"\($0)\"} \($1)" }
            lines.append("\(name)_bucket{le=\"+Inf\"} \(histogram.total)")
            lines.append("\(name)_sum \(histogram.sum)")
            lines.append("\(name)_count \(histogram.total)")
            metric(name, "histogram", help, lines)
        }
        metric("collab_connections", "gauge", "Open WebSocket connections.", ["collab_connections \(state.connections)"])
        metric("collab_documents_open", "gauge", "Documents held in memory.", ["collab_documents_open \(state.documentsOpen)"])
        metric("collab_ops_acknowledged_total", "counter", "Ops written durably and acknowledged (rate() gives ops/s).", ["collab_ops_acknowledged_total \(state.opsAcknowledged)"])
        metric("collab_batches_acknowledged_total", "counter", "Op batches acknowledged.", ["collab_batches_acknowledged_total \(state.batchesAcknowledged)"])
        metric(
            "collab_rejected_messages_total", "counter", "Messages refused, by reason (the error code sent).",
            state.rejected.sorted { $0.key < $1.key }.map { "collab_rejected_messages_total{reason=\"\($0.key)\"} \($0.value)" })
        histogram("collab_ack_latency_seconds", "From a batch's arrival to its acknowledgement.", state.ackLatency)
        histogram("collab_fsync_latency_seconds", "One group write: append and fdatasync.", state.fsyncLatency)
        return out
    }
}
