import CollabCore
import CollabLog
import CollabProtocol
import CollabTestSupport
import Foundation
import Testing

/// CollabProtocol, the one definition of the protocol's messages that the server, `collab
/// sync`, `watch`, `loadtest` and the tests share: each message reads back as itself, and
/// matches docs/protocol.schema.json.
@Suite("protocol messages")
struct ProtocolMessageTests {
    static let op = Op(
        id: OpId("alice", 3), timestamp: Timestamp(wall: 1_796_050_566_675, logical: 2),
        payload: .textInsert(TextInsert(after: OpId("alice", 2), before: nil, text: "hé \"quoted\"")))
    static let delete = Op(
        id: OpId("bob", 0), timestamp: Timestamp(wall: 1_796_050_566_700),
        payload: .textDelete(TextDelete(targets: [DeleteTarget(start: OpId("alice", 3), length: 2)])))
    static let version: VersionVector = {
        var version = VersionVector()
        version["alice"] = 5
        version["bob"] = 1
        return version
    }()

    static let clientMessages: [ClientMessage] = [
        .auth(token: "eyJ.a.b", password: nil),
        .auth(token: "eyJ.a.b", password: "open sesame"),
        .join(docId: "notes", since: nil, replica: nil),
        .join(docId: "team/spécs", since: version, replica: "alice/laptop"),
        .join(docId: "notes", since: VersionVector(), replica: nil, state: true),
        .syncRequest(docId: "notes", since: version),
        .ops(docId: "notes", ops: [op, delete]),
        .edit(docId: "notes", clientId: "alice/web", version: version, patches: [.init(position: 0, deleteCount: 1, text: "H"), .init(position: 5, deleteCount: 0, text: " there")]),
        .presence(docId: "notes", Presence(cursor: (OpId("alice", 4), nil), name: "Alice", color: "#e91e63", typing: true)),
        .presence(docId: "notes", Presence(name: "Bob")),
        .leave(docId: "notes"),
    ]

    static let serverMessages: [ServerMessage] = [
        .authenticated(user: "alice", expiresAt: 1_796_137_200_000),
        .syncState(docId: "notes", state: stateOfADocument),
        .syncResponse(docId: "notes", ops: [op], last: false, version: nil),
        .syncResponse(docId: "notes", ops: [], last: true, version: version),
        .ack(docId: "notes", opIds: [OpId("alice", 3), OpId("alice/web", 12)]),
        .ops(docId: "notes", ops: [op, delete]),
        .presence(PresenceUpdate(docId: "notes", session: "5f0c9a1e", user: "bob", state: .joined, presence: nil)),
        .presence(PresenceUpdate(
            docId: "notes", session: "5f0c9a1e", user: "bob", state: .update,
            presence: Presence(cursor: (OpId("bob", 0), OpId("alice", 3)), name: "Bob", color: "#00aa88", typing: false))),
        .presence(PresenceUpdate(docId: "notes", session: "5f0c9a1e", user: "bob", state: .left, presence: nil)),
        .error(code: "forbidden", docId: "notes", message: "op mallory:0 is by client mallory"),
        .error(code: "unauthenticated", docId: nil, message: "send auth with a token first"),
    ]

    /// A small rich document's state, as `sync_state` carries it.
    static let stateOfADocument: JSONValue = {
        let document = Document()
        try! document.insert("Hello world", at: 0, by: "alice", timestamp: Timestamp(wall: 1))
        try! document.insertBlock(at: 5, attributes: ["type": .string("heading"), "level": .int(1)], by: "bob", timestamp: Timestamp(wall: 2))
        try! document.format(at: 0, count: 3, key: "bold", value: .bool(true), by: "bob", timestamp: Timestamp(wall: 3))
        try! document.comment(at: 1, count: 2, text: "Hm?", by: "carol", timestamp: Timestamp(wall: 4))
        try! document.delete(at: 7, count: 2, by: "alice", timestamp: Timestamp(wall: 5))
        var writer = JSONWriter()
        document.replicaState!.json(&writer)
        return try! JSONParser.parse(writer.text)
    }()

    @Test(arguments: clientMessages)
    func aClientMessageReadsBackAsItselfAndMatchesTheSchema(_ message: ClientMessage) throws {
        let received = try ReceivedMessage(message.json)
        #expect(received.kind == message.kind)
        #expect(try received.message() == message, "\(message.json)")
        let definition = message.kind.rawValue
        #expect(try ProtocolSchemaTests.violations(message.json, as: definition) == [], "\(message.json)")
    }

    @Test(arguments: serverMessages)
    func aServerMessageReadsBackAsItselfAndMatchesTheSchema(_ message: ServerMessage) throws {
        #expect(try ServerMessage.decode(message.json) == message, "\(message.json)")
        #expect(ServerMessage.kind(of: message.json) == message.kind)
        let definition = message.kind == .presence ? "presence_update" : message.kind.rawValue
        #expect(try ProtocolSchemaTests.violations(message.json, as: definition) == [], "\(message.json)")
    }

    /// The server's catch-up from pages of ops already encoded reads as the pages' ops,
    /// the last page with the version; one over the limit puts the version on a page of its own.
    @Test func catchUpPagesReadAsSyncResponses() throws {
        let page = OpJSON.line(Self.op) + "," + OpJSON.line(Self.delete)
        let messages = ServerMessage.syncResponses(docId: "notes", pages: [page, OpJSON.line(Self.op)], version: Self.version, limit: 1 << 20)
        #expect(try messages.map(ServerMessage.decode) == [
            .syncResponse(docId: "notes", ops: [Self.op, Self.delete], last: false, version: nil),
            .syncResponse(docId: "notes", ops: [Self.op], last: true, version: Self.version),
        ])
        let tight = ServerMessage.syncResponses(docId: "notes", pages: [page], version: Self.version, limit: page.utf8.count + 40)
        #expect(try tight.map(ServerMessage.decode) == [
            .syncResponse(docId: "notes", ops: [Self.op, Self.delete], last: false, version: nil),
            .syncResponse(docId: "notes", ops: [], last: true, version: Self.version),
        ])
        #expect(try ServerMessage.decode(ServerMessage.opsMessage(docId: "notes", json: page)) == .ops(docId: "notes", ops: [Self.op, Self.delete]))
    }

    /// What is not a message of the protocol is refused, never read as something else.
    @Test func whatIsNotAMessageIsRefused() throws {
        for text in [
            "not json", #"{"type":"ack","docId":"notes"}"#, #"{"type":"ack","docId":"notes","opIds":["no-seq"]}"#,
            #"{"type":"auth_ok","user":"alice","expiresAt":"soon"}"#, #"{"type":"presence","docId":"d","session":"s","user":"u","state":"gone"}"#,
            #"{"type":"ops","docId":"notes","ops":[{"id":{"clientId":"a","seq":0}}]}"#, #"{"type":"shutdown"}"#,
        ] {
            #expect(throws: ProtocolProblem.self, "\(text)") { try ServerMessage.decode(text) }
        }
        #expect(ServerMessage.kind(of: #"{"type":"shutdown"}"#) == nil)
        #expect(throws: ReceivedMessage.Refusal.self) { try ReceivedMessage("[1,2]") }
        let unknown = try ReceivedMessage(#"{"type":"shout","docId":"notes"}"#)
        #expect(unknown.kind == nil)
        #expect(throws: ReceivedMessage.Refusal.self) { try unknown.message() }
        let badOps = try ReceivedMessage(#"{"type":"ops","docId":"notes","ops":[{"id":1}]}"#)
        #expect { try badOps.ops() } throws: { ($0 as? ReceivedMessage.Refusal)?.code == "invalid_op" }
    }
}

extension ClientMessage: CustomTestStringConvertible {
    public var testDescription: String { kind.rawValue }
}

extension ServerMessage: CustomTestStringConvertible {
    public var testDescription: String { kind.rawValue }
}

/// A fresh replica that asks for the document's state gets it, then the catch-up's last
/// page with nothing in it, then others' ops as any follower.
@Suite("joining from a state", .serialized)
struct StateJoinTests {
    @Test func aJoinWithStateGetsTheDocumentsStateThenFollows() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            alice.send(ClientMessage.join(docId: "notes", since: nil, replica: nil).json)
            _ = try await alice.next { $0.contains(#""type":"sync_response""#) }
            let hello = Op(id: OpId("alice", 0), timestamp: Timestamp(wall: 1), payload: .textInsert(TextInsert(after: nil, before: nil, text: "hello")))
            alice.send(ClientMessage.ops(docId: "notes", ops: [hello]).json)
            _ = try await alice.next { $0.contains(#""type":"ack""#) }
            let bob = try await server.connect("bob")
            bob.send(ClientMessage.join(docId: "notes", since: VersionVector(), replica: nil, state: true).json)
            guard case .syncState(_, let state) = try ServerMessage.decode(try await bob.next { $0.contains(#""type":"sync_state""#) }) else {
                Issue.record("no sync_state")
                return
            }
            #expect(state["text"] == .string("hello") && state["clients"] == .array([.string("alice")]))
            let caughtUp = try ServerMessage.decode(try await bob.next { $0.contains(#""type":"sync_response""#) })
            #expect(caughtUp == .syncResponse(docId: "notes", ops: [], last: true, version: VersionVector(["alice": 5])))
            let more = Op(id: OpId("alice", 5), timestamp: Timestamp(wall: 2), payload: .textInsert(TextInsert(after: OpId("alice", 4), before: nil, text: "!")))
            alice.send(ClientMessage.ops(docId: "notes", ops: [more]).json)
            let heard = try ServerMessage.decode(try await bob.next { $0.contains(#""type":"ops""#) })
            #expect(heard == .ops(docId: "notes", ops: [more]))
            // A page opening it now gets the state with that op in it, not the one made before.
            let carol = try await server.connect("carol")
            carol.send(ClientMessage.join(docId: "notes", since: VersionVector(), replica: nil, state: true).json)
            guard case .syncState(_, let later) = try ServerMessage.decode(try await carol.next { $0.contains(#""type":"sync_state""#) }) else {
                Issue.record("no sync_state")
                return
            }
            #expect(later["text"] == .string("hello!"))
        }
    }
}
