import CollabCore
import CollabLog
import CollabServer
import CollabTestSupport
import Foundation
import Testing

/// docs/protocol.schema.json, the messages the server really sends, and the example
/// session in docs/protocol.md agree.
@Suite("protocol JSON Schema", .timeLimit(.minutes(1)))
struct ProtocolSchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let definitions: JSONValue = {
        let bytes = try! [UInt8](Data(contentsOf: repository.appendingPathComponent("docs/protocol.schema.json")))
        return try! JSONParser.parse(bytes)["$defs"]!
    }()

    /// The violations of `message` against the schema's definition `name`.
    static func violations(_ message: String, as name: String) throws -> [String] {
        let schema = JSONSchemaSubset(root: .object(["$ref": .string("#/$defs/\(name)"), "$defs": definitions]))
        return schema.violations(of: try JSONParser.parse(message))
    }

    /// Which definition a message is, by its direction and type.
    static func definition(_ message: String, fromServer: Bool) throws -> String {
        guard case .string(let type)? = try JSONParser.parse(message)["type"] else { return "?" }
        return fromServer && type == "presence" ? "presence_update" : type
    }

    @Test func everyMessageTheServerSendsMatchesTheSchema() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            let bob = try await server.connect("bob")
            var sent: [String] = [
                Wire.join(), Wire.ops([Wire.insert("alice", 0, after: nil, "hi")]), #"{"type":"sync_request","docId":"notes","since":{"alice":1}}"#,
                ##"{"type":"presence","docId":"notes","cursor":{"anchor":{"clientId":"alice","seq":1},"head":null},"name":"Alice","color":"#aa00ff","typing":false}"##,
                #"{"type":"edit","docId":"notes","clientId":"alice/web","version":{"alice":2},"patches":[[0,0,"o"],[3,0,"!"]]}"#,
                #"{"type":"leave","docId":"notes"}"#,
            ]
            bob.send(Wire.join())
            _ = try await bob.next()
            for message in sent { alice.send(message) }
            alice.send(#"{"type":"ops","docId":"notes"}"#)
            _ = try await alice.next { $0.contains(#""type":"error""#) }
            _ = try await bob.next { $0.contains(#""state":"left""#) }
            // Acknowledgements are sent when durable, after later messages' answers perhaps.
            for _ in 0..<500 where !alice.all.contains(where: ServerTests.isAck) { try await Task.sleep(for: .milliseconds(10)) }
            sent.append(#"{"type":"auth","token":"x"}"#)
            var seen = Set<String>()
            for message in alice.all + bob.all {
                let name = try Self.definition(message, fromServer: true)
                seen.insert(name)
                #expect(try Self.violations(message, as: name) == [], "\(message)")
            }
            #expect(seen.isSuperset(of: ["auth_ok", "sync_response", "ack", "ops", "presence_update", "error"]), "\(seen)")
            for message in sent {
                #expect(try Self.violations(message, as: try Self.definition(message, fromServer: false)) == [], "\(message)")
            }
        }
    }

    /// The example session in docs/protocol.md: each `>` (client) and `<` (server) line
    /// is a message the schema accepts.
    @Test func theDocumentedExampleSessionMatchesTheSchema() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("> {") || $0.hasPrefix("< {") }
        #expect(lines.count >= 10)
        for line in lines {
            let message = String(line.dropFirst(2))
            let name = try Self.definition(message, fromServer: line.hasPrefix("<"))
            #expect(try Self.violations(message, as: name) == [], "\(line)")
        }
    }
}
