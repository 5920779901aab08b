import CollabCore
import CollabTestSupport
import Testing

@testable import CollabLog
@testable import CollabStorage

/// A disk that keeps what was synced and can lose, tear or reorder what was not, the
/// way a power cut does.
final class SimulatedDisk: LogFileIO {
    let path = "simulated.clog"
    var durable: [UInt8]
    var pending: [(offset: Int, bytes: [UInt8])] = []
    /// Set to make the next sync fail as if the power went out just before it finished.
    var cutPowerAtNextSync = false

    struct PowerCut: Error {}

    init(_ bytes: [UInt8]) { durable = bytes }

    var current: [UInt8] { Self.apply(pending, to: durable) }

    static func apply(_ writes: [(offset: Int, bytes: [UInt8])], to base: [UInt8]) -> [UInt8] {
        var result = base
        for write in writes {
            if result.count < write.offset + write.bytes.count {
                result += [UInt8](repeating: 0, count: write.offset + write.bytes.count - result.count)
            }
            result.replaceSubrange(write.offset..<(write.offset + write.bytes.count), with: write.bytes)
        }
        return result
    }

    func readAll() throws(LogError) -> [UInt8] { current }
    func inode() throws(LogError) -> UInt64 { 1 }
    func write(_ bytes: [UInt8], at offset: Int) throws(LogError) { pending.append((offset, bytes)) }
    func truncate(to length: Int) throws(LogError) {
        durable = Array(current.prefix(length))
        pending = []
    }
    func syncData() throws(LogError) {
        if cutPowerAtNextSync { throw .io(path: path, reason: "power cut") }
        durable = current
        pending = []
    }

    /// What the disk holds after the power went out now: unsynced writes dropped, torn
    /// at a random byte, or landed in random 512-byte sectors (reordered), holes zeroed.
    func afterPowerCut(_ random: inout some RandomNumberGenerator) -> [UInt8] {
        switch random.next() % 3 {
        case 0:
            return durable
        case 1:
            var landed: [(offset: Int, bytes: [UInt8])] = []
            for write in pending {
                let cut = Int(random.next() % UInt64(write.bytes.count + 1))
                landed.append((write.offset, Array(write.bytes.prefix(cut))))
                if cut < write.bytes.count { break }
            }
            return Self.apply(landed, to: durable)
        default:
            var sectors: [(offset: Int, bytes: [UInt8])] = []
            for write in pending {
                var start = 0
                while start < write.bytes.count {
                    let end = min(start + 512, write.bytes.count)
                    if random.next() % 2 == 0 { sectors.append((write.offset + start, Array(write.bytes[start..<end]))) }
                    start = end
                }
            }
            return Self.apply(sectors.shuffled(using: &random), to: durable)
        }
    }
}

@Suite("power loss")
struct PowerLossTests {
    /// Through `ClogLog.append` (a command: the appender opened for each append) and
    /// through one long-lived `ClogAppender` (the server's document host), which is the
    /// same append path kept open between appends.
    @Test(arguments: [(1, false), (2, false), (3, false), (4, true), (5, true), (6, true)])
    func appendsReportedDurableSurviveAnyPowerCut(seed: Int, longLived: Bool) throws {
        var random = SplitMix(seed: UInt64(seed))
        let disk = SimulatedDisk(ClogHeader(documentId: "doc").encoded())
        var document = Document()
        var acknowledged: [Op] = []
        var cuts = 0
        var appender = longLived ? try ClogAppender(opening: disk) : nil
        for step in 0..<250 {
            // A few edits, some long enough to span several sectors.
            let before = document.historyCount
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let length = document.length
                if length > 0 && random.next() % 4 == 0 {
                    let position = Int(random.next() % UInt64(length))
                    try document.delete(at: position, count: 1, by: "writer", timestamp: Timestamp(wall: Int64(step)))
                } else {
                    let text = String(repeating: "abcdefghij", count: 1 + Int(random.next() % 120))
                    try document.insert(text, at: Int(random.next() % UInt64(length + 1)), by: "writer", timestamp: Timestamp(wall: Int64(step)))
                }
            }
            let ops = document.history(from: before)
            document.coalescingFloor = document.historyCount
            disk.cutPowerAtNextSync = random.next() % 4 == 0
            do {
                if let appender {
                    try appender.append(ops, through: disk) { nil }
                } else {
                    try ClogLog.append(ops, through: disk)
                }
                acknowledged += ops
                continue
            } catch {
                #expect(disk.cutPowerAtNextSync, "an append failed without a power cut: \(error)")
            }
            // The power went out before the sync finished: reboot, look, repair.
            cuts += 1
            let image = disk.afterPowerCut(&random)
            let scan = ClogScanner.scan(image)
            switch scan.state {
            case .clean, .torn: break
            case .corrupt(let offset, let record, let reason):
                Issue.record("step \(step): a power cut left corruption at \(offset), record \(record): \(reason)")
                return
            }
            let survivors = try scan.records.flatMap { try OpBatchCodec.decode($0.payload) }
            #expect(Array(survivors.prefix(acknowledged.count)) == acknowledged, "step \(step): an acknowledged op is missing")
            // Repair: cut the torn tail; the writer restarts from what the log holds.
            disk.durable = Array(image.prefix(scan.validLength))
            disk.pending = []
            disk.cutPowerAtNextSync = false
            #expect(ClogScanner.scan(disk.durable).state == .clean)
            acknowledged = survivors
            document = try Document(ops: survivors)
            // The server reopens the log after a crash: a new writer's place at its end.
            if longLived { appender = try ClogAppender(opening: disk) }
        }
        #expect(cuts > 20)
        #expect(try ClogLog.ops(of: ClogScanner.scan(disk.durable), path: disk.path) == acknowledged)
    }
}
