import SwitchboardPosix

/// Which numbers wait to be pushed, when each is due, and which are being pushed now: the push
/// queue's bookkeeping as a plain value (the queue holds it under its lock), so every operation is
/// O(log n) whatever the backlog, and the same number is never pushed twice at once.
///
/// A number waits at most once (a newer change replaces its due time and keeps the first hint). Due
/// numbers sit in a min-heap ordered by due time, then by when they were scheduled; replacing a due
/// time leaves the old heap item behind, recognised as stale by its generation and dropped when it
/// reaches the top. A number scheduled while its push is in flight is parked outside the heap and
/// returns to it when that push finishes, so pushes of one number never overlap or reorder.
struct PushSchedule<Key: Hashable, Hint: Equatable> {
    struct Entry: Equatable {
        var due: MonotonicInstant
        /// What the number was bound to before the change, when the change said so.
        var previousHint: Hint?
    }

    private struct Waiting {
        var entry: Entry
        var generation: UInt64
        /// Scheduled while in flight: not in the heap until that push finishes.
        var parked: Bool
    }

    private struct HeapItem {
        var due: MonotonicInstant
        var generation: UInt64
        var key: Key

        func precedes(_ other: HeapItem) -> Bool {
            due < other.due || (due == other.due && generation < other.generation)
        }
    }

    private var waiting: [Key: Waiting] = [:]
    private var heap: [HeapItem] = []
    private(set) var inFlight: Set<Key> = []
    private var generation: UInt64 = 0

    /// Nothing waits and nothing is in flight.
    var isEmpty: Bool { waiting.isEmpty && inFlight.isEmpty }

    /// How many numbers wait (in flight ones aside).
    var waitingCount: Int { waiting.count }

    /// What `key` waits for, if it waits.
    func entry(_ key: Key) -> Entry? { waiting[key]?.entry }

    /// Makes `key` wait until `entry.due`, replacing what it waited for.
    mutating func schedule(_ key: Key, _ entry: Entry) {
        generation &+= 1
        let parked = inFlight.contains(key)
        waiting[key] = Waiting(entry: entry, generation: generation, parked: parked)
        if !parked { insert(HeapItem(due: entry.due, generation: generation, key: key)) }
    }

    /// The earliest due time among the numbers that could start (not parked behind a push in flight).
    mutating func earliestDue() -> MonotonicInstant? {
        dropStaleTop()
        return heap.first?.due
    }

    /// Whether the heap's top is due at `now`: the cheap check a sleeping push thread makes. The top
    /// may be stale: then `takeDue` takes nothing, and `earliestDue` drops it before the next sleep.
    func topIsDue(now: MonotonicInstant) -> Bool {
        heap.first.map { $0.due <= now } ?? false
    }

    /// Takes up to `limit` numbers due at `now`, earliest first, and marks them in flight.
    mutating func takeDue(now: MonotonicInstant, limit: Int) -> [(key: Key, entry: Entry)] {
        var taken: [(key: Key, entry: Entry)] = []
        while taken.count < limit, let next = takeNextDue(now: now) { taken.append(next) }
        return taken
    }

    /// Takes the earliest number due at `now`, if any, and marks it in flight (a push thread's
    /// take: no array made).
    mutating func takeNextDue(now: MonotonicInstant) -> (key: Key, entry: Entry)? {
        dropStaleTop()
        guard let top = heap.first, top.due <= now else { return nil }
        removeTop()
        let entry = waiting.removeValue(forKey: top.key)!.entry
        inFlight.insert(top.key)
        return (top.key, entry)
    }

    /// The push of `key` is over: a change that came meanwhile may start now.
    mutating func finished(_ key: Key) {
        inFlight.remove(key)
        guard var parked = waiting[key], parked.parked else { return }
        parked.parked = false
        waiting[key] = parked
        insert(HeapItem(due: parked.entry.due, generation: parked.generation, key: key))
    }

    // MARK: The heap

    /// Drops heap items whose number was rescheduled (or taken) since they were inserted.
    private mutating func dropStaleTop() {
        while let top = heap.first, waiting[top.key].map({ $0.generation != top.generation || $0.parked }) ?? true {
            removeTop()
        }
    }

    private mutating func insert(_ item: HeapItem) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count && heap[left].precedes(heap[first]) { first = left }
            if right < heap.count && heap[right].precedes(heap[first]) { first = right }
            guard first != parent else { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }
}
