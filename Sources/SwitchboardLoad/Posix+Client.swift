// The client side of sockets and the timer the harness waits on, through SwitchboardPosix's one
// syscall wrapper (`Posix.call` / `Posix.nonBlocking`: EINTR retried, would-block as a value,
// errno in the error), so the harness adds calls to the wrapper rather than a second wrapper.

import CSwitchboardLinux
import Glibc
import SwitchboardPosix

extension Posix {
    /// Starts a non-blocking `connect(2)`. `.done` when it completed at once (loopback may),
    /// `.wouldBlock` while it is in progress: wait for EPOLLOUT, then read `pendingError`.
    static func connect(_ fd: Int32, to address: SocketAddress) throws(PosixError) -> IOResult<Void> {
        let result = address.withSockaddr { pointer, length in Glibc.connect(fd, pointer, length) }
        if result == 0 { return .done(()) }
        let code = errno
        // EINTR on a non-blocking connect also leaves it in progress (connect(2)); it is not
        // restarted, because a second connect would fail with EALREADY.
        if code == EINPROGRESS || code == EINTR { return .wouldBlock }
        throw PosixError(call: "connect", errno: code)
    }

    /// The socket's pending error (`SO_ERROR`), 0 when the connect in progress succeeded.
    static func pendingError(_ fd: Int32) throws(PosixError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try call("getsockopt") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value
    }

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
