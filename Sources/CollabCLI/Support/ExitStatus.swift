import CollabCore
import CollabLog

/// The exit-code contract (sysexits), documented by `collab help exit-codes`.
package enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case differences = 1
    case usage = 64
    case badData = 65
    case missingInput = 66
    case unavailable = 69
    case cannotCreate = 73
    case ioError = 74
    case temporarilyRefused = 75
    case permissionDenied = 77

    package var meaning: String {
        switch self {
        case .success: "success"
        case .differences: "differences found, or repairable damage (where a command says so)"
        case .usage: "usage error: bad arguments, options or positions"
        case .badData: "bad data: malformed input, a refused op, a corrupt log"
        case .missingInput: "an input file does not exist"
        case .unavailable: "a server could not be reached or closed the connection, or could not listen (its port is in use)"
        case .cannotCreate: "an output cannot be created (or exists and would be overwritten)"
        case .ioError: "an I/O error while reading or writing"
        case .temporarilyRefused: "temporarily refused, e.g. the log is locked by another writer"
        case .permissionDenied: "permission denied"
        }
    }
}

/// An error that ends a command with a chosen status and message.
struct CommandFailure: Error {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: LogError) {
        switch error {
        case .missingInput: status = .missingInput
        case .cannotCreate: status = .cannotCreate
        case .io: status = .ioError
        case .badLine, .badData, .badOp, .damaged: status = .badData
        case .locked, .changed: status = .temporarilyRefused
        }
        message = error.description
    }

    init(_ error: EngineError) {
        switch error {
        case .positionOutOfRange, .rangeOutOfRange, .invalidEdit: status = .usage
        default: status = .badData
        }
        message = error.description
    }
}
