import Testing

@testable import SwitchboardCore

/// The agent shards' hash table against a plain dictionary: inserts, replacements, removals
/// (backward shift), growth and shrinking, with every entry findable after every step.
@Suite struct AgentTableTests {
    static func entry(_ account: UInt32, _ id: String, number: UInt64 = 0) -> (AgentKey, AgentEntry) {
        let spec = AgentSpec(
            account: try! Identifier("acct\(account)"), id: try! Identifier(id), name: id, provider: .retell,
            providerAgentID: "pa_\(id)", status: .active)
        return (AgentKey(account: account, id: id), AgentEntry(record: AgentRecord.make(spec: spec, accountSlot: account), number: number))
    }

    @Test func insertFindReplaceRemove() {
        var table = AgentTable()
        let (key, entry) = AgentTableTests.entry(1, "front-desk", number: 7)
        #expect(table[key] == nil)
        table[key] = entry
        #expect(table.count == 1)
        #expect(table[key]?.record === entry.record)
        #expect(table[AgentKey(account: 2, id: "front-desk")] == nil, "same id, other account")
        let set = table.setNumber(9, of: key)
        #expect(set)
        #expect(table[key]?.number == 9)
        let (_, replacement) = AgentTableTests.entry(1, "front-desk", number: 3)
        table[key] = replacement
        #expect(table.count == 1)
        #expect(table[key]?.record === replacement.record)
        table[key] = nil
        #expect(table.count == 0)
        #expect(table[key] == nil)
        let setGone = table.setNumber(1, of: key)
        #expect(!setGone)
    }

    /// Random operations over few keys (so probe runs collide, wrap and shift) and many (growth).
    @Test(arguments: [40, 5_000]) func randomOperations_matchADictionary(keys: Int) {
        var table = AgentTable()
        var model: [String: UInt64] = [:]
        var random = SplitMix64Generator(seed: UInt64(keys))
        let entries = (0..<keys).map { AgentTableTests.entry(UInt32($0 % 3), "agent-\($0)") }
        for step in 0..<30_000 {
            let pick = Int(random.next() % UInt64(keys))
            let (key, entry) = entries[pick]
            switch random.next() % 10 {
            case 0...4:
                let number = random.next() % 1000
                table[key] = AgentEntry(record: entry.record, number: number)
                model[key.id] = number
            case 5...7:
                table[key] = nil
                model[key.id] = nil
            default:
                let number = random.next() % 1000
                let found = table.setNumber(number, of: key)
                #expect(found == (model[key.id] != nil), "step \(step)")
                if model[key.id] != nil { model[key.id] = number }
            }
            #expect(table.count == model.count, "step \(step)")
            #expect(table[key]?.number == model[key.id], "step \(step)")
            if step % 1000 == 0 || keys < 100 && step % 50 == 0 {
                #expect(table.misplacedEntries().isEmpty, "step \(step)")
                for (otherKey, _) in entries { #expect(table[otherKey]?.number == model[otherKey.id], "step \(step): \(otherKey.id)") }
            }
        }
        // Mass removal shrinks the table and keeps what is left findable.
        let before = table.allocatedBytes
        for (key, _) in entries { table[key] = nil }
        #expect(table.count == 0)
        #expect(keys < 100 || table.allocatedBytes < before / 4)
    }
}

/// splitmix64 as a RandomNumberGenerator, for reproducible random tests.
struct SplitMix64Generator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The agent list's sorted copy, built from the index on first use and then kept in step.
@Suite struct AgentListingTests {
    static func ids(_ directory: Directory, after cursor: String? = nil, limit: Int = 1000) throws -> [String] {
        try directory.agents(account: Fixture.id("acme"), after: cursor, limit: limit).items.map(\.spec.id.value)
    }

    @Test func listing_staysSortedThroughCreatesRewritesAndDeletes() throws {
        let directory = try Fixture.directory()
        #expect(try AgentListingTests.ids(directory) == ["a1", "a2", "v1"], "built from the index; other accounts left out")
        try directory.putAgent(Fixture.agent("a15"))
        try directory.putAgent(Fixture.agent("0first"))
        try directory.putAgent(Fixture.agent("zz"))
        try directory.putAgent(Fixture.agent("a1", name: "Renamed"))  // a rewrite, not a new id
        #expect(try AgentListingTests.ids(directory) == ["0first", "a1", "a15", "a2", "v1", "zz"])
        _ = try directory.deleteAgent(account: Fixture.id("acme"), id: Fixture.id("a15"))
        _ = try directory.deleteAgent(account: Fixture.id("acme"), id: Fixture.id("zz"))
        #expect(try AgentListingTests.ids(directory) == ["0first", "a1", "a2", "v1"])
        #expect(try AgentListingTests.ids(directory, after: "a1", limit: 2) == ["a2", "v1"])
        #expect(try directory.agents(account: Fixture.id("acme")).items.first { $0.spec.id.value == "a1" }?.spec.name == "Renamed")
    }

    @Test func listing_afterABulkLoad_seesEveryAgent() throws {
        let directory = try Fixture.directory()
        _ = try AgentListingTests.ids(directory)  // the sorted copy exists now
        let loaded = try Directory.load(directory.image())
        try loaded.putAgent(Fixture.agent("b0"))
        #expect(try AgentListingTests.ids(loaded) == ["a1", "a2", "b0", "v1"])
    }

    /// Two agents whose keys share the shard and the 14 hash bits a slot keeps: each probe of one
    /// meets the other's tag, so only the id comparison tells them apart.
    @Test func sameTag_entriesStayApart() throws {
        var seen: [UInt64: String] = [:]
        var pair: (String, String)?
        for n in 0..<100_000 {
            let id = "agent-\(n)"
            let hash = AgentKey(account: 1, id: id).hashValue64
            // The shard (low 6 bits) and the tag (the 14 bits above): what a slot keeps of a hash.
            let kept = hash & 0xF_FFFF
            if let other = seen[kept] {
                pair = (other, id)
                break
            }
            seen[kept] = id
        }
        let (first, second) = try #require(pair)
        var table = AgentTable()
        let (firstKey, firstEntry) = AgentTableTests.entry(1, first, number: 11)
        let (secondKey, secondEntry) = AgentTableTests.entry(1, second, number: E164.maxKey)
        table[firstKey] = firstEntry
        table[secondKey] = secondEntry
        #expect(table[firstKey]?.record === firstEntry.record && table[firstKey]?.number == 11)
        #expect(table[secondKey]?.record === secondEntry.record && table[secondKey]?.number == E164.maxKey)
        let set = table.setNumber(0, of: secondKey)
        #expect(set)
        #expect(table[firstKey]?.number == 11 && table[secondKey]?.number == 0)
        table[firstKey] = nil
        #expect(table[firstKey] == nil && table[secondKey]?.record === secondEntry.record)
        #expect(table.misplacedEntries().isEmpty)
    }

    /// A slot keeps the number beside hash bits: every number key comes back whole.
    @Test func numberKeys_keptWhole() {
        var table = AgentTable()
        let numbers: [UInt64] = [1, 15_550_000_001, 999_999_999_999_999, 1 << 49]
        for (n, number) in numbers.enumerated() {
            let (key, entry) = AgentTableTests.entry(2, "n\(n)", number: number)
            table[key] = entry
        }
        for (n, number) in numbers.enumerated() {
            #expect(table[AgentKey(account: 2, id: "n\(n)")]?.number == number)
        }
        for (n, number) in numbers.enumerated().reversed() {
            let set = table.setNumber(number, of: AgentKey(account: 2, id: "n\(n)"))
            #expect(set)
            #expect(table[AgentKey(account: 2, id: "n\(n)")]?.number == number)
        }
    }
}
