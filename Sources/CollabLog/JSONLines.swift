import CollabCore

/// Op logs and op streams as JSON lines: one op per line, blank lines ignored.
public enum JSONLines {
    /// The ops, one per line, then the tags.
    public static func encode(_ ops: some Sequence<Op>, tags: [VersionTag] = []) -> [UInt8] {
        var writer = JSONWriter()
        for op in ops {
            OpJSON.encode(op, into: &writer)
            writer.bytes.append(0x0A)
        }
        for tag in tags {
            writer.bytes += tag.json
            writer.bytes.append(0x0A)
        }
        return writer.bytes
    }

    /// Parses every line; the first bad one is an error naming its line number.
    public static func decode(_ bytes: [UInt8], path: String) throws(LogError) -> [Op] {
        try decodeNumbered(bytes, path: path).map(\.op)
    }

    /// Parses every line, keeping each op's line number for later error messages. Tag
    /// lines (named versions) are passed over.
    public static func decodeNumbered(_ bytes: [UInt8], path: String) throws(LogError) -> [(line: Int, op: Op)] {
        try decodeLog(bytes, path: path).ops
    }

    /// Parses every line of a log: its ops with their line numbers, and its tags.
    public static func decodeLog(_ bytes: [UInt8], path: String) throws(LogError) -> (ops: [(line: Int, op: Op)], tags: [VersionTag]) {
        var ops: [(line: Int, op: Op)] = []
        var tags: [VersionTag] = []
        try forEachLine(of: bytes) { (number, line) throws(LogError) in
            do {
                ops.append((number, try OpJSON.decode(line: line)))
            } catch {
                // Not an op: a tag line, or a bad line reported as the op it is not.
                let tag: VersionTag?
                do {
                    tag = try VersionTag.decode(line)
                } catch let tagError {
                    throw .badLine(path: path, line: number, reason: "a tag: \(tagError)")
                }
                guard let tag else { throw .badLine(path: path, line: number, reason: "\(error)") }
                tags.append(tag)
            }
        }
        return (ops, tags)
    }

    /// Calls `body` with each non-blank line (without its `\r\n` or `\n`) and its number,
    /// counting from 1 and counting blank lines too.
    public static func forEachLine(
        of bytes: [UInt8], _ body: (Int, ArraySlice<UInt8>) throws(LogError) -> Void
    ) throws(LogError) {
        var number = 0
        var start = 0
        while start < bytes.count {
            number += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var line = bytes[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            start = end + 1
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { try body(number, line) }
        }
    }

    public static func readOps(atPath path: String) throws(LogError) -> [Op] {
        try decode(FileIO.read(path), path: path)
    }

    public static func write(_ ops: some Sequence<Op>, tags: [VersionTag] = [], to path: String) throws(LogError) {
        try FileIO.replace(path, with: encode(ops, tags: tags))
    }
}
