/// A value protected by a pthread mutex, reached only through `withLock`.
///
/// Why not `Synchronization.Mutex`: on Linux it waits with raw futex calls inside the (uninstrumented)
/// standard library, so ThreadSanitizer cannot see its happens-before edges and reports races between
/// two correctly locked critical sections. CI runs the concurrency tests under `--sanitize=thread`,
/// and a sanitizer that cries wolf is worse than none; pthread mutexes are intercepted by TSan.
///
/// `@unchecked Sendable`: `value` is read and written only inside `withLock`, under `lock`.
///
/// `@inlinable`: callers in other modules get `withLock` specialised and inlined; otherwise every
/// call (one per routing event, say) ran generic code that looks up type metadata at run time.
public final class Locked<Value>: @unchecked Sendable {
    @usableFromInline let lock = ShardLock()
    @usableFromInline var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
