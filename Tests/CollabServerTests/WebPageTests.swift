import CollabAccess
import CollabCore
import CollabLog
import CollabStorage
import CollabTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import CollabServer

/// The pages `collab serve` gives a browser and the API they read (docs/web.md): over
/// HTTP, then in headless Chromium.
@Suite("web pages", .serialized)
struct WebPageTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A request of the server (a GET, a POST of `body`, or `method`): its status, headers and body.
    static func fetch(
        _ server: ServerHarness, _ path: String, token: String? = nil, posting body: String? = nil, method: String? = nil
    ) async throws -> (Int, [String: String], String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)\(path)")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
        }
        if let method { request.httpMethod = method }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
        return (http.statusCode, headers, String(decoding: data, as: UTF8.self))
    }

    /// Adds the harness's `notes` (alice owns, vic views), whose text looks like markup,
    /// and `secret/plans`, which only bob may read.
    static func documents(_ server: ServerHarness) throws {
        let store = DocumentStore(server.store)
        let notes = Document()
        try notes.insert(#"Hello <b>world</b> & "friends""#, at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        try store.append(notes.history, to: "notes", expectingRecords: nil)
        let plans = Document()
        try plans.insert("top secret", at: 0, by: "bob", timestamp: Timestamp(wall: 1))
        try store.append(plans.history, to: "secret/plans", expectingRecords: nil)
        try AccessLog.record(AccessEvent(kind: .grant, target: "secret/", subject: "bob", level: .owner, by: "bob", at: 20), in: store, at: 30)
        // samples/rich.jsonl: blocks, marks, comments and a moved block.
        let rich = try String(contentsOf: repository.appendingPathComponent("samples/rich.jsonl"), encoding: .utf8)
        try store.append(rich.split(separator: "\n").map { try OpJSON.decode(line: Array($0.utf8)) }, to: "rich", expectingRecords: nil)
        try AccessLog.record(AccessEvent(kind: .grant, target: "rich", subject: "alice", level: .owner, by: "alice", at: 40), in: store, at: 50)
        // `old`, whose first edit was compacted away: a page cannot follow it yet.
        let old = Document()
        try old.insert("Compacted notes", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        let cutoff = old.version
        try old.insert(", and more", at: old.length, by: "alice", timestamp: Timestamp(wall: 2))
        try store.append(old.history, to: "old", expectingRecords: nil)
        let compacted = try LogCompaction.compact(try #require(try store.log("old")), before: cutoff, documentId: "old", dropTags: false)
        try FileIO.replace(try store.path(for: "old"), with: compacted.bytes)
        try AccessLog.record(AccessEvent(kind: .grant, target: "old", subject: "alice", level: .owner, by: "alice", at: 60), in: store, at: 70)
    }

    @Test func everyPageAndAssetCarriesTheSecurityHeaders() async throws {
        try await ServerHarness.run { server in
            for path in ["/", "/d/notes", "/d/team/specs/roadmap", "/assets/app.js", "/assets/app.css"] {
                let (status, headers, body) = try await Self.fetch(server, path)
                #expect(status == 200, "\(path)")
                #expect(headers["content-security-policy"] == WebPages.contentSecurityPolicy, "\(path)")
                #expect(headers["x-content-type-options"] == "nosniff" && headers["referrer-policy"] == "no-referrer", "\(path)")
                #expect(!body.isEmpty)
            }
            // The policy allows no inline script and nothing from elsewhere.
            #expect(WebPages.contentSecurityPolicy.contains("script-src 'self';") && !WebPages.contentSecurityPolicy.contains("unsafe"))
            #expect(try await Self.fetch(server, "/assets/index.html").0 == 404)
            #expect(try await Self.fetch(server, "/assets/nothing.js").0 == 404)
            // The page has no inline script for the policy to block.
            let page = try await Self.fetch(server, "/").2
            #expect(page.contains(#"<script type="module" src="/assets/app.js"></script>"#))
            #expect(!page.contains("<script>") && !page.contains("onclick"))
        }
    }

    /// The list, with the folders where the token may make new documents.
    @Test func theDocumentListHoldsWhatTheTokenMayReadWithItsLevel() async throws {
        try await ServerHarness.run { server in
            try Self.documents(server)
            let (status, _, alice) = try await Self.fetch(server, "/api/v2/documents", token: try await server.token("alice"))
            #expect(status == 200)
            #expect(alice == #"{"user":"alice","documents":[{"id":"notes","level":"owner"},{"id":"old","level":"owner"},{"id":"rich","level":"owner"}],"folders":[]}"#)
            let bob = try await Self.fetch(server, "/api/v2/documents", token: try await server.token("bob")).2
            #expect(bob == #"{"user":"bob","documents":[{"id":"notes","level":"editor"},{"id":"secret/plans","level":"owner"}],"folders":["secret/"]}"#)
            let vic = try await Self.fetch(server, "/api/v2/documents", token: try await server.token("vic")).2
            #expect(vic == #"{"user":"vic","documents":[{"id":"notes","level":"viewer"}],"folders":[]}"#)
            // A token limited to one document lists only it.
            let scoped = try await Self.fetch(server, "/api/v2/documents", token: try await server.token("bob", document: "secret/plans")).2
            #expect(scoped == #"{"user":"bob","documents":[{"id":"secret/plans","level":"owner"}],"folders":[]}"#)
            let nobody = try await Self.fetch(server, "/api/v2/documents", token: try await server.token("mallory")).2
            #expect(nobody == #"{"user":"mallory","documents":[],"folders":[]}"#)
            #expect(try await Self.fetch(server, "/api/v2/documents").0 == 401)
            #expect(try await Self.fetch(server, "/api/v2/documents", token: "not-a-token").0 == 401)
            // A document not made yet opens, empty, to whoever may write it; to others, 404 or 403.
            let new = try await Self.fetch(server, "/api/v2/documents/secret/new%20plan", token: try await server.token("bob"))
            #expect(new.0 == 200 && new.2.contains(#""exists":false"#), "\(new.2)")
            // The editor's question: the access only, no rendering.
            let access = try await Self.fetch(server, "/api/v2/documents/notes?html=false", token: try await server.token("vic")).2
            #expect(access == #"{"id":"notes","user":"vic","level":"viewer","exists":true}"#, "\(access)")
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try AccessLog.record(AccessEvent(kind: .grant, target: "secret/", subject: "vic", level: .viewer, by: "bob", at: now), in: DocumentStore(server.store), at: now)
            #expect(try await Self.fetch(server, "/api/v2/documents/secret/new%20plan", token: try await server.token("vic")).0 == 404)
            #expect(try await Self.fetch(server, "/api/v2/documents/secret/new%20plan", token: try await server.token("alice")).0 == 403)
        }
    }

    @Test func aDocumentIsServedRenderedAndEscapedOnlyToItsReaders() async throws {
        try await ServerHarness.run { server in
            try Self.documents(server)
            let (status, _, body) = try await Self.fetch(server, "/api/v2/documents/notes", token: try await server.token("vic"))
            #expect(status == 200)
            #expect(body.contains(#""level":"viewer""#))
            #expect(body.contains(#""html":"<p>Hello &lt;b&gt;world&lt;/b&gt; &amp; &quot;friends&quot;</p>\n""#), "\(body)")
            let nested = try await Self.fetch(server, "/api/v2/documents/secret/plans", token: try await server.token("bob"))
            #expect(nested.0 == 200 && nested.2.contains("top secret"))
            // No access: the reason, and nothing of the document; whether it exists is not told.
            let refused = try await Self.fetch(server, "/api/v2/documents/secret/plans", token: try await server.token("alice"))
            #expect(refused.0 == 403 && !refused.2.contains("top secret"))
            #expect(try await Self.fetch(server, "/api/v2/documents/secret/none", token: try await server.token("alice")).0 == 403)
            // To bob, who owns the folder, it is a document not made yet (`exists` false).
            #expect(try await Self.fetch(server, "/api/v2/documents/secret/none", token: try await server.token("bob")).2.contains(#""exists":false"#))
            // An id the page percent-encodes, segment by segment.
            let spaced = Document()
            try spaced.insert("spaced out", at: 0, by: "bob", timestamp: Timestamp(wall: 1))
            try DocumentStore(server.store).append(spaced.history, to: "secret/my notés", expectingRecords: nil)
            let encoded = try await Self.fetch(server, "/api/v2/documents/secret/my%20not%C3%A9s", token: try await server.token("bob"))
            #expect(encoded.0 == 200 && encoded.2.contains(#""id":"secret/my notés""#) && encoded.2.contains("spaced out"), "\(encoded)")
            // Percent-encoding that decodes to nothing (sent raw: URLSession would fix it).
            let bob = try await server.token("bob")
            let bad = try await RawWebSocket.exchange(
                port: server.port,
                Array("GET /api/v2/documents/secret/bad%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(bob)\r\nConnection: close\r\n\r\n".utf8))
            #expect(bad.head.hasPrefix("HTTP/1.1 400"), "\(bad.head)")
        }
    }

    /// The committed `WebAssets.swift` is what scripts/embed-web makes of web/ now.
    @Test func theEmbeddedAssetsAreTheFilesOfWeb() throws {
        let (status, generated) = try runProgram(["python3", Self.repository.appendingPathComponent("scripts/embed-web").path, "--stdout"])
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("Sources/CollabServer/WebAssets.swift"), encoding: .utf8)
        #expect(status == 0)
        #expect(generated == committed, "run scripts/embed-web")
        // The page asks for every module at once (modulepreload), so none is left out.
        let page = try #require(WebAssets.files["index.html"]).body
        for name in WebAssets.files.keys where name.hasSuffix(".js") && name != "app.js" {
            #expect(page.contains(#"<link rel="modulepreload" href="/assets/\#(name)">"#), "index.html preloads \(name)")
        }
    }

    /// Tests/Browser/pages.py in headless Chromium: sign in from a link, the list, a
    /// document, a reload, a refusal, signing out; two editors, a commenter and a viewer on
    /// one document: convergence, remote carets and who is here, formatting by keyboard,
    /// a comment round trip; a tag, a version viewed, a diff and a restore; the share
    /// dialog, and a password-protected link share opened in a fresh browser; the rich
    /// sample in the editor. Screenshots in
    /// .build/browser-screenshots.
    @Test func thePagesWorkInABrowser() async throws {
        try await ServerHarness.run { server in
            try Self.documents(server)
            let shots = Self.repository.appendingPathComponent(".build/browser-screenshots/pages").path
            try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
            var arguments = ["python3", Self.repository.appendingPathComponent("Tests/Browser/pages.py").path, "http://127.0.0.1:\(server.port)", shots]
            for user in ["alice", "bob", "carol", "vic", "mallory"] { arguments.append("\(user)=\(try await server.token(user))") }
            let (status, printed) = try await RawWebSocket.offThePool { [arguments] in try runProgram(arguments) }
            #expect(status == 0, "\(printed)")
            for line in ["the document shows its text as written", "a remote caret shows with its user's name", "the server holds the formatting", "the server holds the comment", "rich text opens in the editor", "a restore brings every page back to the version", "the link opens the document at the share's level", "revoking the link ends its session"] {
                #expect(printed.contains("ok   \(line)"), "\(printed)")
            }
        }
    }
}
