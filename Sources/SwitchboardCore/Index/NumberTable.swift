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
struct NumberTable {
    private(set) var slots: ContiguousArray<NumberSlot>
    private(set) var count = 0
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size * 3 / 4 < capacity { size <<= 1 }
        slots = ContiguousArray(repeating: .empty, count: size)
        mask = size - 1
    }

    /// Grows the table ahead of a bulk load so it is not rehashed on the way.
    mutating func reserve(_ expected: Int) {
        guard (expected * 4) > slots.count * 3 else { return }
        var size = slots.count
        while size * 3 / 4 < expected { size <<= 1 }
        let old = slots
        slots = ContiguousArray(repeating: .empty, count: size)
        mask = size - 1
        for slot in old where slot.key != 0 {
            var index = Int(truncatingIfNeeded: RoutingIndex.hash(slot.key)) & mask
            while slots[index].key != 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    /// Bytes held by the slot array (what the index costs per number, without agents).
    var allocatedBytes: Int { slots.capacity * MemoryLayout<NumberSlot>.stride }

    /// The position of `key`, or nil.
    @inline(__always)
    func find(_ key: UInt64, hash: UInt64) -> Int? {
        slots.withUnsafeBufferPointer { buffer in
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slotKey = buffer[index].key
                if slotKey == key { return index }
                if slotKey == 0 { return nil }
                index = (index + 1) & mask
            }
        }
    }

    @inline(__always)
    subscript(position: Int) -> NumberSlot {
        get { slots[position] }
        set { slots[position] = newValue }
    }

    /// Inserts or replaces the slot for `slot.key`.
    mutating func upsert(_ slot: NumberSlot, hash: UInt64) {
        if let position = find(slot.key, hash: hash) {
            slots[position] = slot
            return
        }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].key != 0 { index = (index + 1) & mask }
        slots[index] = slot
        count += 1
    }

    private mutating func grow() { reserve(count * 2 + 2) }

    /// Every occupied slot, in table order.
    func forEach(_ body: (NumberSlot) throws -> Void) rethrows {
        for slot in slots where slot.key != 0 { try body(slot) }
    }
}
