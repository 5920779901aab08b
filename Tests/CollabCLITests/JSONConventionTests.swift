import CollabLog
import Foundation
import Testing

/// docs/json.md: lists are JSON lines, single answers one object, keys lowerCamelCase.
@Suite("JSON output convention")
struct JSONConventionTests {
    /// Keys anywhere in `value` that are not lowerCamelCase.
    static func badKeys(in value: JSONValue) -> [String] {
        switch value {
        case .object(let fields):
            let own = fields.keys.filter { key in
                key.contains("_") || key.contains("-") || key.first.map { !$0.isLowercase } ?? true
            }
            return own + fields.values.flatMap(badKeys)
        case .array(let items): return items.flatMap(badKeys)
        default: return []
        }
    }

    @Test func everyJSONOutputFollowsTheConvention() throws {
        let dir = try CLI.scratch()
        try CLI.run(["edit", "doc.clog", "--client", "alice", "insert", "0", "Hello world"], in: dir)
        try CLI.run(["edit", "doc.clog", "--client", "bob", "insert", "5", ","], in: dir)
        try CLI.run(["grant", "doc", "alice", "owner", "--as", "alice"], in: dir)
        try CLI.run(["edit", "doc", "--store", "collab-data", "--client", "alice", "insert", "0", "x"], in: dir)
        try dir.write("ops.jsonl", try CLI.run(["export", "doc.clog"], in: dir).stdout)
        try CLI.run(["keygen", "-o", "key"], in: dir)
        try CLI.run(["tag", "doc.clog", "v0"], in: dir)
        try CLI.run(["share", "doc", "--level", "viewer", "--key-file", "key", "--as", "alice"], in: dir)
        let made = try CLI.run(["share", "doc", "--level", "editor", "--key-file", "key", "--as", "alice", "--json"], in: dir)
        guard case .object(let share) = try JSONParser.parse(made.stdout), case .string(let shareId)? = share["share"] else {
            Issue.record("\(made)")
            return
        }
        let lists: [[String]] = [
            ["log", "doc.clog", "--json"], ["export", "doc.clog"], ["ls", "--store", "collab-data", "--json"],
            ["verify", "doc.clog", "ops.jsonl", "--json"], ["blame", "doc.clog", "--json"], ["versions", "doc.clog", "--json"],
            ["access", "doc", "--json"], ["audit", "doc", "--json"], ["share", "list", "doc", "--json"],
            ["revert", "doc.clog", "--client", "bob", "--dry-run", "--json"], ["edit", "doc.clog", "--client", "carol", "insert", "0", "a", "--then", "insert", "0", "b", "--json"],
        ]
        let answers: [[String]] = [
            ["version", "doc.clog", "--json"], ["access", "check", "doc", "alice", "read", "--json"], ["apply", "doc.clog", "ops.jsonl", "--json"],
            ["merge", "doc.clog", "ops.jsonl", "--dry-run", "--json"], ["compact", "doc.clog", "--before", "head", "--dry-run", "--drop-tags", "--json"],
            ["salvage", "doc.clog", "-o", "saved.clog", "--json"], ["tag", "doc.clog", "v1", "--json"], ["grant", "doc", "bob", "editor", "--as", "alice", "--json"],
            ["revoke", "doc", "bob", "--as", "alice", "--json"], ["checkpoint", "doc.clog", "--json"], ["repair", "doc.clog", "--json"],
            ["import", "--format", "jsonl", "ops.jsonl", "-o", "imported.clog", "--json"], ["token", "issue", "--user", "bob", "--key-file", "key", "--json"],
            ["materialize", "doc.clog", "--format", "json"], ["keygen", "-o", "key2", "--json"],
            ["share", "doc", "--level", "viewer", "--key-file", "key", "--as", "alice", "--json"], ["share", "revoke", shareId, "--as", "alice", "--json"],
        ]
        for (command, single) in lists.map({ ($0, false) }) + answers.map({ ($0, true) }) {
            let run = try CLI.run(command, in: dir)
            #expect(run.status == 0, "\(command): \(run.stderr)")
            let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(run.stdout.hasSuffix("\n") && !lines.isEmpty, "\(command): \(run.stdout)")
            if single { #expect(lines.count == 1, "\(command): one object, not \(lines.count) lines") }
            for line in lines {
                let value = try JSONParser.parse(String(line))
                guard case .object = value else {
                    Issue.record("\(command): not an object: \(line)")
                    continue
                }
                let bad = Self.badKeys(in: value)
                #expect(bad.isEmpty, "\(command): keys \(bad)")
            }
        }
    }
}
