/// When the journal's flusher should wait a moment before syncing, so that one fsync covers
/// several changes (PostgreSQL's `commit_delay`, decided by what waiting has bought lately).
///
/// Why: under a steady stream of writes (an operator's tooling making 1,000 changes a second)
/// each change otherwise gets an fsync of its own, because the stream's changes arrive one at a
/// time, each after the previous sync. An fsync is the most expensive step of a write (the
/// flusher's CPU per write was dominated by `fdatasync`), so sharing it halves or thirds the
/// cost. Waiting costs latency, and it is wasted on a caller that writes one change at a time and
/// waits for each answer (a script, the command line): nothing else arrives in the window. So the
/// flusher waits only while waiting has been paying off, and otherwise tries it now and then
/// (a probe) to notice that a stream has started.
///
/// Only a lone pending change is held back: if two or more are already pending, they are a group
/// already and the sync starts at once. Value type, owned by the flusher thread alone.
struct CommitGathering {
    /// How long a lone change may wait for company; zero turns gathering off.
    let windowNanoseconds: UInt64
    /// Waits left before the next one must pay off again; positive while waiting pays.
    private(set) var credit = 0
    /// Lone changes synced at once since the last probe.
    private var sinceProbe: Int

    /// A probe every this many lone changes, while waiting does not pay: the delay a one-at-a-time
    /// caller sees is one window in this many writes.
    static let probeInterval = 16
    /// Waits granted by one wait that gathered company.
    static let creditPerSuccess = 3

    init(window: Duration) {
        let (seconds, attoseconds) = window.components
        windowNanoseconds = seconds <= 0 && attoseconds <= 0 ? 0 : UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        // The first lone change is a probe: a stream shows itself from its first writes.
        sinceProbe = CommitGathering.probeInterval - 1
    }

    /// Whether to hold back a sync of `pendingFrames` changes for up to the window.
    mutating func shouldWait(pendingFrames: UInt64) -> Bool {
        guard windowNanoseconds > 0, pendingFrames == 1 else { return false }
        if credit > 0 { return true }
        sinceProbe += 1
        guard sinceProbe >= CommitGathering.probeInterval else { return false }
        sinceProbe = 0
        return true
    }

    /// After a wait: `company` is how many more changes arrived during it.
    mutating func waited(company: UInt64) {
        if company > 0 {
            credit = CommitGathering.creditPerSuccess
        } else {
            credit = max(0, credit - 1)
        }
    }
}
