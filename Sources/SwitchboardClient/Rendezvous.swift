#if canImport(Glibc)
import Glibc
#endif

/// One value handed from a callback thread to a waiting thread, with a deadline: how the blocking
/// client waits for URLSession's completion handler without waiting forever.
///
/// A pthread mutex and condition rather than `DispatchSemaphore` or `Mutex`, so ThreadSanitizer sees
/// the hand-over (the rest of the project's locks are pthread-based for the same reason).
final class Rendezvous<Value: Sendable>: @unchecked Sendable {
    // `@unchecked Sendable`: `value` is only read or written with `mutex` held; the pthread objects
    // are allocated once here and freed in deinit, when no thread can still use them.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: Value?

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // The deadline is on the monotonic clock: a wall-clock jump must not stretch or cut it.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Hands over `value`; only the first one counts.
    func fulfil(_ value: Value) {
        pthread_mutex_lock(mutex)
        if self.value == nil {
            self.value = value
            pthread_cond_broadcast(condition)
        }
        pthread_mutex_unlock(mutex)
    }

    /// The value, or nil if none arrived within `seconds`.
    func wait(seconds: Double) -> Value? {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let whole = Int(seconds.rounded(.down))
        let nanoseconds = deadline.tv_nsec + Int((seconds - Double(whole)) * 1e9)
        deadline.tv_sec += whole + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while value == nil {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
        }
        return value
    }
}
