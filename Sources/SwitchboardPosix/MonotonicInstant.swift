import Glibc

/// A reading of the monotonic clock (`CLOCK_MONOTONIC`) in nanoseconds: the server's clock for
/// deadlines and timers (the event loops, connections and their state machines).
///
/// Why not `ContinuousClock.Instant`: that type is declared in `_Concurrency`, which is built with
/// library evolution, and it is not `@frozen`. Outside that module its size is unknown at compile
/// time, so every copy, comparison and `+` of one, and every enum carrying one
/// (`ConnectionStateMachine.Phase`), goes through run-time layout calls and value witnesses
/// (`swift_getEnumCaseMultiPayload`, `tuple_initializeWithCopy`, a call for `now` and for each
/// `+`): about 1.5% of the router's CPU on the webhook path (perf). An integer costs none of that.
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static var now: MonotonicInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicInstant(nanoseconds: Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec))
    }

    /// `lhs` moved by `rhs`, saturating (a configured timeout of centuries means "never").
    public static func + (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant {
        lhs.advanced(byNanoseconds: rhs.clampedNanoseconds)
    }

    /// This instant moved by `nanoseconds`, saturating. For hot paths that converted a
    /// `Duration` once (its conversion is a call into the standard library).
    @inline(__always)
    public func advanced(byNanoseconds delta: Int64) -> MonotonicInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return MonotonicInstant(nanoseconds: overflow ? (delta > 0 ? .max : .min) : sum)
    }

    /// The time from this instant to `other` (negative when `other` is earlier).
    public func duration(to other: MonotonicInstant) -> Duration {
        let (difference, overflow) = other.nanoseconds.subtractingReportingOverflow(nanoseconds)
        return .nanoseconds(overflow ? (other.nanoseconds > nanoseconds ? .max : .min) : difference)
    }

    /// Whole milliseconds from this instant to `deadline`, rounded up (a `poll` or `epoll_wait`
    /// timeout that wakes no earlier than the deadline) and clamped to `Int32`; 0 once it passed.
    func millisecondsRoundedUp(to deadline: MonotonicInstant) -> Int32 {
        let (left, overflow) = deadline.nanoseconds.subtractingReportingOverflow(nanoseconds)
        if overflow { return deadline > self ? .max : 0 }
        guard left > 0 else { return 0 }
        return Int32(clamping: left / 1_000_000 + (left % 1_000_000 == 0 ? 0 : 1))
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`'s range.
    @usableFromInline
    var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds > 0 ? .max : .min }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return sumOverflow ? (seconds > 0 ? .max : .min) : sum
    }
}
