import Glibc

/// A pthread mutex with a condition variable.
///
/// Why not `Synchronization.Mutex`: on Linux it waits with raw futex calls inside the uninstrumented
/// standard library, so ThreadSanitizer cannot see its happens-before edges and reports races
/// between correctly locked sections. CI runs these tests under `--sanitize=thread`; pthread calls
/// are intercepted by TSan. The condition variable is here because the server's shutdown and the
/// offload pool need to sleep until another thread changes the protected state.
///
/// `@unchecked Sendable`: the mutex and condition live in memory allocated once in `init` and freed
/// in `deinit`, never moved; pthread mutexes and conditions are made to be shared between threads.
package final class PosixLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    package init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var result = pthread_mutex_init(mutex, nil)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
        // Timed waits measure against the monotonic clock: a wall-clock step must not stretch them.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        result = pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        precondition(result == 0, "pthread_cond_init failed: \(result)")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    @inline(__always)
    package func lock() {
        let result = pthread_mutex_lock(mutex)
        assert(result == 0)
    }

    @inline(__always)
    package func unlock() {
        let result = pthread_mutex_unlock(mutex)
        assert(result == 0)
    }

    /// Releases the mutex until `broadcast`, then holds it again. Callers loop on their condition:
    /// wake-ups can be spurious.
    func wait() {
        let result = pthread_cond_wait(condition, mutex)
        assert(result == 0)
    }

    /// Like `wait`, but returns after `nanoseconds` at most (measured on the monotonic clock).
    @usableFromInline
    func wait(nanoseconds: Int64) {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        // At most about 31 years: a "forever" of Int64.max nanoseconds must not overflow the sum.
        let total = Int64(deadline.tv_nsec) + min(max(0, nanoseconds), 1_000_000_000_000_000_000)
        deadline.tv_sec += Int(total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        let result = pthread_cond_timedwait(condition, mutex, &deadline)
        assert(result == 0 || result == ETIMEDOUT)
    }

    /// Wakes every thread in `wait`.
    func broadcast() {
        let result = pthread_cond_broadcast(condition)
        assert(result == 0)
    }

    /// Wakes one thread in `wait`.
    func signal() {
        let result = pthread_cond_signal(condition)
        assert(result == 0)
    }
}

/// A value protected by a `PosixLock`, reached only through `withLock` (STYLE.md habit 6).
///
/// `@unchecked Sendable`: `value` is read and written only inside `withLock` / `wait(until:)`,
/// with `lock` held.
package final class Guarded<Value>: @unchecked Sendable {
    @usableFromInline let lock = PosixLock()
    @usableFromInline var value: Value

    package init(_ value: Value) {
        self.value = value
    }

    @inline(__always)
    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// Like `withLock`, then wakes the threads in `wait(until:)` so they re-check their condition:
    /// every one, or (`all: false`) one, when any waiter can use the change (a queued job).
    ///
    /// The wake comes after the unlock: a thread woken while the lock is still held would wake only
    /// to block on the mutex (a futex wait and a second context switch). Waiters re-check their
    /// condition under the lock, and the change was made under it, so none misses it.
    package func withLockNotifying<Result>(all: Bool = true, _ body: (inout Value) -> Result) -> Result {
        lock.lock()
        let result = body(&value)
        lock.unlock()
        if all { lock.broadcast() } else { lock.signal() }
        return result
    }

    /// What a `withLockWaiting` body decides.
    package enum WaitStep<Result> {
        /// Return this, releasing the lock.
        case done(Result)
        /// Sleep (the lock released) until notified or this long has passed, then run again.
        case wait(Duration)
    }

    /// Runs `body` with the lock held; while it answers `.wait`, sleeps until notified or the
    /// timeout it gave, and runs it again. The check, the sleep and the taking happen under one
    /// acquisition of the lock (a worker taking jobs pays for one, not three). Inlinable, so that
    /// the caller's specialisation runs rather than generic code that looks up type metadata.
    @inlinable
    package func withLockWaiting<Result>(_ body: (inout Value) -> WaitStep<Result>) -> Result {
        lock.lock()
        defer { lock.unlock() }
        while true {
            switch body(&value) {
            case .done(let result):
                return result
            case .wait(let timeout):
                lock.wait(nanoseconds: max(timeout, .zero).clampedNanoseconds)
            }
        }
    }

    /// Sleeps until `condition` holds, then runs `body` with the lock still held.
    package func wait<Result>(until condition: (Value) -> Bool, then body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        while !condition(value) { lock.wait() }
        return body(&value)
    }

    /// Sleeps until `condition` holds or `timeout` has passed (whichever is first), then runs
    /// `body` with the lock held; `body` sees whether the condition held.
    package func wait<Result>(
        until condition: (Value) -> Bool, timeout: Duration, then body: (inout Value, _ held: Bool) -> Result
    ) -> Result {
        let deadline = MonotonicInstant.now + timeout
        lock.lock()
        defer { lock.unlock() }
        while !condition(value) {
            let left = MonotonicInstant.now.duration(to: deadline).clampedNanoseconds
            guard left > 0 else { return body(&value, false) }
            lock.wait(nanoseconds: left)
        }
        return body(&value, true)
    }
}
