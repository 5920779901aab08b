// libFuzzer target for the log readers: the .clog scanner and op-batch decoder, and the
// JSON op decoder. Built outside SwiftPM by scripts/fuzz (SwiftPM cannot link a target
// against libFuzzer's own main); see docs/fuzzing.md.
import CZlib
import CollabCore
import CollabLog
import CollabStorage

/// The first byte picks what the rest of the input is fed to.
@_cdecl("LLVMFuzzerTestOneInput")
public func logReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let mode = data[0] % 4
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch mode {
    case 0:
        // A whole file: the scanner must classify it without crashing; what it accepts
        // must decode or be refused cleanly.
        readLog(input)
    case 1:
        // An op-batch payload inside a valid frame, so the decoder sees arbitrary bytes.
        readLog(header + frame(type: 1, payload: input))
    case 2:
        // A checkpoint payload inside a valid frame: the snapshot decoder and restore.
        readLog(header + frame(type: 3, payload: input))
    default:
        // A JSON line of the op form (mode 3).
        if let op = try? OpJSON.decode(line: input) {
            // What decodes must encode and decode to the same op.
            let again = try? OpJSON.decode(line: Array(OpJSON.line(op).utf8))
            precondition(again == op, "op JSON round trip differs")
        }
    }
    return 0
}

private func readLog(_ bytes: [UInt8]) {
    let scan = ClogScanner.scan(bytes)
    if let ops = try? ClogLog.ops(of: scan, path: "fuzz") {
        _ = try? Document(ops: ops).text
    }
    if let document = try? ClogLog.document(of: scan, path: "fuzz") {
        _ = document.text
        _ = try? document.insert("x", at: document.length / 2, by: "fuzz", timestamp: Timestamp(wall: 0))
    }
}

/// A valid header for document "fuzz" (built once by the real encoder).
private let header: [UInt8] = Array(ClogLog.encode(documentId: "fuzz", ops: []))

private func frame(type: UInt8, payload: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
    u32(UInt32(payload.count))
    bytes += [type, 0, 0, 0]  // type, no flags, reserved
    bytes += [UInt8](repeating: 0, count: 8)  // record number 0
    u32(crc(payload))
    u32(crc(bytes))
    return bytes + payload
}

private func crc(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, UInt32($0.count))) }
}
