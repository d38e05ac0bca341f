/// One number as the hot path sees it: 24 bytes, no strings.
struct NumberSlot {
    /// `E164.key`; 0 marks an empty slot (0 is never a valid key).
    var key: UInt64
    /// The assigned agent, or nil. Invariant: nil whenever `active` is false.
    var agent: AgentRecord?
    /// The owning account's slot (`RoutingIndex` account table).
    var account: UInt32
    var provider: Provider
    var active: Bool

    static let empty = NumberSlot(key: 0, agent: nil, account: 0, provider: .retell, active: false)
}

/// An open-addressing hash table from number key to `NumberSlot`, with linear probing.
///
/// Why not `Dictionary`: keys are already well-mixed 64-bit integers, so a multiply-shift hash
/// replaces SipHash; slots are stored inline (key next to value) so a lookup touches one or two cache
/// lines; and numbers are never removed (a vanished number becomes inactive, SPEC rule 9), so the
/// table needs no tombstones. Load is kept at most 3/4.
///
/// Why raw memory and `~Copyable`: the table lives inside a `NumberShard` next to its mutex, reached
/// through a pointer, so a lookup makes no retain, no release and no exclusivity check (each of which
/// a class or array property costs per access). Not copyable, so the slots have exactly one owner and
/// are freed exactly once.
struct NumberTable: ~Copyable {
    private var slots: UnsafeMutablePointer<NumberSlot>
    private(set) var count = 0
    private var size: Int

    init(capacity: Int = 16) {
        size = NumberTable.size(for: capacity)
        slots = .allocate(capacity: size)
        slots.initialize(repeating: .empty, count: size)
    }

    deinit {
        slots.deinitialize(count: size)
        slots.deallocate()
    }

    /// Room for `count` at a load of 5/8, at least 16 slots. Any size works (not only powers of
    /// two: see `home`), so the load stays between 5/8 and 3/4 and no memory is wasted on rounding.
    private static func size(for count: Int) -> Int {
        Swift.max(16, count * 8 / 5 + 1)
    }

    /// Where `hash` starts probing: its bits below the shard bits (the top ones chose the shard, so
    /// they are the same for every key here), scaled onto `0..<size` by a multiply (Lemire's
    /// "fastrange"): no division, and no power-of-two size needed.
    @inline(__always)
    private func home(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash << UInt64(RoutingIndex.shardBits)).multipliedFullWidth(by: UInt64(size)).high)
    }

    /// Grows the table ahead of a bulk load so it is not rehashed on the way.
    mutating func reserve(_ expected: Int) {
        guard expected * 4 > size * 3 else { return }
        let old = slots
        let oldSize = size
        size = NumberTable.size(for: expected)
        slots = .allocate(capacity: size)
        slots.initialize(repeating: .empty, count: size)
        for position in 0..<oldSize {
            let slot = (old + position).move()
            guard slot.key != 0 else { continue }
            var index = home(RoutingIndex.hash(slot.key))
            while slots[index].key != 0 { index = next(index) }
            slots[index] = slot
        }
        old.deallocate()
    }

    @inline(__always)
    private func next(_ index: Int) -> Int {
        index + 1 == size ? 0 : index + 1
    }

    /// Bytes held by the slot array (what the index costs per number, without agents).
    var allocatedBytes: Int { size * MemoryLayout<NumberSlot>.stride }

    /// The position of `key`, or nil.
    @inline(__always)
    func find(_ key: UInt64, hash: UInt64) -> Int? {
        var index = home(hash)
        while true {
            let slotKey = slots[index].key
            if slotKey == key { return index }
            if slotKey == 0 { return nil }
            index = next(index)
        }
    }

    /// The slot at `position`, read and written in place (no copy, so no retain of its agent).
    @inline(__always)
    subscript(position: Int) -> NumberSlot {
        unsafeAddress { UnsafePointer(slots + position) }
        unsafeMutableAddress { slots + position }
    }

    /// Inserts or replaces the slot for `slot.key`.
    mutating func upsert(_ slot: NumberSlot, hash: UInt64) {
        if let position = find(slot.key, hash: hash) {
            slots[position] = slot
            return
        }
        if (count + 1) * 4 > size * 3 { reserve(count * 2 + 2) }
        var index = home(hash)
        while slots[index].key != 0 { index = next(index) }
        slots[index] = slot
        count += 1
    }

    /// Every occupied slot, in table order.
    func forEach(_ body: (NumberSlot) throws -> Void) rethrows {
        for position in 0..<size where slots[position].key != 0 { try body(slots[position]) }
    }
}
