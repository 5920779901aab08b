import Foundation
import Testing

/// Access from the shell: grants, checks, offline enforcement, the audit trail.
@Suite("access")
struct AccessCommandTests {
    /// A store where alice owns team/, bob edits team/doc, carol comments on it, dan views.
    static func store() throws -> URL {
        let dir = try CLI.scratch()
        for arguments in [
            ["grant", "team/", "alice", "owner", "--as", "alice"], ["grant", "team/doc", "bob", "editor", "--as", "alice"],
            ["grant", "team/doc", "carol", "commenter", "--as", "alice"], ["grant", "team/", "dan", "viewer", "--as", "alice"],
        ] {
            let result = try CLI.run(arguments, in: dir)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        #expect(try CLI.run(["edit", "--store", "collab-data", "team/doc", "--client", "bob", "--as", "bob", "insert", "0", "Hello"], in: dir).status == 0)
        return dir
    }

    @Test func checksSayAllowedOrDeniedWithTheReason() throws {
        let dir = try Self.store()
        let allowed = try CLI.run(["access", "check", "team/doc", "carol", "comment_add"], in: dir)
        #expect(allowed.status == 0 && allowed.stdout.contains("carol is commenter of team/doc"))
        let denied = try CLI.run(["access", "check", "team/doc", "carol", "text_insert"], in: dir)
        #expect(denied.status == 77 && denied.stderr.contains("text_insert needs editor"), "\(denied.stderr)")
        #expect(try CLI.run(["access", "check", "team/doc", "dan", "read"], in: dir).status == 0)
        #expect(try CLI.run(["access", "check", "team/doc", "eve", "read"], in: dir).status == 77)
        let list = try CLI.run(["access", "team/doc", "--json"], in: dir).stdout
        #expect(list.split(separator: "\n").contains { $0.hasPrefix(#"{"subject":"dan","level":"viewer","from":"team/""#) }, "\(list)")
        let checked = try CLI.run(["access", "check", "team/doc", "carol", "text_insert", "--json"], in: dir)
        #expect(checked.status == 77)
        #expect(checked.stdout.hasPrefix(#"{"target":"team/doc","user":"carol","action":"text_insert","allowed":false,"reason":"#), "\(checked)")
        let allowedCheck = try CLI.run(["access", "check", "team/doc", "dan", "read", "--json"], in: dir)
        #expect(allowedCheck.status == 0 && allowedCheck.stdout.contains(#""allowed":true"#))
    }

    @Test func offlineEditsAreCheckedAndARefusedBatchWritesNothing() throws {
        let dir = try Self.store()
        let log = { try CLI.run(["log", "--store", "collab-data", "team/doc", "--json"], in: dir).stdout }
        let before = try log()
        // A viewer sends nothing; a commenter comments but does not edit; a client that is
        // not the user's is refused; a batch with one forbidden op is refused whole.
        let viewer = try CLI.run(["edit", "--store", "collab-data", "team/doc", "--client", "dan", "--as", "dan", "comment", "0", "5", "hm"], in: dir)
        #expect(viewer.status == 77 && viewer.stderr.contains("comment_add needs commenter"), "\(viewer.stderr)")
        let mixed = try CLI.run(["edit", "--store", "collab-data", "team/doc", "--client", "carol", "--as", "carol", "comment", "0", "5", "hm", "--then", "insert", "0", "x"], in: dir)
        #expect(mixed.status == 77 && mixed.stderr.contains("text_insert needs editor"), "\(mixed.stderr)")
        let forged = try CLI.run(["edit", "--store", "collab-data", "team/doc", "--client", "bob", "--as", "carol", "comment", "0", "5", "hm"], in: dir)
        #expect(forged.status == 77 && forged.stderr.contains("not one of carol's"), "\(forged.stderr)")
        #expect(try log() == before)
        let comment = try CLI.run(["edit", "--store", "collab-data", "team/doc", "--client", "carol/phone", "--as", "carol", "comment", "0", "5", "hm"], in: dir)
        #expect(comment.status == 0, "\(comment.stderr)")
        // apply --as checks the same way.
        try dir.write("ops.jsonl", try CLI.run(["export", "--store", "collab-data", "team/doc"], in: dir).stdout)
        let replay = try CLI.run(["apply", "--store", "collab-data", "team/doc", "ops.jsonl", "--as", "dan"], in: dir)
        #expect(replay.status == 77 && replay.stderr.contains("not one of dan's"), "\(replay.stderr)")
    }

    @Test func onlyOwnersChangeAccessAndTheLastOwnerStays() throws {
        let dir = try Self.store()
        let byEditor = try CLI.run(["grant", "team/doc", "eve", "viewer", "--as", "bob"], in: dir)
        #expect(byEditor.status == 77 && byEditor.stderr.contains("only an owner changes access"), "\(byEditor.stderr)")
        let last = try CLI.run(["grant", "team/", "alice", "editor", "--as", "alice"], in: dir)
        #expect(last.status == 77 && last.stderr.contains("without an owner"))
        #expect(try CLI.run(["transfer", "team/", "--to", "bob", "--as", "alice"], in: dir).status == 64)
        #expect(try CLI.run(["transfer", "team/", "--to", "bob", "--as", "alice", "--yes"], in: dir).status == 0)
        #expect(try CLI.run(["access", "check", "team/x", "alice", "grant"], in: dir).status == 77)
        #expect(try CLI.run(["access", "check", "team/x", "bob", "grant"], in: dir).status == 0)
        // On team/doc bob has his own editor grant, which overrides the folder's owner.
        #expect(try CLI.run(["grant", "team/doc", "eve", "viewer", "--as", "bob"], in: dir).status == 77)
        let expiring = try CLI.run(["grant", "team/notes", "eve", "viewer", "--as", "bob", "--expires", "2h"], in: dir)
        #expect(expiring.status == 0 && expiring.stdout.contains("until "))
    }

    @Test func theAuditTrailSurvivesExportAndImportInOrder() throws {
        let dir = try Self.store()
        #expect(try CLI.run(["revoke", "team/doc", "carol", "--as", "alice"], in: dir).status == 0)
        let audit = try CLI.run(["audit", "team/doc", "--json"], in: dir).stdout
        #expect(audit.split(separator: "\n").count == 5 && audit.split(separator: "\n").allSatisfy { $0.hasPrefix(#"{"type":"#) }, "\(audit)")
        let exported = try CLI.run(["export", "--store", "collab-data"], in: dir)
        try dir.write("store.jsonl", exported.stdout)
        #expect(try CLI.run(["import", "--format", "jsonl", "store.jsonl", "--store", "copy"], in: dir).status == 0)
        #expect(try CLI.run(["audit", "team/doc", "--json", "--store", "copy"], in: dir).stdout == audit)
        #expect(try CLI.run(["materialize", "--store", "copy", "team/doc"], in: dir).stdout == "Hello")
    }

    @Test(arguments: ["../escape", "/etc/passwd", "a/./b", "x%2e%2e", "nul\u{1}", String(repeating: "d", count: 1100)])
    func idsThatTryToEscapeTheStoreAreRefusedBeforeAnyFileIsTouched(id: String) throws {
        let dir = try CLI.scratch()
        let result = try CLI.run(["grant", id, "alice", "owner", "--as", "alice"], in: dir)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("collab-data").path))
    }
}
