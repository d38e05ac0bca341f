import CSwitchboardLinux
import Glibc

/// Turns signals (SIGTERM, SIGINT) into calls of a Swift closure on a dedicated thread, where it
/// may do anything, e.g. `server.shutdown()`.
///
/// How: a C handler (async-signal-safe: one write(2)) writes the signal number into a pipe; a
/// thread reads the pipe and calls `handler`. Why not signalfd: it needs the signals blocked in
/// every thread, including threads Dispatch or Foundation started before us; a signal arriving
/// at a thread that has it unblocked would then take its default action and kill the process.
/// A handler works whichever thread the kernel picks.
///
/// Signal dispositions are process-wide: create one watcher per signal and keep it alive for as
/// long as the signals should be handled.
public final class SignalWatcher: Sendable {
    private let signals: [Int32]
    private let writeFD: Int32
    private let thread: pthread_t
    private let stopped = Guarded(false)

    /// Installs forwarding for `signals` and starts the thread that calls `handler` with each
    /// signal number, in arrival order.
    public init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) throws {
        var fds: [Int32] = [-1, -1]
        _ = try Posix.call("pipe2") { csb_signal_pipe(&fds) }
        let (readFD, writeFD) = (fds[0], fds[1])
        do {
            for signal in signals {
                _ = try Posix.call("sigaction") { csb_signal_forward(signal, writeFD) }
            }
            thread = try PosixThread.spawn(name: "sb-signals", joinable: true) {
                Self.watch(readFD: readFD, writeFD: writeFD, handler: handler)
            }
        } catch {
            for signal in signals { _ = csb_signal_default(signal) }
            Posix.close(readFD)
            Posix.close(writeFD)
            throw error
        }
        self.signals = signals
        self.writeFD = writeFD
    }

    deinit {
        stop()
    }

    /// Restores the signals' default dispositions and ends the thread (waiting for a handler call
    /// in progress, unless called from that handler). Idempotent.
    public func stop() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        for signal in signals { _ = csb_signal_default(signal) }
        // Byte 0 is no signal number: it tells the thread to exit. The thread closes both pipe
        // ends itself, so a descriptor is never closed under a read still in progress.
        var zero: UInt8 = 0
        _ = try? Posix.call("write") { write(writeFD, &zero, 1) }
        if pthread_equal(pthread_self(), thread) == 0 {
            PosixThread.join(thread)
        } else {
            PosixThread.detach(thread)
        }
    }

    /// Ignores SIGPIPE process-wide. The server already sends with MSG_NOSIGNAL; this covers
    /// other writes to sockets and pipes (e.g. a client library's).
    public static func ignoreBrokenPipe() {
        _ = csb_signal_ignore(SIGPIPE)
    }

    private static func watch(readFD: Int32, writeFD: Int32, handler: @Sendable (Int32) -> Void) {
        defer {
            Posix.close(readFD)
            Posix.close(writeFD)
        }
        var byte: UInt8 = 0
        while true {
            guard let count = try? Posix.call("read", { read(readFD, &byte, 1) }), count == 1, byte != 0 else {
                return
            }
            handler(Int32(byte))
        }
    }
}
