import CollabCore

/// An op log on disk: its ops in log order, each with the line it came from.
/// Today a log is a JSON-lines file; the binary `.clog` format joins it in its own change.
public struct OpLogFile {
    public var path: String
    public var ops: [Op]
    /// The line of the file each op came from, for error messages.
    public var lines: [Int]

    public init(path: String, ops: [Op], lines: [Int]) {
        self.path = path
        self.ops = ops
        self.lines = lines
    }

    /// Reads a log; with `allowMissing`, a missing file is an empty log.
    public static func load(_ path: String, allowMissing: Bool = false) throws(LogError) -> OpLogFile {
        if allowMissing && path != "-" && !FileIO.exists(path) { return OpLogFile(path: path, ops: [], lines: []) }
        let numbered = try JSONLines.decodeNumbered(FileIO.read(path), path: path)
        return OpLogFile(path: path, ops: numbered.map(\.op), lines: numbered.map(\.line))
    }

    /// Replays the log into a document; an op the engine refuses is reported with its line.
    public func document() throws(LogError) -> Document {
        let document = Document()
        for (index, op) in ops.enumerated() {
            do {
                try document.apply(op)
            } catch {
                throw .badLine(path: path, line: lines[index], reason: "\(error)")
            }
        }
        if let (op, missing) = document.firstMissingDependency() {
            throw .badLine(path: path, line: line(of: op), reason: "op \(op) depends on \(missing), which the log lacks")
        }
        document.coalescingFloor = document.historyCount
        return document
    }

    /// The line of the first op in the log with this id.
    public func line(of id: OpId) -> Int {
        let index = ops.firstIndex { $0.id.client == id.client && $0.id.seq <= id.seq && id.seq < $0.endSeq }
        return index.map { lines[$0] } ?? 0
    }

    /// Replaces the log with these ops, all or nothing.
    public static func write(_ ops: some Sequence<Op>, to path: String) throws(LogError) {
        try JSONLines.write(ops, to: path)
    }
}
