#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A mutex for one shard of the routing index.
///
/// Why not `Synchronization.Mutex`: a writer must hold several shard locks at once (the number's
/// shard, the agent's old number's shard, both agents' shards), taken in one global order so that a
/// reader sees the state before or after an assignment, never a mix. `Mutex` only offers a
/// closure-scoped `withLock` over its own value, which cannot express "lock these four, then change
/// all four tables". This is a plain pthread mutex with explicit `lock()`/`unlock()`, used only
/// through `withLock` for one shard and through `RoutingIndex.Transaction` for several.
///
/// `@unchecked Sendable`: the mutex lives in memory allocated once in `init` and freed in `deinit`,
/// never moved; pthread mutexes are made to be shared between threads.
///
/// Each mutex has a cache line of its own: locks made one after the other (the agent shards', the
/// event log's lanes') came from neighbouring malloc chunks, so two threads taking two different
/// locks wrote the same line.
@usableFromInline
final class ShardLock: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    @usableFromInline
    init() {
        precondition(MemoryLayout<pthread_mutex_t>.size <= ShardLock.lineSize)
        mutex = UnsafeMutableRawPointer.allocate(byteCount: ShardLock.lineSize, alignment: ShardLock.lineSize)
            .bindMemory(to: pthread_mutex_t.self, capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let result = pthread_mutex_init(mutex, nil)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
    }

    static let lineSize = 64

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        UnsafeMutableRawPointer(mutex).deallocate()
    }

    @inlinable
    func lock() {
        let result = pthread_mutex_lock(mutex)
        assert(result == 0)
    }

    @inlinable
    func unlock() {
        let result = pthread_mutex_unlock(mutex)
        assert(result == 0)
    }

    @inline(__always)
    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}
