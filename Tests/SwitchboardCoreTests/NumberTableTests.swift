import Testing

@testable import SwitchboardCore

/// The packed number table against a plain dictionary, and accounts past the packed word's 11 bits.
@Suite struct NumberTableTests {
    @Test func slot_isSixteenBytes() {
        #expect(MemoryLayout<NumberTable.Packed>.stride == 16)
    }

    /// Shards sit side by side: one over a cache line would share a line with the next one's mutex.
    @Test func shard_fillsOneCacheLine() {
        #expect(MemoryLayout<NumberShard>.stride == 64)
    }

    @Test func randomUpserts_matchADictionary_includingWideAccounts() {
        var table = NumberTable()
        var model: [UInt64: NumberSlot] = [:]
        var random = SplitMix64Generator(seed: 21)
        let record = AgentRecord.make(spec: Fixture.agent("a1"), accountSlot: 0)
        for step in 0..<30_000 {
            let key = step % 5 == 0 ? random.next() % E164.maxKey + 1 : 1_415_555_0000 + random.next() % 4_000
            // Accounts on both sides of the 11-bit boundary, and the largest slot.
            let accounts: [UInt32] = [0, 1, 2_046, 2_047, 2_048, 70_000, UInt32.max]
            let active = random.next() % 4 != 0
            let slot = NumberSlot(
                key: key, agent: active && random.next() % 2 == 0 ? record : nil,
                account: accounts[Int(random.next() % UInt64(accounts.count))],
                provider: Provider.allCases[Int(random.next() % 3)], active: active)
            table.upsert(slot, hash: RoutingIndex.hash(key))
            model[key] = slot
            #expect(table.count == model.count, "step \(step)")
        }
        for (key, expected) in model {
            let position = table.find(key, hash: RoutingIndex.hash(key))
            #expect(position != nil)
            guard let position else { continue }
            let slot = table[position]
            #expect(
                slot.key == key && slot.account == expected.account && slot.provider == expected.provider && slot.active == expected.active
                    && slot.agent === expected.agent, "\(key)")
            let belongs = table.belongs(at: position, account: expected.account, provider: expected.provider)
            let belongsToNext = table.belongs(at: position, account: expected.account &+ 1, provider: expected.provider)
            #expect(belongs && !belongsToNext)
        }
        #expect(table.find(42, hash: RoutingIndex.hash(42)) == nil)
        var seen = 0
        table.forEach { slot in
            seen += 1
            #expect(model[slot.key]?.account == slot.account)
        }
        #expect(seen == model.count)
    }

    /// A number of the 2,050th account routes like any other, and is not another account's.
    @Test func accountPastTheWordsBits_routesAndRefusesLikeAnyOther() throws {
        let directory = Directory()
        for index in 0..<2_050 { _ = try directory.createAccount(id: Fixture.id("acct-\(index)"), name: "Account \(index)") }
        let last = "acct-2049"
        #expect(directory.index.accountSlot(last)! >= NumberTable.wideAccount)
        try directory.putAgent(Fixture.agent("a1", account: last))
        try directory.putNumber(Fixture.numberSpec("+15550001", account: last, agent: "a1"))
        try directory.putNumber(Fixture.numberSpec("+15550002", account: "acct-3"))
        #expect(directory.inboundOutcome("+15550001", account: last) == "routed:a1")
        #expect(directory.inboundOutcome("+15550001", account: "acct-2048") == "unknown_number")
        #expect(directory.inboundOutcome("+15550001", account: "acct-3") == "unknown_number")
        #expect(directory.inboundOutcome("+15550002", account: last) == "unknown_number")
        #expect(directory.inboundOutcome("+15550002", account: "acct-3") == "unassigned")
        #expect(directory.number(account: Fixture.id(last), number: Fixture.number("+15550001"))?.agentID == Fixture.id("a1"))
        #expect(directory.number(account: Fixture.id("acct-3"), number: Fixture.number("+15550001")) == nil)
        #expect(directory.invariantViolations() == [])
    }
}
