import CSwitchboardPrefetch

/// An open-addressing hash table from `AgentKey` to `AgentEntry`, with linear probing: one agent
/// shard's agents.
///
/// Why not `Dictionary<AgentKey, AgentEntry>`: the dictionary stores the key (account, id string,
/// hash: 32 bytes) beside the entry (16) in power-of-two capacity, which came to about 110 bytes
/// an agent at a million agents. Here a slot is the key's 64-bit hash and the entry (24 bytes),
/// the key's account and id are read from the entry's record (the record is the key's source of
/// truth), and the size follows the count: a bulk load sizes the table at 4/5 load, and it grows
/// at 7/8 by half (to about 8/15). Fuller than `NumberTable` (5/8 to 3/4), which every webhook
/// probes, often for a number it does not hold: here look-ups are for agents that exist (a caller
/// ID, a write), a probe compares 14 tag bits before it reads a record, and 4.5 slots on average
/// at 7/8 (about 3 at 4/5) are one or two cache lines. It was 5/8 to 3/4 too: about 6 bytes an
/// agent more after a bulk load.
///
/// A slot is 16 bytes: the record, and one word holding the agent's number (a key is below 2^50)
/// with 14 bits of the key's hash above it, so that a probe compares a record's id only when
/// those bits match (one time in 16,384 for another agent). The full hash, which rehashing and
/// removal need to find an entry's home, is computed again from the record's id. It was 24 bytes
/// (the whole hash, the record, the number): about 13 bytes an agent more, at a million agents. Agents can be deleted, so removal shifts later entries of the probe run back (no
/// tombstones), keeping every look-up's probe run as short as if the deleted agent never existed.
struct AgentTable {
    struct Slot {
        /// Nil for an empty slot.
        var record: AgentRecord?
        /// The agent's number key (0 for none) in the low `numberBits`, and `tag(hash)` above.
        var word: UInt64
    }

    private static let numberBits: UInt64 = 50
    private static let numberMask: UInt64 = (1 << numberBits) - 1

    /// 14 bits of the hash that neither the shard (the lowest bits) nor the home (the highest
    /// ones) is chosen by, so that entries of one probe run differ in them.
    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt64 {
        ((hash >> UInt64(RoutingIndex.shardBits)) & 0x3FFF) << numberBits
    }

    private var slots: [Slot]
    private(set) var count = 0

    init(capacity: Int = 0) {
        slots = Array(repeating: Slot(record: nil, word: 0), count: AgentTable.size(for: capacity))
    }

    /// Slots for `count` agents at 4/5 load.
    private static func size(for count: Int) -> Int {
        Swift.max(8, count * 5 / 4 + 1)
    }

    /// Whether `count` agents would take the table over 7/8 load.
    private static func overfull(_ count: Int, size: Int) -> Bool { count * 8 > size * 7 }

    /// Where `hash` starts probing: its bits above the shard bits (the low ones chose the shard),
    /// scaled onto `0..<size` by a multiply ("fastrange").
    @inline(__always)
    private func home(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash << UInt64(RoutingIndex.shardBits)).multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    @inline(__always)
    private func next(_ index: Int) -> Int {
        index + 1 == slots.count ? 0 : index + 1
    }

    @inline(__always)
    private static func matches(_ record: AgentRecord, _ key: AgentKey) -> Bool {
        record.accountSlot == key.account && record.hasID(key.id)
    }

    /// The hash of the record's key, computed again from its id.
    private static func hash(of record: AgentRecord) -> UInt64 {
        AgentKey(account: record.accountSlot, id: record.id.value).hashValue64
    }

    private static func entry(_ slot: Slot) -> AgentEntry? {
        slot.record.map { AgentEntry(record: $0, number: slot.word & numberMask) }
    }

    /// The position of `key`, or nil. Reads the slots in place: binding a record to a local would
    /// retain and release it at every probe (that was a fifth of start-up).
    private func find(_ key: AgentKey) -> Int? {
        let tag = AgentTable.tag(key.hashValue64)
        return slots.withUnsafeBufferPointer { slots in
            var index = home(key.hashValue64)
            while slots[index].record != nil {
                if slots[index].word & ~AgentTable.numberMask == tag && AgentTable.matches(slots[index].record.unsafelyUnwrapped, key) {
                    return index
                }
                index = index + 1 == slots.count ? 0 : index + 1
            }
            return nil
        }
    }

    /// The entry of `key`; setting nil removes it. The entry's record must be the key's agent.
    subscript(key: AgentKey) -> AgentEntry? {
        get { find(key).flatMap { AgentTable.entry(slots[$0]) } }
        set {
            if let newValue {
                precondition(AgentTable.matches(newValue.record, key), "an agent entry stored under another agent's key")
                insert(newValue, key: key)
            } else {
                remove(key)
            }
        }
    }

    // MARK: Prefetch (bulk load)

    /// Asks for the cache line of `key`'s home slot, without waiting for it: the first of a
    /// look-up's two cache misses, started some look-ups early (`DirectoryState.assignAgents`).
    @inline(__always)
    func prefetchSlot(_ key: AgentKey) {
        slots.withUnsafeBufferPointer { slots in csb_prefetch(slots.baseAddress! + home(key.hashValue64)) }
    }

    /// Asks for the record of the first slot in `key`'s probe run whose tag matches (the record a
    /// look-up compares ids with): the second miss, once `prefetchSlot` has brought the slot.
    @inline(__always)
    func prefetchRecord(_ key: AgentKey) {
        let tag = AgentTable.tag(key.hashValue64)
        slots.withUnsafeBufferPointer { slots in
            var index = home(key.hashValue64)
            while slots[index].record != nil {
                if slots[index].word & ~AgentTable.numberMask == tag {
                    csb_prefetch(slots[index].record.unsafelyUnwrapped.address)
                    return
                }
                index = index + 1 == slots.count ? 0 : index + 1
            }
        }
    }

    /// Sets the number of `key`'s entry in place; false when there is no such agent.
    mutating func setNumber(_ number: UInt64, of key: AgentKey) -> Bool {
        guard let position = find(key) else { return false }
        setNumber(number, at: position)
        return true
    }

    /// One probe for "check this agent, then give it the number": `check` sees the entry as it
    /// is; if it returns, the number is set in place and the entry (as it was) returned. Nil when
    /// there is no such agent.
    mutating func setNumber<Failure: Error>(
        _ number: UInt64, of key: AgentKey, after check: (AgentEntry) throws(Failure) -> Void
    ) throws(Failure) -> AgentEntry? {
        guard let position = find(key) else { return nil }
        let entry = AgentTable.entry(slots[position]).unsafelyUnwrapped
        try check(entry)
        setNumber(number, at: position)
        return entry
    }

    private mutating func setNumber(_ number: UInt64, at position: Int) {
        precondition(number <= AgentTable.numberMask, "not a number key")
        slots[position].word = slots[position].word & ~AgentTable.numberMask | number
    }

    /// Grows the table ahead of a bulk load so it is not rehashed on the way.
    mutating func reserveCapacity(_ expected: Int) {
        guard expected * 5 > slots.count * 4 else { return }
        rehash(size: AgentTable.size(for: expected))
    }

    private mutating func insert(_ entry: AgentEntry, key: AgentKey) {
        if let position = find(key) {
            precondition(entry.number <= AgentTable.numberMask, "not a number key")
            slots[position] = Slot(record: entry.record, word: AgentTable.tag(key.hashValue64) | entry.number)
            return
        }
        _ = insertIfAbsent(entry.record, number: entry.number, key: key)
    }

    /// Inserts `record`, with `number` (0 for none), under `key` unless the key is there already
    /// (then false, nothing changed): one probe for what a look-up and an insert would take two
    /// for (bulk load). The record is consumed: it moves into the table (no retain: a bulk load
    /// makes a million). `key` must be the record's (both callers make it from the record, or
    /// check it): checking here would read every record again, a cache miss each, at a bulk load.
    mutating func insertIfAbsent(_ record: consuming AgentRecord, number: UInt64, key: AgentKey) -> Bool {
        assert(AgentTable.matches(record, key), "an agent entry stored under another agent's key")
        precondition(number <= AgentTable.numberMask, "not a number key")
        if AgentTable.overfull(count + 1, size: slots.count) { rehash(size: AgentTable.size(for: count + count / 2 + 2)) }
        let tag = AgentTable.tag(key.hashValue64)
        // One probe: it ends at the key (there already) or at the empty slot the key goes in.
        let position: Int? = slots.withUnsafeBufferPointer { slots in
            var index = home(key.hashValue64)
            while slots[index].record != nil {
                if slots[index].word & ~AgentTable.numberMask == tag && AgentTable.matches(slots[index].record.unsafelyUnwrapped, key) {
                    return nil
                }
                index = index + 1 == slots.count ? 0 : index + 1
            }
            return index
        }
        guard let index = position else { return false }
        slots[index] = Slot(record: record, word: tag | number)
        count += 1
        return true
    }

    /// Removes `key` by backward shift: each later entry of the run moves into the hole when the
    /// hole lies between its home and where it sits, so no probe run is ever cut short.
    private mutating func remove(_ key: AgentKey) {
        guard var hole = find(key) else { return }
        var index = hole
        while true {
            index = next(index)
            guard let record = slots[index].record else { break }
            let wanted = home(AgentTable.hash(of: record))
            // The entry stays when its home lies cyclically in (hole, index].
            let stays = hole <= index ? (hole < wanted && wanted <= index) : (hole < wanted || wanted <= index)
            if stays { continue }
            slots[hole] = slots[index]
            hole = index
        }
        slots[hole] = Slot(record: nil, word: 0)
        count -= 1
        // Shrink after mass deletion, so a shard does not keep a big table for few agents.
        if slots.count > 64 && count * 4 < slots.count { rehash(size: AgentTable.size(for: count)) }
    }

    private mutating func rehash(size: Int) {
        let old = slots
        slots = Array(repeating: Slot(record: nil, word: 0), count: size)
        for slot in old {
            guard let record = slot.record else { continue }
            var index = home(AgentTable.hash(of: record))
            while slots[index].record != nil { index = next(index) }
            slots[index] = slot
        }
    }

    /// Every entry, in table order.
    func forEach(_ body: (_ entry: AgentEntry) throws -> Void) rethrows {
        for slot in slots {
            if let entry = AgentTable.entry(slot) { try body(entry) }
        }
    }

    /// Whether each entry sits under its own key's tag and is found from its key (for the
    /// invariant checks): what a broken probe run or removal would violate.
    func misplacedEntries() -> [AgentEntry] {
        var misplaced: [AgentEntry] = []
        for slot in slots {
            guard let entry = AgentTable.entry(slot) else { continue }
            let key = AgentKey(account: entry.record.accountSlot, id: entry.record.id.value)
            if slot.word & ~AgentTable.numberMask != AgentTable.tag(key.hashValue64) || self[key]?.record !== entry.record {
                misplaced.append(entry)
            }
        }
        return misplaced
    }

    /// Bytes held by the slot array.
    var allocatedBytes: Int { slots.count * MemoryLayout<Slot>.stride }
}
