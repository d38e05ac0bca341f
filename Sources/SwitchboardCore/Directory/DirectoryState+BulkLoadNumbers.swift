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
    /// Start-up is the one moment the router has every core to itself, so the work runs on two
    /// threads in two rounds. First each thread gives the assigned numbers their agents, one
    /// thread in agent shards 0..<32 and the other in 32..<64 (the look-ups, each a few cache
    /// misses, are most of the work); the first also checks every record's own fields. Then one
    /// fills the routing index while the other fills the cold table (provider ids, sync times) and
    /// the per-account lists. Each thread takes the records in order and stops at its first broken
    /// rule, and an agent's numbers all go to one thread, so the first broken rule by position
    /// is the one the records applied one by one would meet. It fails the whole load, and the
    /// directory is thrown away.
    mutating func bulkLoadStoredNumbers(_ numbers: [StoredNumber], index: RoutingIndex, position: inout Int) throws(DirectoryError) {
        let start = position
        let accounts = self.accounts.map(\.id)
        let agents = AgentsOfNumbers(count: numbers.count)
        defer { agents.free() }
        let split = RoutingIndex.shardCount / 2
        let other = Failure()
        let done = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: done) {
            other.first = DirectoryState.assignAgents(
                numbers, inShards: split..<RoutingIndex.shardCount, checkingFields: false, index: index, accounts: accounts, start: start, into: agents)
        }
        let mine = DirectoryState.assignAgents(numbers, inShards: 0..<split, checkingFields: true, index: index, accounts: accounts, start: start, into: agents)
        done.wait()

        // Moved out (not copied) so the cold half mutates storage it owns alone.
        let coldHalf = ColdHalf(cold: self.cold, lists: self.numberLists)
        self.cold = ColdTable()
        self.numberLists = []
        DispatchQueue.global(qos: .userInitiated).async(group: done) {
            DirectoryState.loadColdData(numbers, cold: &coldHalf.cold, lists: &coldHalf.lists)
        }
        let duplicate = DirectoryState.fillNumberShards(numbers, agents: agents, index: index, start: start)
        done.wait()
        self.cold = coldHalf.cold
        self.numberLists = coldHalf.lists
        // On a tie the record's own fields come first, then its agent, then its repetition: the
        // order of the checks of one record.
        if let failure = [mine, other.first, duplicate].compactMap({ $0 }).min(by: { $0.position < $1.position }) {
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

    /// The first broken rule a thread of `bulkLoadStoredNumbers` found.
    ///
    /// `@unchecked Sendable`: written by one thread, read after the `DispatchGroup.wait()`.
    private final class Failure: @unchecked Sendable {
        var first: (position: Int, error: DirectoryError)?
    }

    /// Each number's agent record (nil for none), by the number's offset: written by the two
    /// threads of `assignAgents`, each at the offsets of its own agent shards, then moved out by
    /// `fillNumberShards`.
    ///
    /// `@unchecked Sendable`: the two writers write disjoint offsets, and the reader reads after
    /// the `DispatchGroup.wait()` that follows them; `free` runs once, after everything.
    private final class AgentsOfNumbers: @unchecked Sendable {
        let records: UnsafeMutablePointer<AgentRecord?>
        let count: Int

        init(count: Int) {
            self.count = count
            records = .allocate(capacity: Swift.max(count, 1))
            records.initialize(repeating: nil, count: count)
        }

        func free() {
            records.deinitialize(count: count)
            records.deallocate()
        }
    }

    /// The first round of `bulkLoadStoredNumbers` on one thread: every assigned number whose agent
    /// lies in `shards` is checked against its agent and given to it, and the record noted in
    /// `agents`. With `checkingFields`, every record's account and provider id are checked too
    /// (the other thread skips a record with no such account). The first broken rule is returned.
    ///
    /// The thread holds its shards' locks for the whole round, and works on their tables moved out
    /// into a local array: a lock, an unlock and an exclusivity check per number were a good part
    /// of the round, and a lock's atomic instruction keeps the processor from overlapping one
    /// look-up's cache misses with the next one's.
    ///
    /// Each look-up is two cache misses in a row (the slot, then the record whose id it compares),
    /// and they were most of the round. So the numbers are found ahead of their look-ups, into a
    /// ring: a number's slot is prefetched when it enters the ring, its record halfway through, and
    /// it is looked up when it leaves, by which time both have usually arrived. Errors keep their
    /// order: a broken field found ahead is returned only after the numbers before it.
    private static func assignAgents(
        _ numbers: [StoredNumber], inShards shards: Range<Int>, checkingFields: Bool, index: RoutingIndex, accounts: [AccountID], start: Int,
        into agents: AgentsOfNumbers
    ) -> (position: Int, error: DirectoryError)? {
        let held = shards.map { index.agentShards[$0] }
        for shard in held { shard.lock.lock() }
        var tables = held.map { shard in
            let table = shard.agents
            shard.agents = AgentTable()
            return table
        }
        defer {
            for (shard, table) in zip(held, tables) {
                shard.agents = table
                shard.lock.unlock()
            }
        }
        typealias Ahead = (offset: Int, key: AgentKey)
        var next = 0
        var fieldFailure: (position: Int, error: DirectoryError)?
        /// The next assigned number whose agent is in `shards`, its fields checked on the way; nil at
        /// the end or at a broken field (then in `fieldFailure`).
        func scan() -> Ahead? {
            while fieldFailure == nil && next < numbers.count {
                let offset = next
                next += 1
                let stored = numbers[offset]
                let slot = stored.accountSlot
                if checkingFields {
                    guard Int(slot) < accounts.count else {
                        fieldFailure = (
                            start + offset,
                            DirectoryError(.invalidField, "number \(E164(uncheckedKey: stored.key)) refers to account slot \(slot), which does not exist")
                        )
                        return nil
                    }
                    // Absent, the provider's id is the number itself, which is always valid.
                    if let providerNumberID = stored.providerNumberID {
                        do throws(DirectoryError) {
                            _ = try FieldCheck.providerID(providerNumberID, field: "provider_number_id")
                        } catch {
                            fieldFailure = (start + offset, error)
                            return nil
                        }
                    }
                } else if Int(slot) >= accounts.count {
                    continue
                }
                guard let agentID = stored.agentID else { continue }
                let key = AgentKey(account: slot, id: agentID)
                guard shards.contains(key.shard) else { continue }
                return (offset, key)
            }
            return nil
        }
        let depth = 16, half = depth / 2
        var ring = [Ahead?](repeating: nil, count: depth)
        var entered = 0, left = 0
        /// Fills the ring, prefetching each newcomer's slot and the record of the number that is now
        /// halfway through.
        func fill() {
            while entered - left < depth, let ahead = scan() {
                tables[ahead.key.shard - shards.lowerBound].prefetchSlot(ahead.key)
                ring[entered % depth] = ahead
                entered += 1
                if entered - half > left, let middle = ring[(entered - half - 1) % depth] {
                    tables[middle.key.shard - shards.lowerBound].prefetchRecord(middle.key)
                }
            }
        }
        fill()
        while left < entered {
            let (offset, key) = ring[left % depth].take().unsafelyUnwrapped
            left += 1
            fill()
            let stored = numbers[offset]
            do throws(DirectoryError) {
                // One hash look-up: find the agent, check, give it the number.
                let entry = try tables[key.shard - shards.lowerBound].setNumber(stored.key, of: key) { entry throws(DirectoryError) in
                    try DirectoryState.checkAssignable(E164(uncheckedKey: stored.key), provider: stored.provider, status: stored.status, to: entry)
                }
                guard let entry else { throw .unknownAgent(Identifier(unchecked: key.id), in: accounts[Int(stored.accountSlot)]) }
                agents.records[offset] = entry.record
            } catch {
                return (start + offset, error)
            }
        }
        return fieldFailure
    }

    /// The routing half of the second round: the numbers, with the agents the first round found,
    /// into the number shards. Returns the first number found twice.
    ///
    /// The buckets hold plain values (the number's offset, not its agent): each agent is moved
    /// from `agents` into its slot when the slot is written, so no record is retained or released
    /// on the way. A record's retain is a cache miss on the record (a million scattered objects),
    /// and with the bucket's copy and its release it was about a tenth of start-up at 1M numbers.
    private static func fillNumberShards(
        _ numbers: [StoredNumber], agents: AgentsOfNumbers, index: RoutingIndex, start: Int
    ) -> (position: Int, error: DirectoryError)? {
        typealias Pending = (hash: UInt64, key: UInt64, offset: Int, account: UInt32, provider: Provider, active: Bool)
        var buckets = [[Pending]](repeating: [], count: RoutingIndex.shardCount)
        for shard in 0..<RoutingIndex.shardCount { buckets[shard].reserveCapacity(numbers.count / RoutingIndex.shardCount + 64) }
        for (offset, stored) in numbers.enumerated() {
            let hash = RoutingIndex.hash(stored.key)
            buckets[RoutingIndex.numberShardIndex(hash: hash)].append(
                (hash, stored.key, offset, stored.accountSlot, stored.provider, stored.status == .active))
        }
        // Within a shard the numbers keep their order, so a repeated number is caught at its second
        // record: the one that breaks the rule.
        var duplicate: (position: Int, error: DirectoryError)?
        for shardIndex in buckets.indices where !buckets[shardIndex].isEmpty {
            let bucket = buckets[shardIndex]
            buckets[shardIndex] = []
            index.numberShards.withLocked(shardIndex) { table in
                table.reserve(table.count + bucket.count)
                for item in bucket {
                    if table.find(item.key, hash: item.hash) != nil {
                        if duplicate == nil || start + item.offset < duplicate!.position {
                            let number = E164(uncheckedKey: item.key)
                            duplicate = (start + item.offset, DirectoryError(.numberTaken, "number \(number) appears twice: a number exists once in the whole system"))
                        }
                        continue
                    }
                    // Moved out of `agents` (left nil) into the slot.
                    table.upsert(
                        NumberSlot(key: item.key, agent: agents.records[item.offset].take(), account: item.account, provider: item.provider, active: item.active),
                        hash: item.hash)
                }
            }
        }
        return duplicate
    }

    /// The cold half of `bulkLoadStoredNumbers`: what the lists and the API show, not the hot path.
    private static func loadColdData(_ numbers: [StoredNumber], cold: inout ColdTable, lists: inout [NumberList]) {
        // The arena sized once for every id that may be kept, at its UTF-8 length: an upper bound
        // (a UUID takes 16 bytes, an id that is the number itself none) that spares parsing every
        // id twice; the capacity never written is never touched, so it costs no resident memory.
        var idBytes = 0
        for stored in numbers { idBytes += stored.providerNumberID?.utf8.count ?? 0 }
        cold.reserveCapacity(cold.count + numbers.count, idBytes: idBytes)
        // Each account's list sized exactly, once: reserving all the numbers for every account
        // wasted eight bytes a number per account.
        // An unknown account slot fails the index half; this half only skips its numbers.
        var perAccount = [Int](repeating: 0, count: lists.count)
        for stored in numbers where Int(stored.accountSlot) < lists.count { perAccount[Int(stored.accountSlot)] += 1 }
        for (slot, count) in perAccount.enumerated() where count > 0 { lists[slot].keys.reserveCapacity(lists[slot].keys.count + count) }
        // Each insert's slot prefetched this many inserts ahead.
        let lookahead = 8
        for (offset, stored) in numbers.enumerated() where Int(stored.accountSlot) < lists.count {
            if offset + lookahead < numbers.count { cold.prefetch(numbers[offset + lookahead].key) }
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
