import CollabLog

/// Runs a command's read-then-append again, from a fresh reading of the log, when
/// another writer (a running `collab serve`, another command) appended between the
/// reading and the append: the append was refused with nothing written, and the edit
/// made against the log as it is now is as valid as before. `body` must print nothing
/// before its append. Gives up with the refusal (exit 75) after five tries.
func retryingWhenTheLogChanges<T>(_ body: () throws -> T) throws -> T {
    var tries = 1
    while true {
        do {
            return try body()
        } catch LogError.changed(let path) {
            guard tries < 5 else { throw LogError.changed(path: path) }
            tries += 1
        }
    }
}
