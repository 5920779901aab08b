import CollabLog
import Foundation

/// Cutting a torn tail off a `.clog` log, keeping what was cut.
public enum ClogRepair {
    public enum Outcome: Equatable, Sendable {
        case clean(records: Int)
        case repaired(records: Int, cutBytes: Int, sideFile: String)
    }

    public static func repair(_ path: String, now: Date) throws(LogError) -> Outcome {
        try OpenLogFile.withWriterLock(path) { (file) throws(LogError) in
            let bytes = try file.readAll()
            guard ClogFormat.isClog(bytes) else {
                throw .badData(path: path, reason: "not a .clog log; repair works on .clog logs only")
            }
            let scan = ClogScanner.scan(bytes)
            switch scan.state {
            case .clean:
                return .clean(records: scan.records.count)
            case .corrupt(let offset, let record, let reason):
                throw .damaged(path: path, reason: "corrupt at byte \(offset), record \(record): \(reason); repair only cuts torn tails; `collab salvage \(path) -o NEW` recovers what verifies")
            case .torn:
                guard scan.documentId != nil else {
                    throw .damaged(path: path, reason: "the file header itself is incomplete; there is nothing to keep")
                }
            }
            // Never over an earlier side file: two repairs within a second get `.1`, `.2`, ….
            let sideFile = FileIO.unusedName(path + ".torn-" + stamp(now))
            try FileIO.createNew(sideFile, with: Array(bytes[scan.validLength...]))
            try file.truncate(to: scan.validLength)
            try file.syncData()
            return .repaired(records: scan.records.count, cutBytes: bytes.count - scan.validLength, sideFile: sideFile)
        }
    }

    /// `20261122T225501Z`: sorts by time, safe in file names.
    static func stamp(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
            parts.tm_min, parts.tm_sec)
    }
}
