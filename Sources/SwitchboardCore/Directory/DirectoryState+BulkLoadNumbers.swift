import Dispatch

extension DirectoryState {
    /// `putNumber` for many numbers at once, with the same checks (see `bulkLoadStoredNumbers`).
    mutating func bulkLoadNumbers(_ numbers: [NumberImage], index: RoutingIndex, position: inout Int) throws(DirectoryError) {
        // The account ids become slots; an unknown account is the first broken rule unless a
        // record before it breaks one, so the records before it are loaded (and checked) first.
        var stored: [StoredNumber] = []
        stored.reserveCapacity(numbers.count)
        var accounts = AccountSlots(slots)
        var unknownAccount: (offset: Int, error: DirectoryError)?
        for (offset, image) in numbers.enumerated() {
            let spec = image.spec
            do throws(DirectoryError) {
                let slot = try accounts.slot(spec.account)
                stored.append(
                    StoredNumber(
                        key: spec.number.key, accountSlot: slot, provider: spec.provider, status: spec.status,
                        providerNumberID: spec.providerNumberID, agentID: spec.agentID?.value,
                        lastSyncedAt: image.lastSyncedAt?.milliseconds ?? Int64.min))
            } catch {
                unknownAccount = (offset, error)
                break
            }
        }
        let start = position
        try bulkLoadStoredNumbers(stored, index: index, position: &position)
        if let unknownAccount {
            position = start + unknownAccount.offset
            throw unknownAccount.error
        }
    }

    /// `putNumber` for many numbers at once, with the same checks. Only for a directory that is not
    /// published yet (`Directory.load`): no reader can see it, so numbers go into the tables shard by
    /// shard, one lock hold each, instead of one transaction each.
    ///
    /// Start-up is the one moment the router has every core to itself, so the work is split in two
    /// halves that share nothing and run side by side: one checks every record and fills the routing
    /// index; the other fills the cold table (provider ids, sync times) and the per-account lists.
    /// If a record breaks a rule the whole load fails and the directory is thrown away.
    mutating func bulkLoadStoredNumbers(_ numbers: [StoredNumber], index: RoutingIndex, position: inout Int) throws(DirectoryError) {
        let start = position
        let accounts = self.accounts.map(\.id)
        // Moved out (not copied) so the cold half mutates storage it owns alone.
        let coldHalf = ColdHalf(cold: self.cold, lists: self.numberLists)
        self.cold = ColdTable()
        self.numberLists = []
        let done = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: done) {
            DirectoryState.loadColdData(numbers, cold: &coldHalf.cold, lists: &coldHalf.lists)
        }
        let failure = DirectoryState.loadIndex(numbers, index: index, accounts: accounts, start: start)
        done.wait()
        self.cold = coldHalf.cold
        self.numberLists = coldHalf.lists
        if let failure {
            position = failure.position
            throw failure.error
        }
        position = start + numbers.count
    }

    /// The cold half's output, handed from its thread to the loader.
    ///
    /// `@unchecked Sendable`: written only by the cold half's block, read only after `done.wait()`
    /// has returned, which orders the two.
    private final class ColdHalf: @unchecked Sendable {
        var cold: ColdTable
        var lists: [NumberList]

        init(cold: ColdTable, lists: [NumberList]) {
            self.cold = cold
            self.lists = lists
        }
    }

    /// The index half of `bulkLoadStoredNumbers`: every rule checked, the first broken one
    /// returned. `accounts` are the account ids by slot.
    private static func loadIndex(
        _ numbers: [StoredNumber], index: RoutingIndex, accounts: [AccountID], start: Int
    ) -> (position: Int, error: DirectoryError)? {
        typealias Pending = (hash: UInt64, slot: NumberSlot, position: Int)
        var buckets = [[Pending]](repeating: [], count: RoutingIndex.shardCount)
        for shard in 0..<RoutingIndex.shardCount { buckets[shard].reserveCapacity(numbers.count / RoutingIndex.shardCount + 64) }
        var firstError: (position: Int, error: DirectoryError)?
        for (offset, stored) in numbers.enumerated() {
            do throws(DirectoryError) {
                let slot = stored.accountSlot
                guard Int(slot) < accounts.count else {
                    throw DirectoryError(.invalidField, "number \(E164(uncheckedKey: stored.key)) refers to account slot \(slot), which does not exist")
                }
                // Absent, the provider's id is the number itself, which is always valid.
                if let providerNumberID = stored.providerNumberID { _ = try FieldCheck.providerID(providerNumberID, field: "provider_number_id") }
                var record: AgentRecord?
                if let agentID = stored.agentID {
                    // One lock hold and one hash look-up: find the agent, check, give it the number.
                    let key = AgentKey(account: slot, id: agentID)
                    let shard = index.agentShards[key.shard]
                    let found: Result<AgentRecord, DirectoryError> = shard.lock.withLock {
                        do throws(DirectoryError) {
                            let entry = try shard.agents.setNumber(stored.key, of: key) { entry throws(DirectoryError) in
                                try DirectoryState.checkAssignable(
                                    E164(uncheckedKey: stored.key), provider: stored.provider, status: stored.status, to: entry)
                            }
                            guard let entry else { return .failure(.unknownAgent(Identifier(unchecked: agentID), in: accounts[Int(slot)])) }
                            return .success(entry.record)
                        } catch {
                            return .failure(error)
                        }
                    }
                    record = try found.get()
                }
                let hash = RoutingIndex.hash(stored.key)
                let numberSlot = NumberSlot(key: stored.key, agent: record, account: slot, provider: stored.provider, active: stored.status == .active)
                buckets[RoutingIndex.numberShardIndex(hash: hash)].append((hash, numberSlot, start + offset))
            } catch {
                firstError = (start + offset, error)
                break
            }
        }
        // Within a shard the numbers keep their order, so a repeated number is caught at its second
        // record: the one that breaks the rule.
        var duplicate: (position: Int, error: DirectoryError)?
        for (shardIndex, bucket) in buckets.enumerated() where !bucket.isEmpty {
            index.numberShards.withLocked(shardIndex) { table in
                table.reserve(table.count + bucket.count)
                for item in bucket {
                    if table.find(item.slot.key, hash: item.hash) != nil {
                        if duplicate == nil || item.position < duplicate!.position {
                            let number = E164(uncheckedKey: item.slot.key)
                            duplicate = (item.position, DirectoryError(.numberTaken, "number \(number) appears twice: a number exists once in the whole system"))
                        }
                        continue
                    }
                    table.upsert(item.slot, hash: item.hash)
                }
            }
        }
        return [firstError, duplicate].compactMap({ $0 }).min(by: { $0.position < $1.position })
    }

    /// The cold half of `bulkLoadStoredNumbers`: what the lists and the API show, not the hot path.
    private static func loadColdData(_ numbers: [StoredNumber], cold: inout ColdTable, lists: inout [NumberList]) {
        cold.reserveCapacity(cold.count + numbers.count)
        // Each account's list sized exactly, once: reserving all the numbers for every account
        // wasted eight bytes a number per account.
        // An unknown account slot fails the index half; this half only skips its numbers.
        var perAccount = [Int](repeating: 0, count: lists.count)
        for stored in numbers where Int(stored.accountSlot) < lists.count { perAccount[Int(stored.accountSlot)] += 1 }
        for (slot, count) in perAccount.enumerated() where count > 0 { lists[slot].keys.reserveCapacity(lists[slot].keys.count + count) }
        for stored in numbers where Int(stored.accountSlot) < lists.count {
            let number = E164(uncheckedKey: stored.key)
            cold[stored.key] =
                if let providerNumberID = stored.providerNumberID {
                    ColdNumber(number: number, providerNumberID: providerNumberID, lastSyncedAt: stored.lastSyncedAt)
                } else {
                    ColdNumber(providerNumberID: nil, lastSyncedAt: stored.lastSyncedAt)
                }
            lists[Int(stored.accountSlot)].append(stored.key)
        }
    }

    /// The checks for a new number born assigned (putNumber, import): same provider, active, and the
    /// agent has no number yet.
    static func checkAssignable(_ spec: NumberSpec, to entry: AgentEntry) throws(DirectoryError) {
        try checkAssignable(spec.number, provider: spec.provider, status: spec.status, to: entry)
    }

    static func checkAssignable(_ number: E164, provider: Provider, status: Status, to entry: AgentEntry) throws(DirectoryError) {
        let agentID = entry.record.id
        guard entry.record.provider == provider else {
            throw DirectoryError(
                .providerMismatch, "number \(number) is a \(provider) number and agent '\(agentID)' is a \(entry.record.provider) agent"
            )
        }
        guard status == .active else {
            throw DirectoryError(.numberInactive, "number \(number) is inactive and cannot be assigned to agent '\(agentID)'")
        }
        guard entry.number == 0 else {
            throw DirectoryError(
                .agentHasNumber, "agent '\(agentID)' already has number \(E164(uncheckedKey: entry.number)): an agent has at most one number"
            )
        }
    }
}
