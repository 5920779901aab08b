import CollabLog
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The connections a PostgreSQL store keeps open, reused one at a time each, so that a
/// command or a server does not connect for every statement: at most `limit` at once
/// (COLLAB_POSTGRES_CONNECTIONS, 8 by default; PostgreSQL allows 100 in all unless told
/// otherwise, and several servers share them), a step waiting for one to be free. Fewer
/// backends also cost the database less CPU (docs/benchmarks.md).
/// A connection that fails is closed rather than given back; the next step connects
/// again, which is how a store whose database went away recovers by itself.
final class PostgresConnections: @unchecked Sendable {
    let url: PostgresURL
    let logger: Logger
    let limit: Int
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    /// Connections open or being opened (the listener's is not one of them).
    private var open = 0
    /// Steps waiting for a connection: each is handed one given back, or nil, meaning a
    /// place is free to connect in.
    private var waiting: [CheckedContinuation<PostgresConnection?, Never>] = []
    private var nextId = 1
    private var roundTrips: (@Sendable (Duration) -> Void)?

    static var defaultLimit: Int {
        if let text = ProcessInfo.processInfo.environment["COLLAB_POSTGRES_CONNECTIONS"], let value = Int(text), value >= 1 { return value }
        return 8
    }

    func observeRoundTrips(_ body: @escaping @Sendable (Duration) -> Void) {
        lock.withLock { roundTrips = body }
    }

    init(url: PostgresURL, logger: Logger, limit: Int = PostgresConnections.defaultLimit) {
        self.url = url
        self.logger = logger
        self.limit = limit
    }

    deinit {
        // Closed, not dropped: a connection must be closed before it goes.
        for connection in idle { try? connection.close().wait() }
    }

    /// Runs `body` on a connection of the pool's. What the body throws itself (a write
    /// refused as changed, a compaction's checks) comes out as it is; what PostgreSQL or
    /// the network said, as a `PostgresStoreError` naming `step`.
    /// A step that blocks its thread while it runs (`blocking`) passes `mayWait: false`
    /// and connects past the limit rather than wait: the steps it would wait for may need
    /// the very thread it blocks.
    func with<T: Sendable>(_ step: String, mayWait: Bool = true, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer {
            if let observe = lock.withLock({ roundTrips }) { observe(ContinuousClock.now - start) }
        }
        let connection: PostgresConnection
        do {
            connection = try await take(mayWait: mayWait)
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
            freePlace()
            throw PostgresStore.unwrapped(error, step)
        }
    }

    /// Runs a step in one transaction.
    func transaction<T: Sendable>(
        _ step: String, mayWait: Bool = true, _ body: @escaping (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await with(step, mayWait: mayWait) { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// The same from synchronous code (a command): the work runs on a thread of its own
    /// while the caller waits (`runBlocking`).
    func blocking<T: Sendable>(_ step: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try runBlocking { try await self.with(step, mayWait: false, body) }
    }

    func blockingTransaction<T: Sendable>(_ step: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try runBlocking { try await self.transaction(step, mayWait: false, body) }
    }

    private func take(mayWait: Bool) async throws -> PostgresConnection {
        enum Next { case reuse(PostgresConnection), connect(Int), wait }
        let next = lock.withLock { () -> Next in
            if let last = idle.popLast() { return .reuse(last) }
            guard open < limit || !mayWait else { return .wait }
            open += 1
            nextId += 1
            return .connect(nextId)
        }
        switch next {
        case .reuse(let connection):
            if !connection.isClosed { return connection }
            // Closed while idle (the database restarted): a new one in its place.
            return try await connect(id: lock.withLock { nextId += 1; return nextId })
        case .connect(let id):
            return try await connect(id: id)
        case .wait:
            let handed = await withCheckedContinuation { (done: CheckedContinuation<PostgresConnection?, Never>) in
                let now = lock.withLock { () -> Next? in
                    // Given back or freed between the look and the wait: take it now.
                    if let last = idle.popLast() { return .reuse(last) }
                    if open < limit {
                        open += 1
                        nextId += 1
                        return .connect(nextId)
                    }
                    waiting.append(done)
                    return nil
                }
                switch now {
                case .reuse(let connection): done.resume(returning: connection)
                case .connect: done.resume(returning: nil)
                case .wait, nil: break
                }
            }
            if let handed, !handed.isClosed { return handed }
            // A place for this step (counted already), or a closed connection's: connect.
            return try await connect(id: lock.withLock { nextId += 1; return nextId })
        }
    }

    /// Opens a connection in a place already counted; gives the place up if it fails.
    private func connect(id: Int) async throws -> PostgresConnection {
        do {
            let connection = try await PostgresStore.connect(url, id: id, logger: logger)
            do {
                try await PostgresStore.requireSchema(connection, url: url, logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            return connection
        } catch {
            freePlace()
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        let next = lock.withLock { () -> CheckedContinuation<PostgresConnection?, Never>? in
            if !waiting.isEmpty { return waiting.removeFirst() }
            idle.append(connection)
            return nil
        }
        next?.resume(returning: connection)
    }

    /// A connection was closed (or never opened): its place goes to a waiting step, who
    /// connects in it, or is free.
    private func freePlace() {
        let next = lock.withLock { () -> CheckedContinuation<PostgresConnection?, Never>? in
            if !waiting.isEmpty { return waiting.removeFirst() }
            open -= 1
            return nil
        }
        next?.resume(returning: nil)
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
