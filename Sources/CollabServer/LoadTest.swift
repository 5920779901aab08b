import CollabCore
import CollabLog
import CollabProtocol
import Foundation

/// Simulated typists against a server (`collab loadtest`): each client follows one of
/// the documents; typists insert one character at a time at a steady rate and time the
/// acknowledgement (durable on the server); every follower times each op it is passed
/// from the moment its typist sent it.
package enum LoadTest {
    package struct Plan: Sendable {
        /// The servers (several of one store behind what would be a load balancer): each
        /// document's followers are spread over them.
        package var urls: [String]
        package var clients: Int
        /// How many of the clients type (the rest only follow).
        package var typists: Int
        package var documents: Int
        /// Ops per second per typist.
        package var rate: Double
        package var duration: Duration
        /// Document ids are PREFIX0, PREFIX1, …
        package var documentPrefix: String
        /// The token client k connects with.
        package var credentials: @Sendable (Int) async throws -> String

        package init(
            urls: [String], clients: Int, typists: Int, documents: Int, rate: Double, duration: Duration, documentPrefix: String,
            credentials: @escaping @Sendable (Int) async throws -> String
        ) {
            self.urls = urls
            self.clients = clients
            self.typists = typists
            self.documents = documents
            self.rate = rate
            self.duration = duration
            self.documentPrefix = documentPrefix
            self.credentials = credentials
        }
    }

    package struct Report: Sendable {
        package var connected = 0
        package var sent = 0
        package var acknowledged = 0
        package var errors = 0
        package var firstErrors: [String] = []
        package var ackMilliseconds: [Double] = []
        package var broadcastMilliseconds: [Double] = []
        /// The broadcasts whose typist was on another server than the follower.
        package var crossServerMilliseconds: [Double] = []
        package var seconds = 0.0

        package var opsPerSecond: Double { seconds > 0 ? Double(acknowledged) / seconds : 0 }

        private static func quote(_ text: String) -> String {
            var writer = JSONWriter()
            writer.string(text)
            return writer.text
        }

        package static func percentile(_ values: [Double], _ p: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
            return sorted[min(sorted.count - 1, max(0, rank - 1))]
        }

        package var json: String {
            func ms(_ value: Double) -> String { String(format: "%.2f", value) }
            return "{\"clients\":\(connected),\"sent\":\(sent),\"acknowledged\":\(acknowledged),"
                + "\"ackP50Ms\":\(ms(Self.percentile(ackMilliseconds, 50))),\"ackP95Ms\":\(ms(Self.percentile(ackMilliseconds, 95))),"
                + "\"ackP99Ms\":\(ms(Self.percentile(ackMilliseconds, 99))),\"broadcastP50Ms\":\(ms(Self.percentile(broadcastMilliseconds, 50))),"
                + "\"broadcastP95Ms\":\(ms(Self.percentile(broadcastMilliseconds, 95))),\"broadcastP99Ms\":\(ms(Self.percentile(broadcastMilliseconds, 99))),"
                + "\"crossServerBroadcasts\":\(crossServerMilliseconds.count),\"crossServerP50Ms\":\(ms(Self.percentile(crossServerMilliseconds, 50))),"
                + "\"crossServerP95Ms\":\(ms(Self.percentile(crossServerMilliseconds, 95))),"
                + "\"opsPerSecond\":\(String(format: "%.1f", opsPerSecond)),\"errors\":\(errors),\"firstErrors\":"
                + "[" + firstErrors.map { Self.quote($0) }.joined(separator: ",") + "]}"
        }
    }

    /// When each op was sent, and through which server, for the followers' broadcast latency.
    final class SendTimes: @unchecked Sendable {
        private let lock = NSLock()
        private var times: [OpId: (at: ContinuousClock.Instant, server: Int)] = [:]
        func record(_ id: OpId, _ at: ContinuousClock.Instant, server: Int) {
            lock.lock()
            times[id] = (at, server)
            lock.unlock()
        }
        func time(of id: OpId) -> (at: ContinuousClock.Instant, server: Int)? {
            lock.lock()
            defer { lock.unlock() }
            return times[id]
        }
    }

    package static func run(_ plan: Plan, progress: @escaping @Sendable (String) -> Void = { _ in }) async -> Report {
        let sendTimes = SendTimes()
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let start = ContinuousClock.now
        let stopAt = start + .seconds(2) + plan.duration
        let reports = await withTaskGroup(of: Report.self) { group in
            for k in 0..<plan.clients {
                group.addTask {
                    // Spread the connecting over the first two seconds.
                    try? await Task.sleep(for: .milliseconds(Int64(2000 * k / max(1, plan.clients))))
                    return await client(k, plan: plan, run: run, stopAt: stopAt, sendTimes: sendTimes)
                }
            }
            var all: [Report] = []
            for await report in group {
                all.append(report)
            }
            return all
        }
        var total = Report()
        for report in reports {
            total.connected += report.connected
            total.sent += report.sent
            total.acknowledged += report.acknowledged
            total.errors += report.errors
            total.firstErrors += report.firstErrors.prefix(max(0, 5 - total.firstErrors.count))
            total.ackMilliseconds += report.ackMilliseconds
            total.broadcastMilliseconds += report.broadcastMilliseconds
            total.crossServerMilliseconds += report.crossServerMilliseconds
        }
        total.seconds = plan.duration.inSeconds
        progress("done")
        return total
    }

    /// The ids of the ops in an `ops` message, as the server writes them:
    /// `{"id":{"clientId":"C","seq":N}` at the start of each op.
    static func opIds(in message: String) -> [OpId] {
        var message = message
        return message.withUTF8 { bytes in
            let marker = Array(#"{"id":{"clientId":""#.utf8)
            var ids: [OpId] = []
            var k = 0
            // A plain byte scan: Foundation's generic firstRange(of:) spent most of the
            // load generator's time here.
            outer: while k + marker.count <= bytes.count {
                for m in 0..<marker.count where bytes[k + m] != marker[m] {
                    k += 1
                    continue outer
                }
                let start = k + marker.count
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
                let client = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                var digit = end + 8  // past `","seq":`
                var seq = 0
                while digit < bytes.count, (48...57).contains(bytes[digit]) {
                    seq = seq * 10 + Int(bytes[digit] - 48)
                    digit += 1
                }
                ids.append(OpId(client, seq))
                k = digit
            }
            return ids
        }
    }


    private static func client(_ k: Int, plan: Plan, run: String, stopAt: ContinuousClock.Instant, sendTimes: SendTimes) async -> Report {
        var report = Report()
        func fail(_ message: String) -> Report {
            report.errors += 1
            if report.firstErrors.isEmpty { report.firstErrors.append("client \(k): \(message)") }
            return report
        }
        let token: String
        do {
            token = try await plan.credentials(k)
        } catch {
            return fail("no token: \(error)")
        }
        let docId = "\(plan.documentPrefix)\(k % max(1, plan.documents))"
        // The followers of a document are spread over the servers too: client k follows
        // document k mod D, through server (k div D) mod S.
        let server = (k / max(1, plan.documents)) % plan.urls.count
        let client = ProtocolClient(url: plan.urls[server], token: token)
        var inbox = client.messages.makeAsyncIterator()
        // Connect (the server says who the token is for: client ids are USER/…) and join.
        var joined = false
        var user = ""
        while let text = await inbox.next() {
            switch ServerMessage.kind(of: text) {
            case .authenticated:
                if case .authenticated(let name, _)? = try? ServerMessage.decode(text) { user = name }
                client.send(ClientMessage.join(docId: docId, since: nil, replica: nil).json)
            case .syncResponse:
                joined = true
            case .error:
                client.cancel()
                return fail(text)
            default:
                continue
            }
            if joined { break }
        }
        guard joined else { return fail("could not connect or join") }
        let clientId = "\(user)/\(run)-\(k)"
        report.connected = 1
        let typing = k < plan.typists
        let outstanding = Locked([Int: ContinuousClock.Instant]())
        let sender: Task<Int, Never>? =
            typing
            ? Task {
                let interval = Duration.seconds(1) / plan.rate
                var next = ContinuousClock.now + interval * Double.random(in: 0..<1)
                var seq = 0
                while next < stopAt {
                    try? await Task.sleep(until: next)
                    let id = OpId(clientId, seq)
                    let op = Op(
                        id: id, timestamp: Timestamp(wall: Int64(Date().timeIntervalSince1970 * 1000)),
                        payload: .textInsert(TextInsert(after: seq == 0 ? nil : OpId(clientId, seq - 1), before: nil, text: "x")))
                    let now = ContinuousClock.now
                    outstanding.withValue { $0[seq] = now }
                    sendTimes.record(id, now, server: server)
                    client.send(ClientMessage.ops(docId: docId, ops: [op]).json)
                    seq += 1
                    next += interval
                }
                return seq
            } : nil
        // Receive until the end (and a grace period for the last acknowledgements).
        let reader = Task { () -> Report in
            var received = Report()
            while let text = await inbox.next() {
                let now = ContinuousClock.now
                // Read by kind from the first bytes: with 50 typists a client reads 5,000
                // messages a second, and needs only the op ids in them.
                let kind = ServerMessage.kind(of: text)
                if kind == .ack {
                    // One op per batch: the ack names it.
                    guard let range = text.range(of: "\(clientId):"), let end = text[range.upperBound...].firstIndex(of: "\""),
                        let seq = Int(text[range.upperBound..<end]), let sent = outstanding.withValue({ $0.removeValue(forKey: seq) })
                    else { continue }
                    received.acknowledged += 1
                    received.ackMilliseconds.append((now - sent).inSeconds * 1000)
                } else if kind == .ops {
                    // Only the op ids are needed: found by their fixed prefix rather than
                    // by parsing every op (with 50 typists a client reads 5,000 ops/s).
                    for id in Self.opIds(in: text) {
                        guard let sent = sendTimes.time(of: id) else { continue }
                        let milliseconds = (now - sent.at).inSeconds * 1000
                        received.broadcastMilliseconds.append(milliseconds)
                        if sent.server != server { received.crossServerMilliseconds.append(milliseconds) }
                    }
                } else if kind == .error {
                    received.errors += 1
                    if received.firstErrors.isEmpty { received.firstErrors.append("client \(k): \(text)") }
                }
            }
            return received
        }
        let sent = await sender?.value ?? 0
        // Wait for the last acknowledgements, at most five seconds.
        let grace = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < max(stopAt, grace) {
            if ContinuousClock.now >= stopAt && outstanding.withValue({ $0.isEmpty }) { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        client.close()
        let received = await reader.value
        report.sent = sent
        report.acknowledged = received.acknowledged
        report.ackMilliseconds = received.ackMilliseconds
        report.broadcastMilliseconds = received.broadcastMilliseconds
        report.crossServerMilliseconds = received.crossServerMilliseconds
        report.errors += received.errors + (sent - received.acknowledged)
        report.firstErrors = received.firstErrors
        if sent > received.acknowledged && report.firstErrors.isEmpty {
            report.firstErrors.append("client \(k): \(sent - received.acknowledged) ops never acknowledged")
        }
        return report
    }
}
