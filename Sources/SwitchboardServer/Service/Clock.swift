#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import SwitchboardCore

extension Timestamp {
    /// The wall clock now (`CLOCK_REALTIME`, to the millisecond, rounded as `Date` would). Only the
    /// server layer reads clocks; Core takes time as input. Read straight from the system, not
    /// through Foundation's `Date`: every webhook reads it once.
    public static var now: Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(milliseconds: Int64(time.tv_sec) * 1000 + (Int64(time.tv_nsec) + 500_000) / 1_000_000)
    }
}
