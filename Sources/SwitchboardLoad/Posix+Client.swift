// The timer the harness waits on, through SwitchboardPosix's one
// syscall wrapper (`Posix.call` / `Posix.nonBlocking`: EINTR retried, would-block as a value,
// errno in the error), so the harness adds calls to the wrapper rather than a second wrapper.

import CSwitchboardLinux
import Glibc
import SwitchboardPosix

extension Posix {
    /// A non-blocking CLOCK_MONOTONIC timerfd.
    static func timerFD() throws(PosixError) -> Int32 {
        try call("timerfd_create") { csb_timerfd_create() }
    }

    /// Arms `fd` to fire once at `deadline` (CLOCK_MONOTONIC nanoseconds); 0 disarms it.
    static func armTimer(_ fd: Int32, at deadline: UInt64) throws(PosixError) {
        _ = try call("timerfd_settime") { csb_timerfd_arm(fd, deadline) }
    }

    /// Reads (and so resets) a timerfd's expiry count; would-block means it had not fired.
    static func drainTimer(_ fd: Int32) throws(PosixError) {
        var expirations: UInt64 = 0
        _ = try nonBlocking("read") { read(fd, &expirations, 8) }
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock of every time the harness records, and of its timerfd.
/// A plain integer, so a latency is one subtraction on the hot path.
enum Nanoclock {
    @inline(__always)
    static func now() -> UInt64 {
        var spec = timespec()
        // vDSO, not a system call; CLOCK_MONOTONIC cannot fail with a valid pointer.
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Sleeps about `nanoseconds` (a signal may end it early: callers loop on their own clock).
    static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}
