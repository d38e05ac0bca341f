/// Rule 9: sync reconciliation, applied.
extension DirectoryState {
    /// Every number (active or not) of this account at this provider.
    func ownedNumbers(slot: UInt32, provider: Provider, index: RoutingIndex) -> [E164] {
        numberLists[Int(slot)].keys.compactMap { key in
            guard let numberSlot = index.numberSlot(key), numberSlot.provider == provider else { return nil }
            return E164(uncheckedKey: key)
        }
    }

    func syncPlan(account: AccountID, provider: Provider, listing: [ListedNumber], index: RoutingIndex) throws(DirectoryError) -> SyncPlan {
        let slot = try slot(account)
        return try SyncPlan.compute(listing: listing, owned: ownedNumbers(slot: slot, provider: provider, index: index)) { number in
            guard let numberSlot = index.numberSlot(number.key) else { return nil }
            return SyncPlan.Existing(
                sameOwner: numberSlot.account == slot && numberSlot.provider == provider, active: numberSlot.active,
                providerNumberID: providerNumberID(number.key)
            )
        }
    }

    mutating func applySync(
        account: AccountID, provider: Provider, plan: SyncPlan, at: Timestamp, index: RoutingIndex, record: () throws -> Void
    ) throws -> ChangeEffect {
        let slot = try slot(account)
        // A plan is computed against the current state; replayed from the journal it must still fit.
        // A plan that does not fit means the journal and the state disagree: refuse, change nothing.
        var previousOwners: [UInt64: UInt32] = [:]
        for item in plan.added {
            if let existing = index.numberSlot(item.number.key) {
                guard !existing.active, existing.account != slot || existing.provider != provider else {
                    throw DirectoryError(.invalidListing, "sync plan adds \(item.number), which is already active")
                }
                previousOwners[item.number.key] = existing.account
            }
        }
        for item in plan.updated {
            guard let existing = index.numberSlot(item.number.key), existing.account == slot, existing.provider == provider else {
                throw DirectoryError(.invalidListing, "sync plan updates \(item.number), which is not a \(provider) number of '\(account)'")
            }
        }
        var losing: [(number: UInt64, agent: AgentKey)] = []
        for number in plan.deactivated {
            guard let existing = index.numberSlot(number.key), existing.account == slot, existing.provider == provider else {
                throw DirectoryError(.invalidListing, "sync plan deactivates \(number), which is not a \(provider) number of '\(account)'")
            }
            if let agent = existing.agent { losing.append((number.key, AgentKey(account: slot, id: agent.id.value))) }
        }
        try record()

        // Number by number, each in its own transaction (the number's shard, and the agent's when it
        // loses one): every reader sees each number before or after, and a large sync never holds
        // more than two locks.
        for item in plan.added {
            let slot = NumberSlot(key: item.number.key, agent: nil, account: slot, provider: provider, active: true)
            index.transaction(numbers: [item.number.key], agents: []) { transaction in transaction.setNumber(slot) }
        }
        for item in plan.updated {
            index.transaction(numbers: [item.number.key], agents: []) { transaction in
                if var numberSlot = transaction.number(item.number.key) {
                    numberSlot.active = true
                    transaction.setNumber(numberSlot)
                }
            }
        }
        let losers = Dictionary(losing.map { ($0.number, $0.agent) }, uniquingKeysWith: { first, _ in first })
        for number in plan.deactivated {
            let agentKey = losers[number.key]
            index.transaction(numbers: [number.key], agents: agentKey.map { [$0] } ?? []) { transaction in
                if var numberSlot = transaction.number(number.key) {
                    numberSlot.active = false
                    numberSlot.agent = nil
                    transaction.setNumber(numberSlot)
                }
                if let agentKey, var entry = transaction.agent(agentKey) {
                    entry.number = 0
                    transaction.setAgent(agentKey, entry)
                }
            }
        }

        for item in plan.added {
            if let previous = previousOwners[item.number.key], previous != slot { numberLists[Int(previous)].remove(item.number.key) }
            if previousOwners[item.number.key] != slot { numberLists[Int(slot)].append(item.number.key) }
            setCold(item.number.key, providerNumberID: item.providerNumberID, lastSyncedAt: nil)
        }
        for item in plan.updated {
            let seen = cold[item.number.key]?.lastSyncedAt
            setCold(item.number.key, providerNumberID: item.providerNumberID, lastSyncedAt: seen.flatMap { $0 == .min ? nil : Timestamp(milliseconds: $0) })
        }
        // Every active number of this account at this provider is, after the plan, exactly the
        // listing (minus conflicts, which are not ours): all were seen now.
        for key in numberLists[Int(slot)].keys {
            guard let numberSlot = index.numberSlot(key), numberSlot.provider == provider, numberSlot.active else { continue }
            cold.setSynced(key, at: at.milliseconds)
        }
        return .sync(
            SyncReport(
                added: plan.added.count, updated: plan.updated.count, deactivated: plan.deactivated.count,
                conflicts: plan.conflicts, unassigned: losing.map { E164(uncheckedKey: $0.number) }.sorted()
            )
        )
    }
}
