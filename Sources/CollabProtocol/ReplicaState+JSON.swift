import CollabCore
import CollabLog

/// A document's state as `sync_state` carries it (docs/protocol.md): arrays rather than
/// objects, since a long history holds tens of thousands of runs.
///
/// `{"clients":[C,…],"runs":[client,seq,length,flags,(origin client,seq)?,(right origin client,seq)?,…],
/// "text":T,"next":[seq,…],"clock":[wall,logical],"marks":[[start,end,key,value,stamp],…],
/// "comments":[[id,[wall,logical],start,end,replyTo,text,textStamp,resolved,resolvedStamp,deleted],…],
/// "blocks":[[marker,[[key,value,stamp],…]],…],"firstBlock":[[key,value,stamp],…],
/// "deletedBlocks":[[marker,until],…],"slots":[[block,slot,stamp],…]}`: an id is
/// `[client,seq]`, an anchor `[client,seq,after]` (1 after its character, 0 before), a
/// stamp `[wall,logical,client,seq]`, none `null`. A run's flags: 1 deleted, 2 block
/// marker, 4 block slot, 8 its left origin is the character before it (`inner`), 16 an
/// origin follows, 32 a right origin follows. `text` is the shown characters in order.
extension ReplicaState {
    public func json(_ writer: inout JSONWriter) {
        writer.raw("{\"clients\":")
        writer.list(clients) { $0.string($1) }
        writer.raw(",\"runs\":[")
        var first = true
        for run in runs {
            if !first { writer.raw(",") }
            first = false
            var flags = run.deleted ? 1 : 0
            if run.kind == .marker { flags |= 2 }
            if run.kind == .slot { flags |= 4 }
            if run.inner { flags |= 8 }
            if run.origin != nil { flags |= 16 }
            if run.rightOrigin != nil { flags |= 32 }
            writer.int(run.client)
            for number in [run.seq, run.length, flags] {
                writer.raw(",")
                writer.int(number)
            }
            for id in [run.origin, run.rightOrigin] {
                guard let id else { continue }
                writer.raw(",")
                writer.int(id.client)
                writer.raw(",")
                writer.int(id.seq)
            }
        }
        writer.raw("],\"text\":")
        writer.string(text)
        writer.raw(",\"next\":")
        writer.list(next) { $0.int($1) }
        writer.raw(",\"clock\":[")
        writer.int(clock.wall)
        writer.raw(",")
        writer.int(clock.logical)
        writer.raw("],\"marks\":")
        writer.list(marks) { writer, mark in
            writer.raw("[")
            Self.anchor(mark.start, &writer)
            writer.raw(",")
            Self.anchor(mark.end, &writer)
            writer.raw(",")
            writer.string(mark.key)
            writer.raw(",")
            writer.value(OpJSON.jsonValue(of: mark.value))
            writer.raw(",")
            Self.stamp(mark.stamp, &writer)
            writer.raw("]")
        }
        writer.raw(",\"comments\":")
        writer.list(comments) { writer, comment in
            writer.raw("[")
            Self.id(comment.id, &writer)
            writer.raw(",[")
            writer.int(comment.timestamp.wall)
            writer.raw(",")
            writer.int(comment.timestamp.logical)
            writer.raw("],")
            Self.anchor(comment.start, &writer)
            writer.raw(",")
            Self.anchor(comment.end, &writer)
            writer.raw(",")
            Self.id(comment.replyTo, &writer)
            writer.raw(",")
            writer.string(comment.text)
            writer.raw(",")
            Self.stamp(comment.textStamp, &writer)
            writer.raw(comment.resolved ? ",true," : ",false,")
            Self.stamp(comment.resolvedStamp, &writer)
            writer.raw(comment.deleted ? ",true]" : ",false]")
        }
        writer.raw(",\"blocks\":")
        writer.list(blocks) { writer, block in
            writer.raw("[")
            Self.id(block.marker, &writer)
            writer.raw(",")
            Self.registers(block.attributes, &writer)
            writer.raw("]")
        }
        writer.raw(",\"firstBlock\":")
        Self.registers(firstBlock, &writer)
        writer.raw(",\"deletedBlocks\":")
        writer.list(deletedBlocks) { writer, range in
            writer.raw("[")
            Self.id(range.marker, &writer)
            writer.raw(",")
            Self.id(range.until, &writer)
            writer.raw("]")
        }
        writer.raw(",\"slots\":")
        writer.list(slots) { writer, place in
            writer.raw("[")
            Self.id(place.block, &writer)
            writer.raw(",")
            Self.id(place.slot, &writer)
            writer.raw(",")
            Self.stamp(place.stamp, &writer)
            writer.raw("]")
        }
        writer.raw("}")
    }

    private static func id(_ id: Id?, _ writer: inout JSONWriter) {
        guard let id else { return writer.raw("null") }
        writer.raw("[")
        writer.int(id.client)
        writer.raw(",")
        writer.int(id.seq)
        writer.raw("]")
    }

    private static func anchor(_ anchor: Anchor?, _ writer: inout JSONWriter) {
        guard let anchor else { return writer.raw("null") }
        writer.raw("[")
        writer.int(anchor.id.client)
        writer.raw(",")
        writer.int(anchor.id.seq)
        writer.raw(anchor.after ? ",1]" : ",0]")
    }

    private static func stamp(_ stamp: Stamp?, _ writer: inout JSONWriter) {
        guard let stamp else { return writer.raw("null") }
        writer.raw("[")
        writer.int(stamp.timestamp.wall)
        writer.raw(",")
        writer.int(stamp.timestamp.logical)
        writer.raw(",")
        writer.int(stamp.client)
        writer.raw(",")
        writer.int(stamp.seq)
        writer.raw("]")
    }

    private static func registers(_ registers: [Register], _ writer: inout JSONWriter) {
        writer.list(registers) { writer, register in
            writer.raw("[")
            writer.string(register.key)
            writer.raw(",")
            writer.value(OpJSON.jsonValue(of: register.value))
            writer.raw(",")
            Self.stamp(register.stamp, &writer)
            writer.raw("]")
        }
    }
}
