import ArgumentParser
import CollabLog
import CollabStorage

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Append a checkpoint of a .clog log's state, so it opens without replaying its history.",
        discussion: """
            The checkpoint is a copy of the document's whole state at the end of \
            the log (docs/format.md), appended under the writer's lock and synced. Opening \
            the log restores the last checkpoint and replays only the ops after it. The ops \
            themselves stay in the log: export, log and versions are unchanged.

            Examples:
              collab checkpoint doc.clog
              collab checkpoint --store collab-data notes/2026
            """
    )

    @OptionGroup var location: LogLocation

    @Flag(help: "Print the outcome as one JSON object.")
    var json = false

    func validate() throws {
        try location.requireFile("checkpoint")
    }

    func run() throws {
        let (records, bytes) = try append()
        if json { return print("{\"record\":\(records - 1),\"bytes\":\(bytes)}") }
        print("\(location.name): checkpoint of \(bytes) bytes appended as record \(records - 1)")
    }

    /// Appends the checkpoint: to a file under its lock, to a store's document if it has
    /// not changed since it was read. The log's records after it, and the record's bytes.
    private func append() throws -> (records: Int, bytes: Int) {
        guard let store = try location.openedStore() else { return try ClogLog.appendCheckpoint(to: location.log) }
        return try retryingWhenTheLogChanges {
            let log = try location.load()
            let records = log.recordCount ?? 0
            let payload = CheckpointCodec.encode(try log.document().snapshot())
            try store.append(StoredRecord(.checkpoint, payload), to: location.log, expectingRecords: records)
            return (records + 1, ClogRecord.frame(type: .checkpoint, number: UInt64(records), payload: payload).count)
        }
    }
}
