import ArgumentParser
import CollabCore
import Foundation

/// `--allow-clock-skew`, for the commands that take in ops made elsewhere.
struct ClockSkewOption: ParsableArguments {
    @Flag(help: "Take ops stamped more than 5 minutes ahead of this machine's clock (old archives, a clock known to be wrong); by default they are refused (exit 65).")
    var allowClockSkew = false

    /// Refuses (exit 65) the first op stamped more than `ClockSkew.limit` ahead of now,
    /// unless allowed: it would win last-writer-wins against every later edit.
    /// `place` says where an op came from, for the message (`FILE: line N`).
    func check(_ ops: some Sequence<Op>, place: (Op) -> String) throws {
        guard !allowClockSkew else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        guard let (op, ahead) = ClockSkew.firstOpAhead(of: now, in: ops) else { return }
        throw CommandFailure(.badData, "\(place(op)): \(ClockSkew.refusal(op, ahead: ahead)); --allow-clock-skew takes it anyway")
    }
}
