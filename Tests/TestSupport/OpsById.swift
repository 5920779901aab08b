import CollabCore

/// Each id's part of the ops, whatever ops it was written in: how many ids one op covers
/// is an encoding matter, so tests that compare ops made two ways compare these.
public func opsById(_ ops: [Op]) -> [OpId: Op.Payload] {
    var result: [OpId: Op.Payload] = [:]
    for op in ops {
        for seq in op.id.seq..<op.endSeq { result[OpId(op.id.client, seq)] = op.slice(from: seq, to: seq + 1).payload }
    }
    return result
}
