#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `Date` header value, formatted at most once a second.
///
/// Every response carries a Date (RFC 9110 §6.6.1), and formatting one per response is measurable at
/// thousands of responses a second; the value only changes once a second. The cache keeps the
/// formatted bytes with the epoch second they belong to and reformats only when the clock reports a
/// different second (forwards or backwards).
///
/// Thread safety: one instance may be shared by every event loop. The state is guarded by a pthread
/// mutex, held for an integer compare and an array retain (plus, once a second, the formatting), so
/// contention is negligible; a per-loop instance (as the server uses) never contends. Not
/// `Synchronization.Mutex`: ThreadSanitizer cannot see its futex waits and reports false races.
///
/// `@unchecked Sendable`: `entry` is read and written only between `pthread_mutex_lock` and
/// `pthread_mutex_unlock` of `mutex`, which is allocated once in `init` and freed in `deinit`.
public final class HTTPDateCache: @unchecked Sendable {
    /// Seconds since 1970-01-01 UTC.
    public typealias Clock = @Sendable () -> Int64

    private struct Entry {
        var second: Int64
        var value: [UInt8]
    }

    private let clock: Clock
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var entry: Entry?

    /// - Parameter clock: the time source; tests inject a fixed or stepping clock.
    public init(clock: @escaping Clock = HTTPDateCache.systemClock) {
        self.clock = clock
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The real-time clock, whole seconds (clock_gettime is a vDSO call: no syscall).
    public static let systemClock: Clock = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }

    /// The current IMF-fixdate as bytes, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. Within one second
    /// every call returns the same array storage.
    public func current() -> [UInt8] {
        let second = clock()
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let cached = entry, cached.second == second { return cached.value }
        let value = IMFFixdate.format(epochSeconds: second)
        entry = Entry(second: second, value: value)
        return value
    }

    /// The current IMF-fixdate as a String.
    public func currentString() -> String {
        String(decoding: current(), as: UTF8.self)
    }
}
