import Testing

@testable import SwitchboardServer

/// The rate limit of the `connections_rejected` line, with the clock passed in (no sleeps).
@Suite struct RejectionReportTests {
    static let second: UInt64 = 1_000_000_000

    @Test func firstRejection_reportedAtOnce() {
        var report = RejectionReport(interval: Self.second)
        #expect(report.rejected(now: 5 * Self.second, total: 1) == 5 * Self.second)
        #expect(report.flush(now: 5 * Self.second)! == (1, 1))
    }

    @Test func rejectionsWithinTheInterval_oneFlushScheduledASecondAfterTheLastLine() {
        var report = RejectionReport(interval: Self.second)
        let start = 10 * Self.second
        _ = report.rejected(now: start, total: 1)
        _ = report.flush(now: start)
        // Three more within the second: one flush, scheduled a second after the line, for all three.
        #expect(report.rejected(now: start + 100, total: 2) == start + Self.second)
        #expect(report.rejected(now: start + 200, total: 3) == nil)
        #expect(report.rejected(now: start + 300, total: 4) == nil)
        #expect(report.flush(now: start + Self.second)! == (3, 4))
    }

    @Test func quietPeriod_nextRejectionReportedAtOnceAgain() {
        var report = RejectionReport(interval: Self.second)
        _ = report.rejected(now: 0, total: 1)
        _ = report.flush(now: 0)
        #expect(report.rejected(now: 3 * Self.second, total: 2) == 3 * Self.second)
        #expect(report.flush(now: 3 * Self.second)! == (1, 2))
    }

    @Test func earlyFlush_countsAsOnTime_soLinesStayAnIntervalApart() {
        var report = RejectionReport(interval: Self.second)
        _ = report.rejected(now: 0, total: 1)
        _ = report.flush(now: 0)
        let at = report.rejected(now: 10, total: 2)!
        // The timer fired a little early by our clock: the line is dated at its schedule.
        #expect(report.flush(now: at - 50)! == (1, 2))
        #expect(report.lastLine == Self.second)
        #expect(report.rejected(now: Self.second + 1, total: 3) == 2 * Self.second)
    }

    @Test func flushWithNothingPending_writesNothing() {
        var report = RejectionReport(interval: Self.second)
        #expect(report.flush(now: 0) == nil)
        #expect(report.lastLine == nil)
    }

    @Test func runningTotal_neverGoesBack() {
        var report = RejectionReport(interval: Self.second)
        _ = report.rejected(now: 0, total: 7)
        _ = report.rejected(now: 1, total: 5)  // defensive: one loop reports them, in order
        #expect(report.flush(now: 1)! == (2, 7))
    }
}
