import CSwitchboardLinux

/// A fixed set of 64-bit counters in raw memory, one copy per lane, updated with relaxed atomic adds.
///
/// Why lanes: every event loop counts every request it answers; if the loops shared one set, each
/// increment would pull the cache line away from the other core. A loop writes only its own lane
/// (its index in the server); work off the loops writes the last lane. A reader sums the lanes.
/// Why raw memory and a C add: `Synchronization.Atomic` cannot be stored in an array.
///
/// `@unchecked Sendable`: every access to `storage` goes through `csb_counter_add` and
/// `csb_counter_load`, which are atomic; the memory is allocated once and freed in `deinit`.
final class CounterArray: @unchecked Sendable {
    let count: Int
    let lanes: Int
    /// Counters per lane, rounded up to whole cache lines (8 counters) so lanes never share one.
    private let stride: Int
    private let storage: UnsafeMutablePointer<Int64>

    init(count: Int, lanes: Int) {
        precondition(count > 0 && lanes > 0)
        self.count = count
        self.lanes = lanes
        stride = (count + 7) / 8 * 8
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stride * lanes * 8, alignment: 64)
        storage = raw.initializeMemory(as: Int64.self, repeating: 0, count: stride * lanes)
    }

    deinit {
        storage.deallocate()
    }

    /// Adds `value` to counter `index` in `lane` (any lane out of range counts in the last one).
    @inline(__always)
    func add(_ index: Int, lane: Int, _ value: Int64 = 1) {
        precondition(index >= 0 && index < count, "counter index out of range")
        let lane = lane >= 0 && lane < lanes ? lane : lanes - 1
        csb_counter_add(storage + lane * stride + index, value)
    }

    /// Counter `index` summed over the lanes.
    func total(_ index: Int) -> Int64 {
        precondition(index >= 0 && index < count, "counter index out of range")
        var sum: Int64 = 0
        for lane in 0..<lanes { sum &+= csb_counter_load(storage + lane * stride + index) }
        return sum
    }
}
