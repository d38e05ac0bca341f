/// An open-addressing hash table from `AgentKey` to `AgentEntry`, with linear probing: one agent
/// shard's agents.
///
/// Why not `Dictionary<AgentKey, AgentEntry>`: the dictionary stores the key (account, id string,
/// hash: 32 bytes) beside the entry (16) in power-of-two capacity, which came to about 110 bytes
/// an agent at a million agents. Here a slot is the key's 64-bit hash and the entry (24 bytes),
/// the key's account and id are read from the entry's record (the record is the key's source of
/// truth), and the size follows the count (load 5/8 to 3/4, as in `NumberTable`): about 35 bytes
/// an agent. Agents can be deleted, so removal shifts later entries of the probe run back (no
/// tombstones), keeping every look-up's probe run as short as if the deleted agent never existed.
struct AgentTable {
    struct Slot {
        /// `AgentKey.hashValue64`; meaningful only when `entry` is not nil.
        var hash: UInt64
        var entry: AgentEntry?
    }

    private var slots: [Slot]
    private(set) var count = 0

    init(capacity: Int = 0) {
        slots = Array(repeating: Slot(hash: 0, entry: nil), count: AgentTable.size(for: capacity))
    }

    private static func size(for count: Int) -> Int {
        Swift.max(8, count * 8 / 5 + 1)
    }

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
    private static func matches(_ entry: AgentEntry, _ key: AgentKey) -> Bool {
        entry.record.accountSlot == key.account && entry.record.hasID(key.id)
    }

    /// The position of `key`, or nil. Reads the slots in place: binding an entry to a local would
    /// retain and release its record at every probe (that was a fifth of start-up).
    private func find(_ key: AgentKey) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            var index = home(key.hashValue64)
            while slots[index].entry != nil {
                if slots[index].hash == key.hashValue64 && AgentTable.matches(slots[index].entry.unsafelyUnwrapped, key) { return index }
                index = index + 1 == slots.count ? 0 : index + 1
            }
            return nil
        }
    }

    /// The entry of `key`; setting nil removes it. The entry's record must be the key's agent.
    subscript(key: AgentKey) -> AgentEntry? {
        get { find(key).flatMap { slots[$0].entry } }
        set {
            if let newValue {
                precondition(AgentTable.matches(newValue, key), "an agent entry stored under another agent's key")
                insert(newValue, key: key)
            } else {
                remove(key)
            }
        }
    }

    /// Sets the number of `key`'s entry in place; false when there is no such agent.
    mutating func setNumber(_ number: UInt64, of key: AgentKey) -> Bool {
        guard let position = find(key) else { return false }
        slots[position].entry!.number = number
        return true
    }

    /// One probe for "check this agent, then give it the number": `check` sees the entry as it
    /// is; if it returns, the number is set in place and the entry (as it was) returned. Nil when
    /// there is no such agent.
    mutating func setNumber<Failure: Error>(
        _ number: UInt64, of key: AgentKey, after check: (AgentEntry) throws(Failure) -> Void
    ) throws(Failure) -> AgentEntry? {
        guard let position = find(key) else { return nil }
        let entry = slots[position].entry.unsafelyUnwrapped
        try check(entry)
        slots[position].entry!.number = number
        return entry
    }

    /// Inserts `entry` under `key` unless the key is there already (then false, nothing changed):
    /// one probe for what a look-up and an insert would take two for (bulk load).
    mutating func insertIfAbsent(_ entry: AgentEntry, key: AgentKey) -> Bool {
        precondition(AgentTable.matches(entry, key), "an agent entry stored under another agent's key")
        if find(key) != nil { return false }
        if (count + 1) * 4 > slots.count * 3 { rehash(size: AgentTable.size(for: count * 2 + 2)) }
        var index = home(key.hashValue64)
        while slots[index].entry != nil { index = next(index) }
        slots[index] = Slot(hash: key.hashValue64, entry: entry)
        count += 1
        return true
    }

    /// Grows the table ahead of a bulk load so it is not rehashed on the way.
    mutating func reserveCapacity(_ expected: Int) {
        guard expected * 4 > slots.count * 3 else { return }
        rehash(size: AgentTable.size(for: expected))
    }

    private mutating func insert(_ entry: AgentEntry, key: AgentKey) {
        if let position = find(key) {
            slots[position].entry = entry
            return
        }
        if (count + 1) * 4 > slots.count * 3 { rehash(size: AgentTable.size(for: count * 2 + 2)) }
        var index = home(key.hashValue64)
        while slots[index].entry != nil { index = next(index) }
        slots[index] = Slot(hash: key.hashValue64, entry: entry)
        count += 1
    }

    /// Removes `key` by backward shift: each later entry of the run moves into the hole when the
    /// hole lies between its home and where it sits, so no probe run is ever cut short.
    private mutating func remove(_ key: AgentKey) {
        guard var hole = find(key) else { return }
        var index = hole
        while true {
            index = next(index)
            guard slots[index].entry != nil else { break }
            let wanted = home(slots[index].hash)
            // The entry stays when its home lies cyclically in (hole, index].
            let stays = hole <= index ? (hole < wanted && wanted <= index) : (hole < wanted || wanted <= index)
            if stays { continue }
            slots[hole] = slots[index]
            hole = index
        }
        slots[hole] = Slot(hash: 0, entry: nil)
        count -= 1
        // Shrink after mass deletion, so a shard does not keep a big table for few agents.
        if slots.count > 64 && count * 4 < slots.count { rehash(size: AgentTable.size(for: count)) }
    }

    private mutating func rehash(size: Int) {
        let old = slots
        slots = Array(repeating: Slot(hash: 0, entry: nil), count: size)
        for slot in old where slot.entry != nil {
            var index = home(slot.hash)
            while slots[index].entry != nil { index = next(index) }
            slots[index] = slot
        }
    }

    /// Every entry, in table order, with the hash it is stored under.
    func forEach(_ body: (_ hash: UInt64, _ entry: AgentEntry) throws -> Void) rethrows {
        for slot in slots { if let entry = slot.entry { try body(slot.hash, entry) } }
    }

    /// Whether each entry sits under its own key's hash and is found from its key (for the
    /// invariant checks): what a broken probe run or removal would violate.
    func misplacedEntries() -> [AgentEntry] {
        var misplaced: [AgentEntry] = []
        forEach { hash, entry in
            let key = AgentKey(account: entry.record.accountSlot, id: entry.record.id.value)
            if key.hashValue64 != hash || self[key]?.record !== entry.record { misplaced.append(entry) }
        }
        return misplaced
    }

    /// Bytes held by the slot array.
    var allocatedBytes: Int { slots.count * MemoryLayout<Slot>.stride }
}
