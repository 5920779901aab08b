import CollabAccess
import CollabCore
import CollabStorage
import CollabTestSupport
import Foundation
import Testing

@testable import CollabServer

/// The access API of the share dialog (docs/protocol.md): owners change access under the
/// rules of `collab grant`, `revoke` and `share`; others are refused; what is made is in
/// the store's access log, and a share's password hash never leaves it.
@Suite("access API", .serialized)
struct AccessAPITests {
    @Test func ownersGrantRevokeAndShareUnderTheCommandsRules() async throws {
        try await ServerHarness.run { server in
            try WebPageTests.documents(server)
            let alice = try await server.token("alice")
            let (status, _, access) = try await WebPageTests.fetch(server, "/api/v2/access/notes", token: alice)
            #expect(status == 200 && access.contains(#"{"subject":"bob","level":"editor","from":"notes""#), "\(access)")
            // Only owners see or change access.
            let bob = try await server.token("bob")
            #expect(try await WebPageTests.fetch(server, "/api/v2/access/notes", token: bob).0 == 403)
            #expect(try await WebPageTests.fetch(server, "/api/v2/grants/notes", token: bob, posting: #"{"user":"bob","level":"owner"}"#).0 == 403)
            // A grant, with an expiry; a bad level or expiry is a bad request.
            let granted = try await WebPageTests.fetch(server, "/api/v2/grants/notes", token: alice, posting: #"{"user":"dan","level":"commenter","expires":"2w"}"#)
            #expect(granted.0 == 200 && granted.2.contains(#""subject":"dan","level":"commenter""#), "\(granted.2)")
            #expect(try await WebPageTests.fetch(server, "/api/v2/grants/notes", token: alice, posting: #"{"user":"dan","level":"boss"}"#).0 == 400)
            #expect(try await WebPageTests.fetch(server, "/api/v2/grants/notes", token: alice, posting: #"{"user":"dan","level":"viewer","expires":"yesterday"}"#).0 == 400)
            // The rules hold: the last owner stays.
            let demoted = try await WebPageTests.fetch(server, "/api/v2/grants/notes", token: alice, posting: #"{"user":"alice","level":"viewer"}"#)
            #expect(demoted.0 == 403 && demoted.2.contains("without an owner"), "\(demoted.2)")
            // A link share with a password: its token, and the hash kept in the store.
            let shared = try await WebPageTests.fetch(server, "/api/v2/shares/notes", token: alice, posting: #"{"level":"viewer","password":"pw"}"#)
            #expect(shared.0 == 201 && shared.2.contains(#""passwordHash":"(set)""#) && shared.2.contains(#""token":""#), "\(shared.2)")
            let after = try await WebPageTests.fetch(server, "/api/v2/access/notes", token: alice).2
            #expect(!after.contains("scrypt") && after.contains(#""type":"share""#), "\(after)")
            let policy = try AccessLog.policy(in: DocumentStore(server.store))
            let share = try #require(policy.shares.values.first)
            #expect(share.passwordHash?.contains("scrypt") == true && policy.accessList(of: "notes", at: Session.now).contains { $0.subject == "dan" })
            // The share's token reads the document only with its password.
            let token = try #require(shared.2.split(separator: "\"token\":\"").last?.split(separator: "\"").first.map(String.init))
            let without = try await WebPageTests.fetch(server, "/api/v2/documents/notes", token: token)
            #expect(without.0 == 403 && without.2.contains("needs its password"), "\(without.2)")
            // Revoking: the share, dan's grant; a grant that is not on the document itself is not found.
            let id = try #require(share.share)
            #expect(try await WebPageTests.fetch(server, "/api/v2/shares/notes?id=\(id)", token: alice, method: "DELETE").0 == 200)
            #expect(try await WebPageTests.fetch(server, "/api/v2/grants/notes?user=dan", token: alice, method: "DELETE").0 == 200)
            #expect(try await WebPageTests.fetch(server, "/api/v2/grants/notes?user=dan", token: alice, method: "DELETE").0 == 404)
            let trail = try AccessLog.policy(in: DocumentStore(server.store)).audit(of: "notes").map(\.kind)
            #expect(trail.suffix(4) == [.grant, .share, .unshare, .revoke])
        }
    }
}
