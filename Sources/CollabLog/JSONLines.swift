import CollabCore

/// Op logs and op streams as JSON lines: one op per line, blank lines ignored.
public enum JSONLines {
    public static func encode(_ ops: some Sequence<Op>) -> [UInt8] {
        var writer = JSONWriter()
        for op in ops {
            OpJSON.encode(op, into: &writer)
            writer.bytes.append(0x0A)
        }
        return writer.bytes
    }

    /// Parses every line; the first bad one is an error naming its line number.
    public static func decode(_ bytes: [UInt8], path: String) throws(LogError) -> [Op] {
        try decodeNumbered(bytes, path: path).map(\.op)
    }

    /// Parses every line, keeping each op's line number for later error messages.
    public static func decodeNumbered(_ bytes: [UInt8], path: String) throws(LogError) -> [(line: Int, op: Op)] {
        var ops: [(line: Int, op: Op)] = []
        try forEachLine(of: bytes) { (number, line) throws(LogError) in
            do {
                ops.append((number, try OpJSON.decode(line: line)))
            } catch {
                throw .badLine(path: path, line: number, reason: "\(error)")
            }
        }
        return ops
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

    public static func write(_ ops: some Sequence<Op>, to path: String) throws(LogError) {
        try FileIO.replace(path, with: encode(ops))
    }
}
