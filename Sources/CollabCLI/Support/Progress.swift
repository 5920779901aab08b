import Foundation

/// Progress of long work on stderr, only when stderr is a terminal that takes escape
/// codes (never in pipelines or logs, nor with TERM=dumb), redrawn in place at most ten
/// times a second.
final class Progress {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1 && !Terminal.isDumb()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(_ label: String) {
        self.label = label
    }

    func update(_ done: Int, of total: Int, _ unit: String) {
        guard enabled, total > 0, Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = Date()
        drawn = true
        standardError("\r\(label): \(done * 100 / total)% (\(done)/\(total) \(unit))\u{1B}[K")
    }

    /// Clears the progress line.
    func finish() {
        guard enabled, drawn else { return }
        standardError("\r\u{1B}[K")
    }
}
