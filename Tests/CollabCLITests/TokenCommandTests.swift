import CollabAccess
import CollabLog
import CollabStorage
import Foundation
import Testing

/// Signing keys, tokens and link shares from the shell.
@Suite("tokens and shares")
struct TokenCommandTests {
    static func keyed() throws -> (URL, String) {
        let dir = try CLI.scratch()
        #expect(try CLI.run(["keygen", "-o", "k"], in: dir).status == 0)
        let token = try CLI.run(["token", "issue", "--user", "alice", "--key-file", "k"], in: dir).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (dir, token)
    }

    /// A token with one base64url part rewritten by `change`.
    static func rewrite(_ token: String, part: Int, _ change: (inout [String: Any]) -> Void) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var text = parts[part].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        var object = (try? JSONSerialization.jsonObject(with: Data(base64Encoded: text)!)) as? [String: Any] ?? [:]
        change(&object)
        let data = try! JSONSerialization.data(withJSONObject: object)
        parts[part] = data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return parts.joined(separator: ".")
    }

    @Test func aGoodTokenVerifiesAndEveryBadOneIsRefusedWithWhy() async throws {
        let (dir, token) = try Self.keyed()
        let good = try CLI.run(["token", "verify", token, "--key-file", "k"], in: dir)
        #expect(good.status == 0 && good.stdout.contains(#""user":"alice""#), "\(good.stderr)")
        let key = try String(contentsOf: dir.file("k"), encoding: .utf8)
        #expect(try FileManager.default.attributesOfItem(atPath: dir.file("k").path)[.posixPermissions] as? Int == 0o600)
        #expect(key.trimmingCharacters(in: .whitespacesAndNewlines).count >= 44)  // 32 bytes, base64
        #expect(try CLI.run(["keygen", "-o", "k"], in: dir).status == 73)  // never overwritten
        #expect(try CLI.run(["keygen", "-o", "other"], in: dir).status == 0)
        let cases: [(String, [String], String)] = [
            ("tampered", [Self.rewrite(token, part: 1) { $0["sub"] = "mallory" }, "--key-file", "k"], "signature does not match"),
            ("another key", [token, "--key-file", "other"], "signature does not match"),
            ("alg none", [Self.rewrite(token, part: 0) { $0["alg"] = "none" }, "--key-file", "k"], "not HS256"),
            ("alg HS512", [Self.rewrite(token, part: 0) { $0["alg"] = "HS512" }, "--key-file", "k"], "not HS256"),
            ("garbage", ["not.a-token", "--key-file", "k"], "not a token"),
        ]
        for (name, arguments, message) in cases {
            let result = try CLI.run(["token", "verify"] + arguments, in: dir)
            #expect(result.status == 77 && result.stderr.contains(message), "\(name): \(result.stderr)")
        }
        // Another store's audience.
        #expect(try CLI.run(["token", "issue", "--user", "x", "--key-file", "k", "--store", "elsewhere"], in: dir).status == 0)
        let foreign = try CLI.run(["token", "verify", token, "--key-file", "k", "--store", "elsewhere"], in: dir)
        #expect(foreign.status == 77 && foreign.stderr.contains("not this store"), "\(foreign.stderr)")
        // Expired: signed with the store's key and audience a second ago (no waiting for one to run out).
        let audience = try StoreIdentity.audience(of: DocumentStore(dir.file("collab-data").path), creating: false)
        let brief = try await AccessToken(user: "bob", expiresAt: Int64(Date().timeIntervalSince1970 * 1000) - 1_000, audience: audience)
            .signed(with: SigningKey.load(dir.file("k").path))
        let expired = try CLI.run(["token", "verify", brief, "--key-file", "k"], in: dir)
        #expect(expired.status == 77 && expired.stderr.contains("expired"), "\(expired.stderr)")
    }

    @Test func shortOrReadableKeysAreRefused() throws {
        let (dir, token) = try Self.keyed()
        try dir.write("short", Data((0..<16).map { UInt8($0) }).base64EncodedString() + "\n")
        chmod(dir.file("short").path, 0o600)
        let short = try CLI.run(["token", "verify", token, "--key-file", "short"], in: dir)
        #expect(short.status == 77 && short.stderr.contains("at least 32 random bytes"), "\(short.stderr)")
        chmod(dir.file("k").path, 0o644)
        let readable = try CLI.run(["token", "verify", token, "--key-file", "k"], in: dir)
        #expect(readable.status == 77 && readable.stderr.contains("may be read by group or others"), "\(readable.stderr)")
        let issuing = try CLI.run(["token", "issue", "--user", "a", "--key-file", "k"], in: dir)
        #expect(issuing.status == 77)
    }

    @Test func linkSharesGiveTheirLevelBehindTheirPasswordUntilRevoked() throws {
        let (dir, _) = try Self.keyed()
        #expect(try CLI.run(["grant", "team/", "alice", "owner", "--as", "alice"], in: dir).status == 0)
        let made = try CLI.run(["share", "team/specs/", "--level", "commenter", "--password", "--key-file", "k", "--as", "alice"], in: dir, stdin: "open sesame\n")
        #expect(made.status == 0, "\(made.stderr)")
        let link = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let check = { (action: String, password: String?) in
            try CLI.run(["token", "check", link, "team/specs/plan", action, "--key-file", "k"] + (password == nil ? [] : ["--password"]), in: dir, stdin: password.map { $0 + "\n" })
        }
        #expect(try check("comment_add", "open sesame").status == 0)
        #expect(try check("text_insert", "open sesame").status == 77)
        #expect(try check("read", "wrong").status == 77)
        #expect(try check("read", nil).status == 77)
        // Only its hash is stored.
        let stored = try Data(contentsOf: dir.file("collab-data/access.clog"))
        #expect(String(decoding: stored, as: UTF8.self).contains("scrypt$"))
        #expect(!String(decoding: stored, as: UTF8.self).contains("open sesame"))
        let listed = try CLI.run(["share", "list", "team/specs/plan", "--json"], in: dir).stdout
        let id = try #require((try JSONSerialization.jsonObject(with: Data(listed.split(separator: "\n")[0].utf8)) as? [String: Any])?["share"] as? String)
        #expect(try CLI.run(["share", "revoke", id, "--as", "bob"], in: dir).status == 77)
        #expect(try CLI.run(["share", "revoke", id, "--as", "alice"], in: dir).status == 0)
        #expect(try check("read", "open sesame").status == 77)
        #expect(try CLI.run(["audit", "team/specs/plan"], in: dir).stdout.contains("revoke share \(id)"))
    }
}
