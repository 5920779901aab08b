/// Gives a client connection up when the server says nothing for a while after it.
///
/// The server answers a connection at once (`auth_ok`, or an error and a close), but
/// the client library can lose an answer that follows the upgrade response immediately
/// and then wait forever (docs/protocol.md): `collab sync` and `watch` fail with
/// `timeout` instead of hanging.
package final class AnswerWatchdog: Sendable {
    /// nil while waiting; true once answered; false once given up.
    private let outcome = Locked<Bool?>(nil)
    private let timer: Task<Void, Never>
    package let timeout: Duration

    package init(_ client: ProtocolClient, timeout: Duration) {
        self.timeout = timeout
        let outcome = outcome
        timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            let gaveUp = outcome.withValue { state in
                if state == nil { state = false }
                return state == false
            }
            if gaveUp { client.cancel() }
        }
    }

    /// The server spoke in time.
    package func answered() {
        outcome.withValue { state in if state == nil { state = true } }
        timer.cancel()
    }

    package func stop() { timer.cancel() }

    /// Whether the connection was given up for silence.
    package var gaveUp: Bool { outcome.withValue { $0 } == false }

    package var failure: SyncClient.Failure {
        SyncClient.Failure(code: "timeout", description: "the server did not answer within \(timeout)")
    }
}
