import Testing

@testable import SwitchboardCore

/// The cold table against a plain dictionary: sets, replacements, sync times, growth.
@Suite struct ColdTableTests {
    @Test func randomWrites_matchADictionary() {
        var table = ColdTable()
        var model: [UInt64: (String?, Int64)] = [:]
        var random = SplitMix64Generator(seed: 9)
        for step in 0..<40_000 {
            // Consecutive keys, as providers sell blocks, and a few far apart.
            let key = step % 7 == 0 ? random.next() % E164.maxKey | 1 : 1_415_555_0000 + random.next() % 5_000
            if random.next() % 3 == 0 {
                let at = Int64(random.next() % 1_000_000)
                table.setSynced(key, at: at)
                model[key] = (model[key]?.0 ?? nil, at)
            } else {
                let id: String? = random.next() % 2 == 0 ? nil : "uuid-\(random.next() % 100)"
                table[key] = DirectoryState.ColdNumber(providerNumberID: id, lastSyncedAt: .min)
                model[key] = (id, .min)
            }
            #expect(table.count == model.count, "step \(step)")
            #expect(table[key]?.providerNumberID == model[key]?.0 && table[key]?.lastSyncedAt == model[key]?.1, "step \(step)")
        }
        for (key, value) in model {
            #expect(table[key]?.providerNumberID == value.0 && table[key]?.lastSyncedAt == value.1)
        }
        #expect(table[42] == nil)
        // Every time no number holds any more was freed.
        #expect(table.distinctSyncTimes == Set(model.values.map(\.1).filter { $0 != .min }).count)
    }

    @Test func syncTimes_areSharedAndFreedWithTheirLastUse() {
        var table = ColdTable()
        for key in UInt64(1)...1000 { table.setSynced(key, at: 1_700_000_000_000) }
        #expect(table.distinctSyncTimes == 1)
        for key in UInt64(1)...500 { table.setSynced(key, at: 1_700_000_060_000) }
        #expect(table.distinctSyncTimes == 2)
        for key in UInt64(501)...1000 { table.setSynced(key, at: 1_700_000_060_000) }
        #expect(table.distinctSyncTimes == 1, "the first sync's time is used by no number now")
        // Freed positions are reused, and the values stay right.
        for key in UInt64(1)...10 { table.setSynced(key, at: Int64(key)) }
        table[11] = DirectoryState.ColdNumber(providerNumberID: "x", lastSyncedAt: .min)
        #expect(table.distinctSyncTimes == 11)
        for key in UInt64(1)...10 { #expect(table[key]?.lastSyncedAt == Int64(key)) }
        #expect(table[11]?.lastSyncedAt == .min && table[12]?.lastSyncedAt == 1_700_000_060_000)
        // The extremes of the range survive.
        table.setSynced(13, at: .max)
        table.setSynced(14, at: .min + 1)
        #expect(table[13]?.lastSyncedAt == .max && table[14]?.lastSyncedAt == .min + 1)
    }

    @Test func largestKey_keepsItsIdAndTime() {
        var table = ColdTable()
        table[E164.maxKey] = DirectoryState.ColdNumber(providerNumberID: String(repeating: "z", count: 256), lastSyncedAt: -5)
        table[1] = DirectoryState.ColdNumber(providerNumberID: nil, lastSyncedAt: 7)
        #expect(table[E164.maxKey]?.providerNumberID == String(repeating: "z", count: 256))
        #expect(table[E164.maxKey]?.lastSyncedAt == -5)
        #expect(table[1]?.providerNumberID == nil && table[1]?.lastSyncedAt == 7)
    }

    /// The memory policy: a bulk load at 4/5 load, growth at 7/8 by half; every key found on the way.
    @Test func load_staysBetweenBoundsThroughGrowth() {
        var bulk = ColdTable()
        bulk.reserveCapacity(100_000)
        let reserved = bulk.capacity
        for key in UInt64(1)...100_000 { bulk.setSynced(key &* 0x9E37_79B9 % E164.maxKey | 1, at: 5) }
        #expect(bulk.capacity == reserved, "a reserved bulk load does not rehash")
        #expect(Double(bulk.count) / Double(bulk.capacity) > 0.79 && Double(bulk.count) / Double(bulk.capacity) <= 0.8)

        var grown = ColdTable()
        var lowest = 1.0, highest = 0.0, growths = 0, last = grown.capacity
        for key in UInt64(1)...50_000 {
            grown.setSynced(key, at: Int64(key % 3))
            if grown.capacity != last {
                growths += 1
                last = grown.capacity
                // Small tables round up to their 16-slot floor: the ratio is for real sizes.
                if last > 1_000 { lowest = min(lowest, Double(grown.count) / Double(last)) }
            }
            highest = max(highest, Double(grown.count) / Double(grown.capacity))
        }
        #expect(highest <= 0.875 && highest > 0.85, "grows at 7/8")
        #expect(lowest > 0.5 && lowest < 0.6, "by half: about 8/15 after growing")
        #expect(growths > 10)
        for key in UInt64(1)...50_000 { #expect(grown[key]?.lastSyncedAt == Int64(key % 3)) }
        #expect(grown[50_001] == nil)
    }

    @Test func slot_isSixteenBytes() {
        #expect(ColdTable.slotStride == 16)
    }

    @Test func ids_roundTripLongEmptyAndNonASCII() {
        var table = ColdTable()
        // The longest id the directory takes (`FieldCheck.providerID`: 256 bytes); the table holds up
        // to 4,095.
        let long = String(repeating: "vapi-", count: 51) + "x"
        #expect(long.utf8.count == 256)
        let ids: [String?] = [nil, "", "ü-ñ-号码-📞", long, "3f2b8c1e-9a4d-4e7f-b2c1-0d9e8f7a6b5c"]
        for (position, id) in ids.enumerated() {
            table[UInt64(position + 1)] = DirectoryState.ColdNumber(providerNumberID: id, lastSyncedAt: Int64(position))
        }
        for (position, id) in ids.enumerated() {
            #expect(table[UInt64(position + 1)]?.providerNumberID == id)
            #expect(table[UInt64(position + 1)]?.lastSyncedAt == Int64(position))
        }
        // nil and "" stay apart.
        #expect(table[1]?.providerNumberID == nil && table[2]?.providerNumberID == "")
    }

    @Test func manyIDs_surviveGrowth() {
        var table = ColdTable()
        for key in UInt64(1)...200_000 {
            table[key] = DirectoryState.ColdNumber(providerNumberID: key % 3 == 0 ? nil : "id-\(key)", lastSyncedAt: Int64(key))
        }
        #expect(table.count == 200_000)
        for key in UInt64(1)...200_000 {
            #expect(table[key]?.providerNumberID == (key % 3 == 0 ? nil : "id-\(key)"))
            #expect(table[key]?.lastSyncedAt == Int64(key))
        }
    }

    @Test func sameID_writtenAgain_keepsTheArena() {
        var table = ColdTable()
        table[7] = DirectoryState.ColdNumber(providerNumberID: "pn-1", lastSyncedAt: 1)
        let bytes = table.idBytes
        table[7] = DirectoryState.ColdNumber(providerNumberID: "pn-1", lastSyncedAt: 2)
        #expect(table.idBytes == bytes && table.garbageBytes == 0)
        #expect(table[7]?.lastSyncedAt == 2)
    }

    @Test func replacedIDs_areCompactedAway() {
        var table = ColdTable()
        let keys = UInt64(1)...1_000
        for round in 0..<200 {
            for key in keys {
                // Replaced by a different id, sometimes by none, then back.
                let id: String? = (key + UInt64(round)) % 5 == 0 ? nil : "round-\(round)-key-\(key)-uuid"
                table[key] = DirectoryState.ColdNumber(providerNumberID: id, lastSyncedAt: Int64(round))
            }
            // Garbage never exceeds the floor or half the arena.
            #expect(table.garbageBytes < ColdTable.compactionFloor || table.garbageBytes * 2 <= table.idBytes)
        }
        for key in keys {
            let id: String? = (key + 199) % 5 == 0 ? nil : "round-199-key-\(key)-uuid"
            #expect(table[key]?.providerNumberID == id && table[key]?.lastSyncedAt == 199)
        }
        let before = table.idBytes - table.garbageBytes
        table.compactIDs()
        #expect(table.garbageBytes == 0 && table.idBytes == before)
        for key in keys {
            #expect(table[key]?.providerNumberID == ((key + 199) % 5 == 0 ? nil : "round-199-key-\(key)-uuid"))
        }
    }

    @Test func uuids_comeBackSpelledAsTheyWent() {
        var table = ColdTable()
        let ids = [
            "3f2b8c1e-9a4d-4e7f-b2c1-0d9e8f7a6b5c", "3F2B8C1E-9A4D-4E7F-B2C1-0D9E8F7A6B5C", "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff", "12345678-1234-1234-1234-123456789012",
            // Not canonical: kept byte for byte as text.
            "3f2b8c1e-9a4d-4e7f-b2c1-0D9E8F7A6B5C", "3f2b8c1e9a4d4e7fb2c10d9e8f7a6b5c", "{3f2b8c1e-9a4d-4e7f-b2c1-0d9e8f7a6b5}",
            "3f2b8c1e-9a4d-4e7f-b2c1-0d9e8f7a6b5g", "3f2b8c1e+9a4d-4e7f-b2c1-0d9e8f7a6b5c",
        ]
        for (position, id) in ids.enumerated() {
            table[UInt64(position + 1)] = DirectoryState.ColdNumber(providerNumberID: id, lastSyncedAt: .min)
        }
        for (position, id) in ids.enumerated() {
            #expect(table[UInt64(position + 1)]?.providerNumberID == id, "\(id)")
        }
        // Five packed (16 bytes each), five as text.
        #expect(table.idBytes == 5 * 16 + ids[5...].reduce(0) { $0 + $1.utf8.count })
    }

    @Test func uuid_replacedByTheOtherCase_isNotTheSameID() {
        var table = ColdTable()
        table[3] = DirectoryState.ColdNumber(providerNumberID: "abcdef01-2345-6789-abcd-ef0123456789", lastSyncedAt: .min)
        table[3] = DirectoryState.ColdNumber(providerNumberID: "abcdef01-2345-6789-abcd-ef0123456789", lastSyncedAt: 1)
        #expect(table.garbageBytes == 0)
        table[3] = DirectoryState.ColdNumber(providerNumberID: "ABCDEF01-2345-6789-ABCD-EF0123456789", lastSyncedAt: 2)
        #expect(table[3]?.providerNumberID == "ABCDEF01-2345-6789-ABCD-EF0123456789" && table.garbageBytes == 16)
        table[3] = DirectoryState.ColdNumber(providerNumberID: "abcdef01-2345-6789-abcd-ef0123456780", lastSyncedAt: 3)
        #expect(table[3]?.providerNumberID == "abcdef01-2345-6789-abcd-ef0123456780" && table.garbageBytes == 32)
    }

    @Test func randomUUIDs_roundTripThroughReplacementsAndCompaction() {
        var table = ColdTable()
        var model: [UInt64: String] = [:]
        var random = SplitMix64Generator(seed: 21)
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
        }
        for step in 0..<60_000 {
            let key = 1 + random.next() % 3_000
            let (a, b) = (random.next(), random.next())
            var id = "\(hex(a >> 32, 8))-\(hex(a >> 16 & 0xFFFF, 4))-\(hex(a & 0xFFFF, 4))-\(hex(b >> 48, 4))-\(hex(b, 12))"
            if step % 3 == 0 { id = id.uppercased() }
            table[key] = DirectoryState.ColdNumber(providerNumberID: id, lastSyncedAt: Int64(step))
            model[key] = id
        }
        for (key, id) in model { #expect(table[key]?.providerNumberID == id) }
    }

    @Test func providerNumberID_comparedInPlace() {
        var table = ColdTable()
        table[1] = DirectoryState.ColdNumber(providerNumberID: "abcdef01-2345-6789-abcd-ef0123456789", lastSyncedAt: .min)
        table[2] = DirectoryState.ColdNumber(providerNumberID: "PN_raw-id", lastSyncedAt: .min)
        table[3] = DirectoryState.ColdNumber(providerNumberID: nil, lastSyncedAt: .min)
        #expect(table.providerNumberID(of: 1, is: "abcdef01-2345-6789-abcd-ef0123456789") == true)
        #expect(table.providerNumberID(of: 1, is: "ABCDEF01-2345-6789-ABCD-EF0123456789") == false)
        #expect(table.providerNumberID(of: 1, is: "abcdef01-2345-6789-abcd-ef012345678") == false)
        #expect(table.providerNumberID(of: 2, is: "PN_raw-id") == true)
        #expect(table.providerNumberID(of: 2, is: "PN_raw-iD") == false)
        #expect(table.providerNumberID(of: 3, is: "+14155550100") == nil)
        #expect(table.providerNumberID(of: 4, is: "PN_raw-id") == nil)
    }
}
