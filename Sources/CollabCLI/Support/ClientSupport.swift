import Foundation

/// The token a client command uses: `--token`, else `--token-file`, else `$COLLAB_TOKEN`.
func clientToken(_ token: String?, file: String?) throws -> String {
    if let token { return token }
    if let file {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw CommandFailure(.missingInput, "\(file): cannot read the token file")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    if let token = ProcessInfo.processInfo.environment["COLLAB_TOKEN"], !token.isEmpty { return token }
    throw CommandFailure(.usage, "give a token: --token T, --token-file F, or COLLAB_TOKEN")
}

/// The exit status for a server's error code (docs/protocol.md).
func exitStatus(forServerCode code: String) -> ExitStatus {
    switch code {
    case "forbidden", "unauthenticated", "token_expired", "revoked": .permissionDenied
    case "invalid_op", "bad_message": .badData
    default: .unavailable
    }
}
