import Foundation

/// A value shared between tasks, behind a lock: for state touched from synchronous
/// callbacks (a document's listeners, metrics) where an actor's await is not possible.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
