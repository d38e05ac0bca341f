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
            let key = step % 7 == 0 ? random.next() | 1 : 1_415_555_0000 + random.next() % 5_000
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
    }
}
