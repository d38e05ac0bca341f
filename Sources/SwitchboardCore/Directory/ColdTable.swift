import CSwitchboardPrefetch

/// Number key → what only the API shows about the number (`DirectoryState.ColdNumber`): an
/// open-addressing table with linear probing like `NumberTable`, keyed by the number's key (0 marks
/// an empty slot; 0 is never a valid key) and hashed with the index's mixer.
///
/// Why not `Dictionary<UInt64, ColdNumber>`: a dictionary keeps power-of-two capacity, so at a
/// million numbers it sat at 45% load, about 70 bytes a number, and hashed every key with SipHash;
/// here a slot is 16 bytes, about 20 bytes a number. Numbers are never removed (a vanished number
/// becomes inactive), so there are no tombstones.
///
/// Fuller than the index's tables: no webhook reads this table (only the API, syncs and
/// snapshots), so it trades probe length for memory. A bulk load sizes it at 4/5 load; it grows
/// at 7/8, by half (not double), to about 8/15. At 7/8 a linear probe for an absent key reads
/// about 32 slots (8 cache lines), for a present one about 4.5: nanoseconds either way, against a
/// fifth of the table's memory (it was sized at 5/8, grew at 3/4 and doubled, to 5/16).
///
/// Provider number ids that are not the number itself (Vapi's UUIDs) live as UTF-8 in one byte
/// arena, the slot holding their offset and length: a `String` of its own cost 16 bytes in the slot
/// plus a heap object of about 64 bytes after malloc rounding for a 36-byte UUID. A UUID in its
/// canonical spelling (8-4-4-4-12 hex digits, all lower or all upper case) is kept as its 16 bytes,
/// and spelled back exactly as it came (`ColdTable.UUIDBytes`).
///
/// A slot is 16 bytes: the key (below 2^50) shares a word with the id's length field, and the sync
/// time is a position in `times`, the distinct sync times in use (a sync stamps every number it
/// sees with one time, so a million numbers share a handful). It was 24 bytes with the time
/// inline: 12.8 bytes a number more at a million numbers. A time no slot uses any more is freed.
struct ColdTable {
    private struct Slot {
        /// The key in the low `keyBits`, the id's length field above.
        private var word: UInt64
        /// Where the id's bytes start in `ids`.
        var idOffset: UInt32
        /// The sync time's position in `times` (0: never).
        var time: UInt32

        init(key: UInt64, idOffset: UInt32, idLength: UInt32, time: UInt32) {
            precondition(key <= ColdTable.keyMask && idLength <= ColdTable.noID, "a number key is below 10^15 < 2^50")
            word = key | UInt64(idLength) << ColdTable.keyBits
            self.idOffset = idOffset
            self.time = time
        }

        var key: UInt64 { word & ColdTable.keyMask }

        /// The id's byte count in `ids`, or `noID` when the id is the number itself; with
        /// `lowerUUID` or `upperUUID` set, the 16 bytes of a UUID spelled in that case.
        var idLength: UInt32 {
            get { UInt32(truncatingIfNeeded: word >> ColdTable.keyBits) }
            set { word = word & ColdTable.keyMask | UInt64(newValue) << ColdTable.keyBits }
        }
    }

    private static let keyBits: UInt64 = 50
    private static let keyMask: UInt64 = (1 << keyBits) - 1
    /// The length field's 14 bits: all set for no id, else a flag and a length.
    static let noID: UInt32 = (1 << 14) - 1
    private static let lowerUUID: UInt32 = 1 << 13
    private static let upperUUID: UInt32 = 1 << 12
    private static let lengthBits: UInt32 = (1 << 12) - 1
    private static let empty = Slot(key: 0, idOffset: 0, idLength: ColdTable.noID, time: 0)
    private var slots: [Slot] = Array(repeating: ColdTable.empty, count: 16)
    /// The sync times in use, by position; position 0 is never (`Int64.min`) and is not counted.
    private var times: [Int64] = [.min]
    /// How many slots use each time.
    private var timeUses: [UInt32] = [0]
    private var timePositions: [Int64: UInt32] = [:]
    /// Positions of freed times, for reuse.
    private var freeTimes: [UInt32] = []
    /// The last time looked up: a bulk load and a sync give many numbers the same time in a row.
    private var lastTime: (milliseconds: Int64, position: UInt32) = (.min, 0)
    /// The ids' UTF-8, back to back; an id replaced leaves its old bytes behind as garbage.
    private var ids: [UInt8] = []
    /// Bytes in `ids` that no slot refers to any more.
    private(set) var garbageBytes = 0
    private(set) var count = 0

    /// Below this much garbage the arena is never compacted: a few replaced ids are not worth a copy.
    static let compactionFloor = 1 << 16

    /// Slots for `count` numbers at 4/5 load.
    private static func size(for count: Int) -> Int { Swift.max(16, count * 5 / 4 + 1) }

    /// Whether `count` numbers would take the table over 7/8 load.
    private static func overfull(_ count: Int, size: Int) -> Bool { count * 8 > size * 7 }

    static var slotStride: Int { MemoryLayout<Slot>.stride }

    /// The bytes the arena holds, live and garbage (for tests and measurements).
    var idBytes: Int { ids.count }

    /// Slots allocated (for tests and measurements).
    var capacity: Int { slots.count }

    /// Distinct sync times in use (for tests and measurements).
    var distinctSyncTimes: Int { timePositions.count }

    /// The position of `milliseconds` in `times`, counted as one more use.
    private mutating func useTime(_ milliseconds: Int64) -> UInt32 {
        guard milliseconds != .min else { return 0 }
        let position: UInt32
        if lastTime.milliseconds == milliseconds, lastTime.position != 0 {
            position = lastTime.position
        } else if let known = timePositions[milliseconds] {
            position = known
        } else {
            if let free = freeTimes.popLast() {
                position = free
                times[Int(free)] = milliseconds
            } else {
                precondition(times.count < Int(UInt32.max), "too many distinct sync times")
                position = UInt32(times.count)
                times.append(milliseconds)
                timeUses.append(0)
            }
            timePositions[milliseconds] = position
        }
        timeUses[Int(position)] += 1
        lastTime = (milliseconds, position)
        return position
    }

    /// One use fewer of the time at `position`; freed at none.
    private mutating func releaseTime(_ position: UInt32) {
        guard position != 0 else { return }
        timeUses[Int(position)] -= 1
        guard timeUses[Int(position)] == 0 else { return }
        timePositions[times[Int(position)]] = nil
        freeTimes.append(position)
        if lastTime.position == position { lastTime = (.min, 0) }
    }

    /// Moves a slot to the time `milliseconds`.
    private mutating func setTime(at index: Int, _ milliseconds: Int64) {
        let old = slots[index].time
        guard times[Int(old)] != milliseconds else { return }
        slots[index].time = useTime(milliseconds)
        releaseTime(old)
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: RoutingIndex.hash(key).multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    /// Asks for the cache line of `key`'s home slot without waiting for it: a bulk load inserts a
    /// million numbers at random places in a table far larger than the cache, and prefetching a
    /// few inserts ahead overlaps their misses (`DirectoryState.loadColdData`).
    @inline(__always)
    func prefetch(_ key: UInt64) {
        slots.withUnsafeBufferPointer { slots in csb_prefetch(slots.baseAddress! + home(key)) }
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

    /// How many bytes of `ids` the slot's id takes (0 for none).
    private static func storedBytes(_ slot: Slot) -> Int {
        if slot.idLength == ColdTable.noID { return 0 }
        if slot.idLength & (ColdTable.lowerUUID | ColdTable.upperUUID) != 0 { return UUIDBytes.count }
        return Int(slot.idLength)
    }

    private func id(of slot: Slot) -> String? {
        guard slot.idLength != ColdTable.noID else { return nil }
        return ids.withUnsafeBufferPointer { bytes in
            let stored = UnsafeBufferPointer(rebasing: bytes[Int(slot.idOffset)..<Int(slot.idOffset) + ColdTable.storedBytes(slot)])
            if slot.idLength & ColdTable.lowerUUID != 0 { return UUIDBytes.spell(stored, upperCase: false) }
            if slot.idLength & ColdTable.upperUUID != 0 { return UUIDBytes.spell(stored, upperCase: true) }
            return String(decoding: stored, as: UTF8.self)
        }
    }

    private func slot(_ slot: Slot, holds id: String?) -> Bool {
        guard let id else { return slot.idLength == ColdTable.noID }
        guard slot.idLength != ColdTable.noID else { return false }
        return ids.withUnsafeBufferPointer { bytes in
            let stored = UnsafeBufferPointer(rebasing: bytes[Int(slot.idOffset)..<Int(slot.idOffset) + ColdTable.storedBytes(slot)])
            if slot.idLength & (ColdTable.lowerUUID | ColdTable.upperUUID) != 0 {
                guard let packed = UUIDBytes(id) else { return false }
                let flag = packed.upperCase ? ColdTable.upperUUID : ColdTable.lowerUUID
                return slot.idLength & flag != 0 && packed.withBytes { $0.elementsEqual(stored) }
            }
            return id.utf8.elementsEqual(stored)
        }
    }

    /// Appends `id` to the arena and returns its offset and length field (`noID` for nil).
    private mutating func store(_ id: String?) -> (offset: UInt32, length: UInt32) {
        guard let id else { return (0, ColdTable.noID) }
        let packed = UUIDBytes(id)
        let length = packed == nil ? id.utf8.count : UUIDBytes.count
        // Offsets are 32 bits: 4 GiB of provider ids is far beyond any directory that fits in
        // memory; lengths are checked ids (at most 256 bytes), far below the flag bits.
        precondition(ids.count + length < Int(UInt32.max), "the cold table's id arena is full")
        precondition(length <= Int(ColdTable.lengthBits), "provider number id too long for the cold table")
        let offset = UInt32(ids.count)
        if let packed {
            packed.withBytes { ids.append(contentsOf: $0) }
            return (offset, packed.upperCase ? ColdTable.upperUUID : ColdTable.lowerUUID)
        }
        ids.append(contentsOf: id.utf8)
        return (offset, UInt32(length))
    }

    subscript(key: UInt64) -> DirectoryState.ColdNumber? {
        get {
            find(key).map { DirectoryState.ColdNumber(providerNumberID: id(of: slots[$0]), lastSyncedAt: times[Int(slots[$0].time)]) }
        }
        set {
            precondition(key != 0, "0 is not a number key")
            guard let newValue else {
                preconditionFailure("numbers are never removed from the cold table")
            }
            // One probe finds the key or the empty slot it goes in (start-up inserts a million).
            if ColdTable.overfull(count + 1, size: slots.count) { rehash(size: ColdTable.size(for: count + count / 2 + 2)) }
            let index = slots.withUnsafeBufferPointer { slots in
                var index = home(key)
                while slots[index].key != 0 && slots[index].key != key { index = index + 1 == slots.count ? 0 : index + 1 }
                return index
            }
            guard slots[index].key == key else {
                let stored = store(newValue.providerNumberID)
                slots[index] = Slot(key: key, idOffset: stored.offset, idLength: stored.length, time: useTime(newValue.lastSyncedAt))
                count += 1
                return
            }
            setTime(at: index, newValue.lastSyncedAt)
            // A sync writes the same id again and again: keep the bytes already there.
            guard !slot(slots[index], holds: newValue.providerNumberID) else { return }
            garbageBytes += ColdTable.storedBytes(slots[index])
            let stored = store(newValue.providerNumberID)
            slots[index].idOffset = stored.offset
            slots[index].idLength = stored.length
            if garbageBytes >= ColdTable.compactionFloor, garbageBytes * 2 > ids.count { compactIDs() }
        }
    }

    /// Whether `key`'s own provider id is `id`, compared in place (no string is made); nil when the
    /// number has no id of its own (or is not here), so its id is the number itself.
    func providerNumberID(of key: UInt64, is id: String) -> Bool? {
        guard let position = find(key), slots[position].idLength != ColdTable.noID else { return nil }
        return slot(slots[position], holds: id)
    }

    /// Records a sync time for `key`, adding the number (with no provider id of its own) if new.
    mutating func setSynced(_ key: UInt64, at milliseconds: Int64) {
        if let position = find(key) {
            setTime(at: position, milliseconds)
        } else {
            self[key] = DirectoryState.ColdNumber(providerNumberID: nil, lastSyncedAt: milliseconds)
        }
    }

    /// Grows the table ahead of a bulk load so it is not rehashed on the way, and the arena by
    /// `idBytes` (an upper bound of the new ids' UTF-8) so it is not regrown with slack.
    mutating func reserveCapacity(_ expected: Int, idBytes: Int = 0) {
        if idBytes > 0 { ids.reserveCapacity(ids.count + idBytes) }
        guard expected * 5 > slots.count * 4 else { return }
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

    /// Copies the live ids into a fresh arena of their exact size, dropping the garbage.
    mutating func compactIDs() {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(ids.count - garbageBytes)
        ids.withUnsafeBufferPointer { old in
            for position in slots.indices where slots[position].key != 0 && slots[position].idLength != ColdTable.noID {
                let start = Int(slots[position].idOffset)
                let offset = UInt32(fresh.count)
                fresh.append(contentsOf: UnsafeBufferPointer(rebasing: old[start..<start + ColdTable.storedBytes(slots[position])]))
                slots[position].idOffset = offset
            }
        }
        ids = fresh
        garbageBytes = 0
    }
}
