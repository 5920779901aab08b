import CollabLog
import Foundation

/// When a log gets a checkpoint: after every `interval` op batches since its last one,
/// whoever wrote them (a command's append, a server's group write), so that opening a
/// document and travelling in time never replay more than that. The one rule, asked by
/// every writer (`ClogAppender.checkpointDue`, the PostgreSQL log's).
public enum CheckpointSchedule {
    /// The COLLAB_CHECKPOINT_EVERY environment variable, 1,000 by default; 0 turns
    /// automatic checkpoints off. (Counted in batches, not ops: counting ops would mean
    /// inflating every batch since the last checkpoint at every append.)
    public static var interval: Int {
        if let text = getenv("COLLAB_CHECKPOINT_EVERY"), let value = Int(String(cString: text)), value >= 0 { return value }
        return 1_000
    }

    /// Whether the next append, after `batchesSinceCheckpoint` batches, should carry one.
    public static func isDue(batchesSinceCheckpoint: Int) -> Bool {
        let interval = interval
        return interval > 0 && batchesSinceCheckpoint + 1 >= interval
    }
}
