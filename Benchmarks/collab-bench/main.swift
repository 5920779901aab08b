// collab-bench: replays editing traces through the engine and prints one JSON object
// per trace (fields documented in docs/benchmarks.md).
import CHeapStats
import CollabCore
import CollabLog
import CollabStorage
import Foundation

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// The best of `runs` timings: the machine is shared and noisy; the minimum is the
/// figure least disturbed by other work.
func best(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<runs { result = min(result, try milliseconds(body)) }
    return result
}

/// Milliseconds as the JSON output writes them.
func fixed(_ value: Double) -> String { String(format: "%.3f", value) }

/// Bytes the allocator has handed out and not had back (glibc's mallinfo2).
func heapBytesInUse() -> Int {
    Int(collab_heap_bytes_in_use())
}

func traceName(_ path: String) -> String {
    URL(fileURLWithPath: path).lastPathComponent.replacingOccurrences(of: ".json.gz", with: "")
        .replacingOccurrences(of: ".json", with: "")
}

let arguments = Array(CommandLine.arguments.dropFirst())
var runs = 5
var paths: [String] = []
/// Set by `--only PHASE`: run just that phase once and print nothing, for a profiler.
var onlyPhase: String?
/// Set by `--memory`: print the heap bytes a loaded document holds instead of timings.
var memoryOnly = false
/// Set by `--append`: time locked, synced batch appends to the trace's .clog instead.
var appendOnly = false
/// Set by `--rich`: time the rich-text workload (RichTextWorkload.swift) instead.
var richOnly = false
/// Set by `--versions`: time time travel and diff on the trace's .clog instead.
var versionsOnly = false
/// Set by `--generate PATH`: write the generated long-branch history there instead.
var generatePath: String?
/// Set by `--rich-log PATH`: write the rich-text workload's ops there as JSON lines instead.
var richLogPath: String?
var seed: UInt64 = 1
var index = 0
while index < arguments.count {
    if arguments[index] == "--generate", index + 1 < arguments.count {
        generatePath = arguments[index + 1]
        index += 2
        continue
    }
    if arguments[index] == "--rich-log", index + 1 < arguments.count {
        richLogPath = arguments[index + 1]
        index += 2
        continue
    }
    if arguments[index] == "--seed", index + 1 < arguments.count, let n = UInt64(arguments[index + 1]) {
        seed = n
        index += 2
        continue
    }
    if arguments[index] == "--rich" {
        richOnly = true
        index += 1
        continue
    }
    if arguments[index] == "--versions" {
        versionsOnly = true
        index += 1
        continue
    }
    if arguments[index] == "--append" {
        appendOnly = true
        index += 1
        continue
    }
    if arguments[index] == "--memory" {
        memoryOnly = true
        index += 1
        continue
    }
    if arguments[index] == "--only", index + 1 < arguments.count, ["replay", "merge", "json", "markdown", "text"].contains(arguments[index + 1]) {
        onlyPhase = arguments[index + 1]
        index += 2
        continue
    }
    if arguments[index] == "--runs", index + 1 < arguments.count, let n = Int(arguments[index + 1]), n > 0 {
        runs = n
        index += 2
        continue
    }
    if arguments[index] == "--help" || arguments[index] == "-h" {
        print("""
            usage: collab-bench [--runs N] [--only replay|merge|json|markdown|text] [--memory] [--append] [--rich] [--versions] TRACE.json[.gz]…
                   collab-bench --rich-log PATH TRACE.json[.gz]
                   collab-bench --generate PATH [--seed N]
            Replays each editing trace and prints one JSON object per trace: trace, edits, ops,
            replay_ms, merge_ms, log_bytes, load_ms, materialize_ms, checkpoint_bytes,
            checkpoint_load_ms, checkpoint_materialize_ms, peak_rss_bytes, final_length, ok.
            Times are the best of N runs (default 5). --only runs one phase once and prints nothing
            (for valgrind --tool=callgrind). --memory prints, per trace, the heap bytes held by a
            document loaded from the trace's ops ({"trace","document_bytes","final_length"}).
            --append writes the trace's .clog, then times 200 batch appends of 10 fresh ops each
            (lock, verify, write, fdatasync): {"trace","appends","median_ms","p99_ms","max_ms"}.
            --rich replays a sequential trace with every typed newline a block split, a mark every
            1,000 edits and a comment every 5,000, and times replay, merge and materializing it
            as JSON and as markdown. With --rich, --only json|markdown|text renders the merged
            document N times that way and prints nothing (for a profiler).
            --versions writes the trace's .clog and times, from reading the file on, the
            document after the first 130,000 edits (at_ms; agent0:130000, or half the edits of a
            shorter trace) and the diff from the first 100,000 edits to head in markup (diff_ms).
            --rich-log PATH TRACE writes the rich-text workload's ops (as --rich makes them) to PATH as
            JSON lines, for the browser benchmarks (Benchmarks/browser), and prints its shape.
            --generate PATH [--seed N] writes the long-branch history GeneratedHistory makes from the
            seed (204 agents, 1,000 transactions, ~54,000 patches; docs/benchmarks.md) to PATH as a
            concurrent trace, and prints its shape.
            example: swift run -c release collab-bench ../shared/traces/sequential/automerge-paper.json.gz
            """)
        exit(0)
    }
    paths.append(arguments[index])
    index += 1
}
if let generatePath {
    var history = GeneratedHistory()
    history.seed = seed
    let trace = try history.trace()
    FileManager.default.createFile(atPath: generatePath, contents: Data(trace.json()))
    var branch = [Int](repeating: 1, count: trace.transactions.count)
    for (index, transaction) in trace.transactions.enumerated() {
        if let own = trace.parents(of: transaction).first(where: { trace.transactions[$0].agent == transaction.agent }) {
            branch[index] = branch[own] + 1
        }
    }
    let parents = trace.transactions.map { trace.parents(of: $0).count }
    print(
        "{\"path\":\"\(generatePath)\",\"agents\":\(Set(trace.transactions.map(\.agent)).count),"
            + "\"transactions\":\(trace.transactions.count),\"patches\":\(trace.patchCount),"
            + "\"longest_branch\":\(branch.max() ?? 0),\"merges\":\(parents.filter { $0 >= 2 }.count),"
            + "\"most_parents\":\(parents.max() ?? 0),\"final_length\":\(trace.endContent.unicodeScalars.count)}")
    exit(0)
}
if paths.isEmpty {
    FileHandle.standardError.write("usage: collab-bench [--runs N] TRACE.json[.gz]…\n".data(using: .utf8)!)
    exit(64)
}
if let richLogPath {
    guard paths.count == 1, let data = FileManager.default.contents(atPath: paths[0]) else {
        FileHandle.standardError.write("collab-bench: --rich-log PATH takes one readable trace\n".data(using: .utf8)!)
        exit(64)
    }
    let workload = try RichTextWorkload(try EditingTrace(bytes: [UInt8](data)))
    let ops = workload.document.history
    FileManager.default.createFile(atPath: richLogPath, contents: Data(ops.map { OpJSON.line($0) + "\n" }.joined().utf8))
    print(
        "{\"path\":\"\(richLogPath)\",\"ops\":\(ops.count),\"blocks\":\(workload.blocks),\"marks\":\(workload.marks),"
            + "\"comments\":\(workload.comments),\"final_length\":\(workload.document.length)}")
    exit(0)
}

var allOK = true
for path in paths {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write("collab-bench: cannot read \(path)\n".data(using: .utf8)!)
        exit(66)
    }
    let trace = try EditingTrace(bytes: [UInt8](data))
    let name = traceName(path)
    if appendOnly {
        let ops = try TraceReplay(trace).ops
        let path = NSTemporaryDirectory() + "collab-bench-append-\(getpid()).clog"
        try OpLogFile.write(ops, to: path, format: .clog, documentId: name)
        let document = try Document(ops: ops)
        var times: [Double] = []
        for k in 0..<200 {
            let before = document.historyCount
            for j in 0..<10 {
                try document.insert("x", at: (k * 37 + j) % (document.length + 1), by: "appender", timestamp: Timestamp(wall: Int64(k)))
            }
            let batch = document.history(from: before)
            document.coalescingFloor = document.historyCount
            times.append(try milliseconds { try ClogLog.append(batch, to: path) })
        }
        try? FileManager.default.removeItem(atPath: path)
        times.sort()
        print("{\"trace\":\"\(name)\",\"appends\":\(times.count),\"median_ms\":\(fixed(times[times.count / 2])),\"p99_ms\":\(fixed(times[times.count * 99 / 100])),\"max_ms\":\(fixed(times.last!))}")
        continue
    }
    if versionsOnly {
        let ops = try TraceReplay(trace).ops
        let path = NSTemporaryDirectory() + "collab-bench-versions-\(getpid()).clog"
        try OpLogFile.write(ops, to: path, format: .clog, documentId: name)
        let edits = ops.reduce(0) { max($0, $1.endSeq) }
        let client = ops.first?.id.client ?? "agent0"
        let at = VersionVector([client: edits >= 130_000 ? 130_000 : edits / 2])
        let from = VersionVector([client: edits >= 100_000 ? 100_000 : edits * 2 / 5])
        var text = ""
        let atMs = try best(runs) { text = try OpLogFile.load(path).document(at: at).text }
        var rendered = ""
        let diffMs = try best(runs) {
            let log = try OpLogFile.load(path)
            rendered = DiffRendering.render(try log.document().changes(from: try log.document(at: from)), as: .markup)
        }
        try? FileManager.default.removeItem(atPath: path)
        let ok = !rendered.isEmpty && text.unicodeScalars.count > 0
        allOK = allOK && ok
        print("{\"trace\":\"\(name)\",\"at\":\"\(at)\",\"at_ms\":\(fixed(atMs)),\"diff_from\":\"\(from)\",\"diff_ms\":\(fixed(diffMs)),\"ok\":\(ok)}")
        continue
    }
    if richOnly {
        var workload = try RichTextWorkload(trace)
        let replayMs = try best(runs) { workload = try RichTextWorkload(trace) }
        let ops = workload.document.history
        var merged = Document()
        if let phase = onlyPhase, ["json", "markdown", "text"].contains(phase) {
            merged = try Document(ops: ops)
            for _ in 0..<runs {
                switch phase {
                case "json": _ = RichTextRendering.json(merged)
                case "markdown": _ = RichTextRendering.markdown(merged)
                default: _ = merged.text
                }
            }
            continue
        }
        let mergeMs = try best(runs) { merged = try Document(ops: ops) }
        var json = ""
        var markdown = ""
        let jsonMs = best(runs) { json = RichTextRendering.json(merged) }
        let markdownMs = best(runs) { markdown = RichTextRendering.markdown(merged) }
        let ok = merged.text == trace.endContent && workload.document.text == trace.endContent && !json.isEmpty && !markdown.isEmpty
        allOK = allOK && ok
        print(
            "{\"trace\":\"\(traceName(path))\",\"workload\":\"rich\",\"ops\":\(ops.count),\"blocks\":\(workload.blocks),"
                + "\"marks\":\(workload.marks),\"comments\":\(workload.comments),\"replay_ms\":\(fixed(replayMs)),"
                + "\"merge_ms\":\(fixed(mergeMs)),\"materialize_json_ms\":\(fixed(jsonMs)),"
                + "\"materialize_markdown_ms\":\(fixed(markdownMs)),\"ok\":\(ok)}")
        continue
    }
    if memoryOnly {
        let ops = try TraceReplay(trace).ops
        let before = heapBytesInUse()
        let document = try Document(ops: ops)
        let bytes = heapBytesInUse() - before
        let length = withExtendedLifetime(ops) { document.length }
        print("{\"trace\":\"\(traceName(path))\",\"document_bytes\":\(bytes),\"final_length\":\(length)}")
        continue
    }
    if onlyPhase == "replay" {
        // Keep the trace alive after the replay so its teardown is not counted in it.
        try withExtendedLifetime(trace) { _ = try TraceReplay(trace) }
        continue
    }
    if onlyPhase == "merge" {
        let ops = try TraceReplay(trace).ops
        try withExtendedLifetime(ops) { _ = try Document(ops: ops) }
        continue
    }
    var replay = try TraceReplay(trace)
    let replayMs = try best(runs) { replay = try TraceReplay(trace) }
    let ops = replay.ops
    var merged = Document()
    let mergeMs = try best(runs) { merged = try Document(ops: ops) }
    let logURL = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("collab-bench-\(getpid()).clog")
    try OpLogFile.write(ops, to: logURL.path, format: .clog, documentId: name)
    let logBytes = (try FileManager.default.attributesOfItem(atPath: logURL.path)[.size] as? Int) ?? 0
    var loaded = Document()
    let loadMs = try best(runs) { loaded = try OpLogFile.load(logURL.path).document() }
    var text = ""
    let materializeMs = best(runs) { text = loaded.text }
    // The same log with a checkpoint at its end: what opening a long log costs.
    let checkpointBytes = try ClogLog.appendCheckpoint(to: logURL.path).bytes
    var restored = Document()
    let checkpointLoadMs = try best(runs) { restored = try OpLogFile.loadDocument(logURL.path).document }
    var restoredText = ""
    let checkpointMaterializeMs = best(runs) { restoredText = restored.text }
    try? FileManager.default.removeItem(at: logURL)
    let ok = text == trace.endContent && merged.text == trace.endContent && replay.text == trace.endContent
        && restoredText == trace.endContent
    allOK = allOK && ok
    print(
        "{\"trace\":\"\(name)\",\"edits\":\(trace.patchCount),\"ops\":\(ops.count),\"replay_ms\":\(fixed(replayMs)),"
            + "\"merge_ms\":\(fixed(mergeMs)),\"log_bytes\":\(logBytes),\"load_ms\":\(fixed(loadMs)),"
            + "\"materialize_ms\":\(fixed(materializeMs)),\"checkpoint_bytes\":\(checkpointBytes),"
            + "\"checkpoint_load_ms\":\(fixed(checkpointLoadMs)),\"checkpoint_materialize_ms\":\(fixed(checkpointMaterializeMs)),"
            + "\"peak_rss_bytes\":\(peakResidentBytes()),"
            + "\"final_length\":\(text.unicodeScalars.count),\"ok\":\(ok)}")
}
exit(allOK ? 0 : 1)
