import Testing

@testable import SwitchboardPosix

/// The server's clock: arithmetic with `Duration`, saturation at the ends, and `now` moving forward
/// at the rate of `ContinuousClock`.
@Suite struct MonotonicInstantTests {
    @Test func addingDurations_isExactToTheNanosecond() {
        let start = MonotonicInstant(nanoseconds: 1_000)
        #expect((start + .seconds(2)).nanoseconds == 2_000_001_000)
        #expect((start + .milliseconds(-1)).nanoseconds == -999_000)
        #expect((start + .nanoseconds(7)).nanoseconds == 1_007)
        #expect(start.advanced(byNanoseconds: 5).nanoseconds == 1_005)
        #expect(start.duration(to: start + .seconds(3)) == .seconds(3))
        #expect((start + .seconds(3)).duration(to: start) == .seconds(-3))
    }

    @Test func farDeadlines_saturateInsteadOfTrapping() {
        let start = MonotonicInstant(nanoseconds: 1)
        #expect((start + .seconds(Int64.max)).nanoseconds == .max)
        #expect((MonotonicInstant(nanoseconds: -1) + .seconds(Int64.min)).nanoseconds == .min)
        #expect(MonotonicInstant(nanoseconds: .max).advanced(byNanoseconds: 1).nanoseconds == .max)
        #expect(MonotonicInstant(nanoseconds: .min).advanced(byNanoseconds: -1).nanoseconds == .min)
        #expect(Duration.seconds(Int64.max).clampedNanoseconds == .max)
        #expect(Duration.seconds(Int64.min).clampedNanoseconds == .min)
        #expect(MonotonicInstant(nanoseconds: .min).duration(to: MonotonicInstant(nanoseconds: .max)) == .nanoseconds(Int64.max))
    }

    @Test func millisecondsRoundedUp_neverWakesEarly() {
        let now = MonotonicInstant(nanoseconds: 5_000_000_000)
        #expect(now.millisecondsRoundedUp(to: now) == 0)
        #expect(now.millisecondsRoundedUp(to: now.advanced(byNanoseconds: -1)) == 0)
        #expect(now.millisecondsRoundedUp(to: now.advanced(byNanoseconds: 1)) == 1)
        #expect(now.millisecondsRoundedUp(to: now.advanced(byNanoseconds: 1_000_000)) == 1)
        #expect(now.millisecondsRoundedUp(to: now.advanced(byNanoseconds: 1_000_001)) == 2)
        #expect(now.millisecondsRoundedUp(to: now + .seconds(3)) == 3_000)
        #expect(now.millisecondsRoundedUp(to: MonotonicInstant(nanoseconds: .max)) == .max)
        #expect(MonotonicInstant(nanoseconds: .max).millisecondsRoundedUp(to: MonotonicInstant(nanoseconds: .min)) == 0)
    }

    @Test func now_movesForwardWithContinuousClock() {
        let clock = ContinuousClock()
        let before = MonotonicInstant.now
        let started = clock.now
        var spin = MonotonicInstant.now
        while spin.nanoseconds - before.nanoseconds < 20_000_000 { spin = .now }  // 20 ms, bounded by the clock itself
        let elapsed = started.duration(to: clock.now)
        let ours = before.duration(to: .now)
        #expect(ours >= .milliseconds(20))
        // Both clocks count the same interval (within scheduling noise).
        #expect(abs(ours.clampedNanoseconds - elapsed.clampedNanoseconds) < 5_000_000, "\(ours) vs \(elapsed)")
        #expect(before < spin && !(spin < before))
    }
}
