#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One shard of the number side of the index: its mutex and its table, side by side in one cache
/// line (40 + 24 bytes on Linux), so taking the lock brings the table's header along.
struct NumberShard: ~Copyable {
    var mutex = pthread_mutex_t()
    var table = NumberTable()
}

/// The number side of the index: every shard in one allocation, reached by pointer arithmetic.
///
/// Why not an array of shard objects: each lookup then retains and releases the shard object (an
/// atomic read-modify-write on a line that every thread shares), goes through the object to a
/// separately allocated mutex, and pays a dynamic exclusivity check for the table property. Here a
/// lookup is: pointer + index, lock, probe, unlock.
///
/// `@unchecked Sendable`: a shard's table is read and written only while its mutex is held (through
/// `withLocked`, or by a `RoutingIndex.Transaction` that holds it); the memory is allocated once in
/// `init`, never moved, and freed in `deinit`.
final class NumberShards: @unchecked Sendable {
    let count: Int
    private let shards: UnsafeMutablePointer<NumberShard>

    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<NumberShard>.stride, alignment: 64)
        shards = raw.bindMemory(to: NumberShard.self, capacity: count)
        for index in 0..<count {
            (shards + index).initialize(to: NumberShard())
            let result = pthread_mutex_init(&shards[index].mutex, nil)
            precondition(result == 0, "pthread_mutex_init failed: \(result)")
        }
    }

    deinit {
        for index in 0..<count { pthread_mutex_destroy(&shards[index].mutex) }
        shards.deinitialize(count: count)
        UnsafeMutableRawPointer(shards).deallocate()
    }

    @inline(__always)
    func lock(_ index: Int) {
        let result = pthread_mutex_lock(&shards[index].mutex)
        assert(result == 0)
    }

    @inline(__always)
    func unlock(_ index: Int) {
        let result = pthread_mutex_unlock(&shards[index].mutex)
        assert(result == 0)
    }

    /// Runs `body` on shard `index`'s table with its lock held.
    @inline(__always)
    func withLocked<Result>(_ index: Int, _ body: (inout NumberTable) throws -> Result) rethrows -> Result {
        lock(index)
        defer { unlock(index) }
        return try body(&shards[index].table)
    }

    /// Runs `body` on shard `index`'s table, whose lock the caller already holds (a transaction, or a
    /// reader that takes a second lock in the global order while holding this one).
    @inline(__always)
    func whileLocked<Result>(_ index: Int, _ body: (inout NumberTable) throws -> Result) rethrows -> Result {
        try body(&shards[index].table)
    }
}
