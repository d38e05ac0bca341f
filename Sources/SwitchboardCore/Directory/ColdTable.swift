/// Number key → what only the API shows about the number (`DirectoryState.ColdNumber`): an
/// open-addressing table with linear probing like `NumberTable`, keyed by the number's key (0 marks
/// an empty slot; 0 is never a valid key) and hashed with the index's mixer.
///
/// Why not `Dictionary<UInt64, ColdNumber>`: a dictionary keeps power-of-two capacity, so at a
/// million numbers it sat at 45% load, about 70 bytes a number, and hashed every key with SipHash;
/// here a slot is 32 bytes at 5/8 to 3/4 load, about 46 bytes a number. Numbers are never removed
/// (a vanished number becomes inactive), so there are no tombstones.
struct ColdTable {
    private struct Slot {
        var key: UInt64
        var value: DirectoryState.ColdNumber
    }

    private static let empty = Slot(key: 0, value: DirectoryState.ColdNumber(providerNumberID: nil, lastSyncedAt: .min))
    private var slots: [Slot] = Array(repeating: ColdTable.empty, count: 16)
    private(set) var count = 0

    private static func size(for count: Int) -> Int { Swift.max(16, count * 8 / 5 + 1) }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: RoutingIndex.hash(key).multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    private func find(_ key: UInt64) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            var index = home(key)
            while slots[index].key != 0 {
                if slots[index].key == key { return index }
                index = index + 1 == slots.count ? 0 : index + 1
            }
            return nil
        }
    }

    subscript(key: UInt64) -> DirectoryState.ColdNumber? {
        get { find(key).map { slots[$0].value } }
        set {
            precondition(key != 0, "0 is not a number key")
            guard let newValue else {
                preconditionFailure("numbers are never removed from the cold table")
            }
            if let position = find(key) {
                slots[position].value = newValue
                return
            }
            if (count + 1) * 4 > slots.count * 3 { rehash(size: ColdTable.size(for: count * 2 + 2)) }
            var index = home(key)
            while slots[index].key != 0 { index = index + 1 == slots.count ? 0 : index + 1 }
            slots[index] = Slot(key: key, value: newValue)
            count += 1
        }
    }

    /// Records a sync time for `key`, adding the number (with no provider id of its own) if new.
    mutating func setSynced(_ key: UInt64, at milliseconds: Int64) {
        if let position = find(key) {
            slots[position].value.lastSyncedAt = milliseconds
        } else {
            self[key] = DirectoryState.ColdNumber(providerNumberID: nil, lastSyncedAt: milliseconds)
        }
    }

    /// Grows the table ahead of a bulk load so it is not rehashed on the way.
    mutating func reserveCapacity(_ expected: Int) {
        guard expected * 4 > slots.count * 3 else { return }
        rehash(size: ColdTable.size(for: expected))
    }

    private mutating func rehash(size: Int) {
        let old = slots
        slots = Array(repeating: ColdTable.empty, count: size)
        for slot in old where slot.key != 0 {
            var index = home(slot.key)
            while slots[index].key != 0 { index = index + 1 == slots.count ? 0 : index + 1 }
            slots[index] = slot
        }
    }
}
