import CollabCore
import CollabLog
import CollabStorage
import CollabTestSupport
import Foundation
import Testing

@testable import CollabServer

/// The history API of the pages (docs/protocol.md): versions, a version, a diff, a tag
/// and a restore, over HTTP, with the same authorization rule as every other client.
@Suite("history API", .serialized)
struct HistoryAPITests {
    /// `notes` with two versions: "Hello" (tagged `first` by the CLI's path) and "Hello
    /// world".
    static func history(_ server: ServerHarness) throws {
        try WebPageTests.documents(server)
        let store = DocumentStore(server.store)
        let log = try #require(try store.log("notes"))
        try log.appendTag(VersionTag(name: "first", version: log.ops.reduce(into: VersionVector()) { $0[$1.id.client] = $1.endSeq }, author: "alice", time: 5))
        let document = try #require(try store.document("notes"))
        try store.append([try #require(document.op(from: try document.insert(" again", at: document.length, by: "alice", timestamp: Timestamp(wall: 9))))], to: "notes", expectingRecords: nil)
    }

    @Test func versionsADiffAndAVersionAreReadAsTheCommandsReadThem() async throws {
        try await ServerHarness.run { server in
            try Self.history(server)
            let vic = try await server.token("vic")
            let (status, _, versions) = try await WebPageTests.fetch(server, "/api/v2/history/notes", token: vic)
            #expect(status == 200)
            #expect(versions.contains(#""kind":"tag","name":"first","at":"@1""#), "\(versions)")
            #expect(versions.contains(#""head":{"alice":"#))
            let at = try await WebPageTests.fetch(server, "/api/v2/history/notes?at=first", token: vic).2
            #expect(at.contains(#""html":"<p>Hello &lt;b&gt;world&lt;/b&gt; &amp; &quot;friends&quot;</p>\n""#), "\(at)")
            let diff = try await WebPageTests.fetch(server, "/api/v2/history/notes?from=first", token: vic).2
            #expect(diff.contains(#""changed":true"#) && diff.contains(#"<ins data-author=\"alice\""#) && diff.contains(" again</ins>"), "\(diff)")
            #expect(!diff.contains("style="), "the pages' policy forbids inline styles")
            // A version that is not there, a diff the wrong way round.
            let missing = try await WebPageTests.fetch(server, "/api/v2/history/notes?at=nope", token: vic)
            #expect(missing.0 == 400 && missing.2.contains("bad_version") && missing.2.contains("no version named"))
            #expect(try await WebPageTests.fetch(server, "/api/v2/history/notes?from=head&to=first", token: vic).0 == 400)
            // Only readers; 404 only to them.
            #expect(try await WebPageTests.fetch(server, "/api/v2/history/notes", token: try await server.token("mallory")).0 == 403)
            #expect(try await WebPageTests.fetch(server, "/api/v2/history/secret/none", token: try await server.token("bob")).0 == 404)
        }
    }

    @Test func editorsTagAndRestoreThroughTheServerAndFollowersHearTheRestore() async throws {
        try await ServerHarness.run { server in
            try Self.history(server)
            let bob = try await server.token("bob")
            let (created, _, tag) = try await WebPageTests.fetch(server, "/api/v2/tags/notes", token: bob, posting: #"{"name":"second","message":"with again"}"#)
            #expect(created == 201 && tag.contains(#""name":"second""#) && tag.contains(#""author":"bob""#), "\(tag)")
            let again = try await WebPageTests.fetch(server, "/api/v2/tags/notes", token: bob, posting: #"{"name":"second"}"#)
            #expect(again.0 == 409, "\(again.2)")
            // A viewer may do neither.
            let vic = try await server.token("vic")
            #expect(try await WebPageTests.fetch(server, "/api/v2/tags/notes", token: vic, posting: #"{"name":"third"}"#).0 == 403)
            #expect(try await WebPageTests.fetch(server, "/api/v2/restore/notes", token: vic, posting: #"{"at":"first"}"#).0 == 403)
            // A follower on the WebSocket hears the restore's ops.
            let follower = try await server.connect("alice")
            follower.send(#"{"type":"join","docId":"notes"}"#)
            _ = try await follower.next { $0.contains(#""type":"sync_response""#) && $0.contains(#""last":true"#) }
            let (restored, _, ack) = try await WebPageTests.fetch(server, "/api/v2/restore/notes", token: bob, posting: #"{"at":"first"}"#)
            #expect(restored == 200 && ack.contains(#""ack":["bob/restore:0""#), "\(ack)")
            let heard = try await follower.next { $0.contains(#""type":"ops""#) }
            #expect(heard.contains(#""clientId":"bob/restore""#))
            let head = try await WebPageTests.fetch(server, "/api/v2/documents/notes", token: vic).2
            #expect(head.contains("friends&quot;</p>") && !head.contains("again"), "\(head)")
            // The log holds the tag and the restore, read as the commands read it.
            let log = try #require(try DocumentStore(server.store).log("notes"))
            #expect(log.tags.map(\.name) == ["first", "second"])
            #expect(try log.document().text == #"Hello <b>world</b> & "friends""#)
        }
    }
}
