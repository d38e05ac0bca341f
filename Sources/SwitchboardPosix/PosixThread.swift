package import CSwitchboardLinux
import Glibc

/// Starts plain pthreads for event loops, the offload pool and the signal watcher.
///
/// Why not Foundation's `Thread`: this module needs nothing else from Foundation, and a named
/// pthread shows up as `sb-loop-3` in `top -H` and debuggers.
package enum PosixThread {
    /// Carries the closure through `pthread_create`'s `void *` argument.
    private final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts a thread named `name` (cut to the 15 bytes Linux keeps) running `body`. Unless
    /// `joinable`, the thread is detached: it releases its resources when it ends, and whoever
    /// needs to know that it ended waits on their own condition.
    @discardableResult
    package static func spawn(
        name: String, joinable: Bool = false, _ body: @escaping @Sendable () -> Void
    ) throws(PosixError) -> pthread_t {
        let start = Unmanaged.passRetained(
            Start {
                csb_set_current_thread_name(name)
                body()
            }
        ).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
                start.body()
                return nil
            }, start)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw PosixError(call: "pthread_create", errno: result)
        }
        if !joinable { _ = pthread_detach(thread) }
        return thread
    }

    /// Waits for `thread` to finish.
    package static func join(_ thread: pthread_t) {
        _ = pthread_join(thread, nil)
    }

    /// Lets a joinable `thread` release its resources when it ends, without a `join`.
    static func detach(_ thread: pthread_t) {
        _ = pthread_detach(thread)
    }
}
