/// One number as the index's writers and readers see it. The table stores it packed in 16 bytes
/// (`NumberTable.Packed`); this is the unpacked value.
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
/// A slot is 16 bytes (`Packed`): the agent, and one word holding the key (below 2^50), whether the
/// number is active, its provider and its account's slot. Account slots from 2,047 on do not fit
/// the word's 11 bits: such a number keeps its account in `wideAccounts` (a platform with that
/// many accounts pays about 40 bytes a number for those accounts' numbers). It was 24 bytes with
/// the fields side by side: 12.8 bytes a number more at a million numbers.
///
/// Why raw memory and `~Copyable`: the table lives inside a `NumberShard` next to its mutex, reached
/// through a pointer, so a lookup makes no retain, no release and no exclusivity check (each of which
/// a class or array property costs per access). Not copyable, so the slots have exactly one owner and
/// are freed exactly once.
struct NumberTable: ~Copyable {
    /// A slot as stored: 16 bytes. An empty slot is all zeros.
    struct Packed {
        /// Key in bits 0..<50, active in bit 50, the provider in bits 51..<53, the account's slot
        /// (or `wideAccount`) in bits 53..<64.
        var word: UInt64
        var agent: AgentRecord?

        static let empty = Packed(word: 0, agent: nil)

        @inline(__always) var key: UInt64 { word & NumberTable.keyMask }
        @inline(__always) var active: Bool { word & NumberTable.activeBit != 0 }
        @inline(__always) var providerBits: UInt64 { word >> 51 & 0b11 }
        @inline(__always) var accountTag: UInt32 { UInt32(truncatingIfNeeded: word >> 53) }
    }

    static let keyMask: UInt64 = (1 << 50) - 1
    static let activeBit: UInt64 = 1 << 50
    /// The account tag of a number whose account's slot is in `wideAccounts`.
    static let wideAccount: UInt32 = (1 << 11) - 1

    private var slots: UnsafeMutablePointer<Packed>
    /// Kept in 32 bits each so that the table (24 bytes) and its shard's mutex (40) fill one cache
    /// line (`NumberShard`): the shards sit side by side, and a shard over 64 bytes would share a
    /// line with its neighbour's mutex.
    private var storedCount: UInt32 = 0
    private var storedSize: UInt32
    private(set) var count: Int {
        get { Int(storedCount) }
        set { storedCount = UInt32(newValue) }
    }
    private var size: Int {
        get { Int(storedSize) }
        set { storedSize = UInt32(newValue) }
    }
    /// Numbers whose account's slot is `wideAccount` or above: key → account slot.
    private var wideAccounts: [UInt64: UInt32] = [:]

    init(capacity: Int = 16) {
        storedSize = UInt32(NumberTable.size(for: capacity))
        slots = .allocate(capacity: Int(storedSize))
        slots.initialize(repeating: .empty, count: Int(storedSize))
    }

    private static func pack(_ slot: consuming NumberSlot) -> Packed {
        precondition(slot.key != 0 && slot.key <= keyMask, "a number key is in 1..<10^15")
        let tag = Swift.min(slot.account, wideAccount)
        let word = slot.key | (slot.active ? activeBit : 0) | UInt64(slot.provider.rawValue) << 51 | UInt64(tag) << 53
        return Packed(word: word, agent: slot.agent.take())
    }

    /// The account's slot of the number at `position`.
    @inline(__always)
    private func account(at position: Int) -> UInt32 {
        let tag = slots[position].accountTag
        return tag == NumberTable.wideAccount ? wideAccounts[slots[position].key]! : tag
    }

    /// Whether the number at `position` belongs to `account`'s connection to `provider`: the
    /// inbound path's first check, read in place.
    @inline(__always)
    func belongs(at position: Int, account: UInt32, provider: Provider) -> Bool {
        slots[position].providerBits == UInt64(provider.rawValue) && self.account(at: position) == account
    }

    /// The packed slot at `position`, read in place (no copy, so no retain of its agent).
    @inline(__always)
    subscript(packed position: Int) -> Packed {
        unsafeAddress { UnsafePointer(slots + position) }
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
    var allocatedBytes: Int { size * MemoryLayout<Packed>.stride }

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

    /// The number at `position`, unpacked (a copy: its agent is retained).
    subscript(position: Int) -> NumberSlot {
        let packed = slots[position]
        return NumberSlot(
            key: packed.key, agent: packed.agent, account: account(at: position),
            provider: Provider(rawValue: UInt8(packed.providerBits))!, active: packed.active)
    }

    /// Inserts or replaces the slot for `slot.key`. The slot is consumed: its agent moves into the
    /// table, with no retain (a bulk load writes a million of them).
    mutating func upsert(_ slot: consuming NumberSlot, hash: UInt64) {
        let key = slot.key, account = slot.account
        let packed = NumberTable.pack(slot)
        if account >= NumberTable.wideAccount {
            wideAccounts[key] = account
        } else if !wideAccounts.isEmpty {
            wideAccounts[key] = nil
        }
        if let position = find(key, hash: hash) {
            slots[position] = packed
            return
        }
        if (count + 1) * 4 > size * 3 { reserve(count * 2 + 2) }
        var index = home(hash)
        while slots[index].key != 0 { index = next(index) }
        slots[index] = packed
        count += 1
    }

    /// Every occupied slot, in table order.
    func forEach(_ body: (NumberSlot) throws -> Void) rethrows {
        for position in 0..<size where slots[position].key != 0 { try body(self[position]) }
    }
}
