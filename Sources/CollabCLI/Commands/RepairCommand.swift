import ArgumentParser
import CollabLog
import CollabStorage
import Foundation

struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Cut a torn tail off a .clog log, keeping the cut bytes in a side file.",
        discussion: """
            A torn tail is what an interrupted append leaves: a last record cut short or \
            failing its checksum, with nothing valid after it. repair copies those bytes to \
            LOG.torn-<UTC time> (synced), then truncates the log to its last good record \
            while holding the writer's lock. A clean log is left alone (exit 0). A corrupt \
            log is refused (exit 65): use `collab salvage`, which never modifies its input.

            Examples:
              collab verify doc.clog || collab repair doc.clog
            """
    )

    @OptionGroup var location: LogLocation

    func validate() throws {
        try location.requireFile("repair")
    }

    @Flag(help: "Print the outcome as one JSON object.")
    var json = false

    func run() throws {
        let outcome = try ClogRepair.repair(try location.path(for: "repair"), now: Date())
        if json {
            var writer = JSONWriter()
            switch outcome {
            case .clean(let records):
                writer.raw("{\"status\":\"clean\",\"records\":")
                writer.int(Int64(records))
            case .repaired(let records, let cutBytes, let sideFile):
                writer.raw("{\"status\":\"repaired\",\"records\":")
                writer.int(Int64(records))
                writer.raw(",\"cutBytes\":")
                writer.int(Int64(cutBytes))
                writer.raw(",\"sideFile\":")
                writer.string(sideFile)
            }
            writer.raw("}")
            return print(writer.text)
        }
        switch outcome {
        case .clean(let records):
            print("\(location.name): clean (\(records) records); nothing to repair")
        case .repaired(let records, let cutBytes, let sideFile):
            print("\(location.name): cut \(cutBytes) torn bytes after \(records) good records; they are kept in \(sideFile)")
        }
    }
}
