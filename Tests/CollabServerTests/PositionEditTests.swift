import CollabCore
import CollabLog
import CollabTestSupport
import CollabServer
import Foundation
import Testing

/// The `edit` message: a client without a CRDT sends splices against a version it has
/// seen, and the server makes them ops (docs/protocol.md).
@Suite("Position edits", .timeLimit(.minutes(2)))
struct PositionEditTests {
    static func edit(_ client: String, version: String, _ patches: String) -> String {
        #"{"type":"edit","docId":"notes","clientId":""# + client + #"","version":"# + version + #","patches":"# + patches + "}"
    }

    @Test func anEditAtAnOldVersionIsWhatAReplicaThereWouldHaveMade() async throws {
        try await ServerHarness.run { server in
            let alice = try await server.connect("alice")
            alice.send(Wire.join())
            alice.send(Wire.ops([Wire.insert("alice", 0, after: nil, "hello world")]))
            _ = try await alice.next(ServerTests.isAck)
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            _ = try await bob.next { $0.contains("sync_response") }
            // Alice goes on while bob's textarea still shows "hello world".
            let cut = Op(
                id: OpId("alice", 11), timestamp: Timestamp(wall: 2),
                payload: .textDelete(TextDelete(targets: [DeleteTarget(start: OpId("alice", 0), length: 6)])))
            alice.send(Wire.ops([cut]))
            _ = try await alice.next(ServerTests.isAck)
            bob.send(Self.edit("bob/web", version: #"{"alice":11}"#, #"[[5,0,"!"],[0,1,"H"],[12,0," again"]]"#))
            let ack = try await bob.next(ServerTests.isAck)
            #expect(ack.hasPrefix(#"{"type":"ack","docId":"notes","opIds":["bob/web:0""#))
            let logged = try server.logged()
            // "hello " is gone, bob's splices in it stay: "!" after "hello", "H" for "h".
            #expect(logged.text == "H!world again")
            // The same splices made on a replica holding exactly alice's first op.
            let replica = try Document.at(VersionVector(["alice": 11]), of: logged.history)
            try replica.insert("!", at: 5, by: "bob/web", timestamp: Timestamp(wall: 3))
            try replica.delete(at: 0, count: 1, by: "bob/web", timestamp: Timestamp(wall: 3))
            try replica.insert("H", at: 0, by: "bob/web", timestamp: Timestamp(wall: 3))
            try replica.insert(" again", at: 12, by: "bob/web", timestamp: Timestamp(wall: 3))
            #expect(replica.text == "Hello! world again")
            let made = logged.history.filter { $0.id.client == "bob/web" }
            #expect(opsById(made) == opsById(replica.history.filter { $0.id.client == "bob/web" }))
            // Alice's client got bob's ops as ops.
            #expect(try await alice.next(ServerTests.isOps).contains(#""clientId":"bob/web""#))
        }
    }

    @Test func anEditThatCannotBeReadIsRefusedAndLeavesNothing() async throws {
        try await ServerHarness.run { server in
            let bob = try await server.connect("bob")
            bob.send(Wire.join())
            bob.send(Wire.ops([Wire.insert("bob", 0, after: nil, "abc")]))
            _ = try await bob.next(ServerTests.isAck)
            // A version the server has not seen; a range out of the text at the version;
            // no patches; a malformed patch; no version.
            bob.send(Self.edit("bob", version: #"{"bob":9}"#, #"[[0,0,"x"]]"#))
            #expect(try await bob.next(ServerTests.isError("invalid_op")).contains("has not seen"))
            bob.send(Self.edit("bob", version: #"{"bob":3}"#, #"[[1,0,"x"],[4,1,""]]"#))
            #expect(try await bob.next(ServerTests.isError("invalid_op")).contains("outside the document"))
            bob.send(Self.edit("bob", version: #"{"bob":3}"#, #"[]"#))
            #expect(try await bob.next(ServerTests.isError("bad_message")).contains("patches"))
            bob.send(Self.edit("bob", version: #"{"bob":3}"#, #"[[0,"1","x"]]"#))
            #expect(try await bob.next(ServerTests.isError("bad_message")).contains("patches[0]"))
            bob.send(#"{"type":"edit","docId":"notes","clientId":"bob","patches":[[0,0,"x"]]}"#)
            #expect(try await bob.next(ServerTests.isError("bad_message")).contains("version"))
            // Someone else's client id, and a viewer.
            bob.send(Self.edit("alice", version: #"{"bob":3}"#, #"[[0,0,"x"]]"#))
            #expect(try await bob.next(ServerTests.isError("forbidden")).contains("not one of bob's"))
            let vic = try await server.connect("vic")
            vic.send(Wire.join())
            vic.send(Self.edit("vic", version: "{}", #"[[0,0,"x"]]"#))
            #expect(try await vic.next(ServerTests.isError("forbidden")).contains("viewer"))
            #expect(try server.logged().text == "abc")
            #expect(try server.logged().history.count == 1)
            // The document still takes a good edit after the refusals.
            bob.send(Self.edit("bob", version: #"{"bob":3}"#, #"[[3,0,"d"]]"#))
            #expect(try await bob.next(ServerTests.isAck) == #"{"type":"ack","docId":"notes","opIds":["bob:3"]}"#)
            #expect(try server.logged().text == "abcd")
        }
    }

    @Test func thePollingFallbackTakesPatchesAndRows() async throws {
        try await ServerHarness.run { server in
            let token = try await server.token("bob")
            let (status, answer) = try await ShareAndPagingTests.post(
                server, "/ops?document_id=notes", #"{"client_id":"bob/php","version":{},"patches":[[0,0,"The cat sat"]]}"#, token: token)
            #expect(status == 200)
            #expect(answer == #"{"ack":["bob/php:0"]}"#)
            // Rows of the seed's form: carol's has seen nothing of bob's second row.
            try await ShareAndPagingTests.post(
                server, "/ops?document_id=notes",
                #"{"operations":[{"operation_type":"insert","position":0,"content":"Look: ","author_id":"bob","vector_clock":{"bob/php":11}}]}"#, token: token)
            let (rows, body) = try await ShareAndPagingTests.post(
                server, "/ops?document_id=notes",
                #"{"client_id":"bob/old","operations":[{"operation_type":"insert","position":4,"content":"black ","vector_clock":{"bob/php":11}},{"operation_type":"delete","position":{"index":14,"length":3},"content":"sat","vector_clock":{"bob/php":11}}]}"#,
                token: token)
            #expect(rows == 200, "\(body)")
            #expect(try server.logged().text == "Look: The black cat ")
            let (refused, _) = try await ShareAndPagingTests.post(
                server, "/ops?document_id=notes", #"{"client_id":"bob","version":{},"patches":[[99,0,"x"]]}"#, token: token)
            #expect(refused == 422)
        }
    }
}
