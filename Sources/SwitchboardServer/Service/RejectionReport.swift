import Dispatch
import SwitchboardCore

/// When to write the `connections_rejected` line: at most one line per `interval`, each with how
/// many connections were refused since the last one. A pure value with the clock passed in
/// (nanoseconds, monotonic); `RejectionReporter` does the scheduling and the writing.
///
/// The first rejection after a quiet `interval` is reported at once, so an operator sees the
/// overload start; those that follow within the interval are reported together when it ends.
struct RejectionReport: Sendable {
    let interval: UInt64
    /// Refused since the last line.
    private(set) var pending = 0
    /// The server's running total at the latest rejection.
    private(set) var total = 0
    /// When the last line was written; nil before the first.
    private(set) var lastLine: UInt64?
    /// When the flush that is scheduled runs; nil when none is.
    private(set) var flushAt: UInt64?

    init(interval: UInt64) {
        self.interval = interval
    }

    /// A connection was refused. Returns when to run `flush`, if this is the one that needs a flush
    /// scheduled (one is scheduled at a time).
    mutating func rejected(now: UInt64, total: Int) -> UInt64? {
        pending += 1
        self.total = max(self.total, total)
        guard flushAt == nil else { return nil }
        let at = lastLine.map { max(now, $0 + interval) } ?? now
        flushAt = at
        return at
    }

    /// The scheduled flush runs: what to report (nil when nothing is pending). A flush that runs
    /// early by the caller's clock counts as on time, so lines stay `interval` apart.
    mutating func flush(now: UInt64) -> (count: Int, total: Int)? {
        let at = max(now, flushAt ?? now)
        flushAt = nil
        guard pending > 0 else { return nil }
        defer { pending = 0 }
        lastLine = at
        return (pending, total)
    }
}

/// Logs connections refused over the cap (`HTTPHandler.connectionRejected`), rate-limited by a
/// `RejectionReport`. Called on the listening loop: it takes a lock and, at most once an interval,
/// schedules the flush on its own queue, so the loop never writes a log line itself.
final class RejectionReporter: Sendable {
    private let report: Locked<RejectionReport>
    private let log: Log
    private let maxConnections: Int
    private let queue = DispatchQueue(label: "switchboard.rejections")

    init(log: Log, maxConnections: Int, interval: Duration = .seconds(1)) {
        let nanos = UInt64(interval.components.seconds) * 1_000_000_000 + UInt64(interval.components.attoseconds / 1_000_000_000)
        report = Locked(RejectionReport(interval: nanos))
        self.log = log
        self.maxConnections = maxConnections
    }

    func rejected(total: Int) {
        let now = Metrics.now()
        guard let at = report.withLock({ $0.rejected(now: now, total: total) }) else { return }
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: at &- min(at, now)))) { [self] in flush() }
    }

    private func flush() {
        let now = Metrics.now()
        guard let (count, total) = report.withLock({ $0.flush(now: now) }) else { return }
        log.warning("connections_rejected", [
            "count": String(count), "total": String(total), "max_connections": String(maxConnections),
            "answer": "503 over_capacity",
        ])
    }
}
