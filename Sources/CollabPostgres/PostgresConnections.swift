import CollabLog
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The connections a PostgreSQL store keeps open, reused one at a time each, so that a
/// command or a server does not connect for every statement. A connection that fails is
/// closed rather than given back; the next step connects again, which is how a store
/// whose database went away recovers by itself when it returns.
final class PostgresConnections: @unchecked Sendable {
    let url: PostgresURL
    let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextId = 1
    private var roundTrips: (@Sendable (Duration) -> Void)?

    func observeRoundTrips(_ body: @escaping @Sendable (Duration) -> Void) {
        lock.withLock { roundTrips = body }
    }

    init(url: PostgresURL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    deinit {
        // Closed, not dropped: a connection must be closed before it goes.
        for connection in idle { try? connection.close().wait() }
    }

    /// Runs `body` on a connection of the pool's. A `LogError` thrown inside (a write
    /// refused as changed, say) comes out as it is; everything else as a
    /// `PostgresStoreError` naming `step`.
    func with<T: Sendable>(_ step: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer {
            if let observe = lock.withLock({ roundTrips }) { observe(ContinuousClock.now - start) }
        }
        let connection: PostgresConnection
        do {
            connection = try await take()
        } catch {
            throw PostgresStore.unwrapped(error, step)
        }
        do {
            let result = try await body(connection)
            giveBack(connection)
            return result
        } catch {
            // The body's own refusals (a log that changed, a compaction's checks) come out
            // as they are, and the connection (rolled back) is kept; what PostgreSQL or
            // the network said closes it and names the step.
            let rolledBack = (error as? PostgresTransactionError).map { $0.rollbackError == nil } ?? true
            let inner = (error as? PostgresTransactionError).map { $0.closureError ?? $0 } ?? error
            if rolledBack, !(inner is PSQLError || inner is PostgresTransactionError || inner is PostgresStoreError || inner is IOError || inner is ChannelError) {
                giveBack(connection)
                throw inner
            }
            try? await connection.close()
            throw PostgresStore.unwrapped(error, step)
        }
    }

    /// Runs a step in one transaction.
    func transaction<T: Sendable>(_ step: String, _ body: @escaping (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        return try await with(step) { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// The same from synchronous code: a command, or a document's disk thread. The work
    /// runs on the shared pool while the caller's thread waits (never one of the pool's).
    func blocking<T: Sendable>(_ step: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try runBlocking { try await self.with(step, body) }
    }

    func blockingTransaction<T: Sendable>(_ step: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try runBlocking { try await self.transaction(step, body) }
    }

    func closeAll() async {
        let all = lock.withLock {
            defer { idle = [] }
            return idle
        }
        for connection in all { try? await connection.close() }
    }

    private func take() async throws -> PostgresConnection {
        let (reused, id) = lock.withLock { () -> (PostgresConnection?, Int) in
            if let last = idle.popLast() { return (last, 0) }
            nextId += 1
            return (nil, nextId)
        }
        if let reused, !reused.isClosed { return reused }
        let connection = try await PostgresStore.connect(url, id: id, logger: logger)
        do {
            try await PostgresStore.requireSchema(connection, url: url, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        return connection
    }

    private func giveBack(_ connection: PostgresConnection) {
        lock.withLock { idle.append(connection) }
    }
}

/// Runs async work to its end from synchronous code. The calling thread waits on a
/// semaphore while the work runs on a thread of its own (a task executor), never on
/// Swift's shared pool: a command's `run()` is itself called on that pool, which on a
/// one-core machine has one thread, and waiting there for work queued behind it would
/// never end.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = BlockingOutcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task(executorPreference: BlockingExecutor.shared) {
        do {
            outcome.result = .success(try await body())
        } catch {
            outcome.result = .failure(error)
        }
        done.signal()
    }
    done.wait()
    return try outcome.result!.get()
}

private final class BlockingOutcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// Where `runBlocking`'s work runs: a serial queue's thread. The work spends its time
/// waiting for the database (on NIO's threads), so one thread is plenty.
private final class BlockingExecutor: TaskExecutor {
    static let shared = BlockingExecutor()
    private let queue = DispatchQueue(label: "collab.postgres.blocking")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
