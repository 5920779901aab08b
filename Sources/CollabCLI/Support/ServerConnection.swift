import ArgumentParser

/// What `collab sync` and `collab watch` need to reach a document on a server.
struct ServerConnection: ParsableArguments {
    @Argument(help: "The server's WebSocket URL (ws://HOST:PORT/ws).")
    var url: String

    @Option(help: "The document's id on the server.")
    var doc: String

    @Option(help: "The token (or --token-file, or COLLAB_TOKEN).")
    var token: String?

    @Option(help: "A file holding the token.")
    var tokenFile: String?

    /// `--token`, else `--token-file`, else `$COLLAB_TOKEN`.
    func resolvedToken() throws -> String {
        try clientToken(token, file: tokenFile)
    }
}
