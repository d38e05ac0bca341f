extension RoutingIndex {
    /// Write access to a set of shards, all locked for the transaction's lifetime.
    ///
    /// Only the `Directory` creates transactions, and only while holding its own writer lock, so
    /// there is one writer at a time; the shard locks are for the readers.
    struct Transaction {
        let index: RoutingIndex
        private let numberShardSet: UInt64
        private let agentShardSet: UInt64

        fileprivate init(index: RoutingIndex, numberShards: UInt64, agentShards: UInt64) {
            self.index = index
            self.numberShardSet = numberShards
            self.agentShardSet = agentShards
        }

        func number(_ key: UInt64) -> NumberSlot? {
            let hash = RoutingIndex.hash(key)
            let shardIndex = RoutingIndex.numberShardIndex(hash: hash)
            precondition(numberShardSet & (1 << UInt64(shardIndex)) != 0, "number shard not locked by this transaction")
            return index.numberShards.whileLocked(shardIndex) { table in table.find(key, hash: hash).map { table[$0] } }
        }

        func setNumber(_ slot: NumberSlot) {
            let hash = RoutingIndex.hash(slot.key)
            let shardIndex = RoutingIndex.numberShardIndex(hash: hash)
            precondition(numberShardSet & (1 << UInt64(shardIndex)) != 0, "number shard not locked by this transaction")
            precondition(slot.agent == nil || slot.active, "an inactive number cannot hold an agent")
            index.numberShards.whileLocked(shardIndex) { table in table.upsert(slot, hash: hash) }
        }

        func agent(_ key: AgentKey) -> AgentEntry? {
            let shardIndex = key.shard
            precondition(agentShardSet & (1 << UInt64(shardIndex)) != 0, "agent shard not locked by this transaction")
            return index.agentShards[shardIndex].agents[key]
        }

        func setAgent(_ key: AgentKey, _ entry: AgentEntry?) {
            let shardIndex = key.shard
            precondition(agentShardSet & (1 << UInt64(shardIndex)) != 0, "agent shard not locked by this transaction")
            index.agentShards[shardIndex].agents[key] = entry
        }
    }

    /// Locks the shards of `numbers` and `agents` in the global order, runs `body`, unlocks. A change
    /// touches at most two numbers and two agents, so at most four locks are held.
    func transaction<Result, Failure: Error>(
        numbers: [UInt64], agents: [AgentKey], _ body: (Transaction) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var numberSet: UInt64 = 0
        for key in numbers { numberSet |= 1 << UInt64(RoutingIndex.numberShardIndex(hash: RoutingIndex.hash(key))) }
        var agentSet: UInt64 = 0
        for key in agents { agentSet |= 1 << UInt64(key.shard) }
        return try locking(numberSet: numberSet, agentSet: agentSet) { () throws(Failure) in
            try body(Transaction(index: self, numberShards: numberSet, agentShards: agentSet))
        }
    }

    private func locking<Result, Failure: Error>(
        numberSet: UInt64, agentSet: UInt64, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        for shard in 0..<RoutingIndex.shardCount where numberSet & (1 << UInt64(shard)) != 0 { numberShards.lock(shard) }
        for shard in 0..<RoutingIndex.shardCount where agentSet & (1 << UInt64(shard)) != 0 { agentShards[shard].lock.lock() }
        defer {
            for shard in 0..<RoutingIndex.shardCount where agentSet & (1 << UInt64(shard)) != 0 { agentShards[shard].lock.unlock() }
            for shard in 0..<RoutingIndex.shardCount where numberSet & (1 << UInt64(shard)) != 0 { numberShards.unlock(shard) }
        }
        return try body()
    }

    /// Sets or clears one provider connection: in the account table (webhook credentials), and its
    /// default caller ID in every agent shard.
    func setConnection(account: UInt32, provider: Provider, _ connection: ProviderConnection?) {
        let key = RoutingIndex.connectionKey(account: account, provider: provider)
        accountTable.lock.withLock {
            accountTable.connections[key] = connection
            accountTable.version.add(1, ordering: .releasing)
        }
        setDefaultCallerID(account: account, provider: provider, connection?.defaultCallerID)
    }

    /// Sets or clears the default caller ID of one connection in every agent shard, one shard at a
    /// time: each caller-ID choice reads one shard, so it sees the old default or the new one.
    /// (Holding all 64 at once would gain nothing, and ThreadSanitizer's deadlock detector cannot
    /// track that many locks held by one thread.)
    private func setDefaultCallerID(account: UInt32, provider: Provider, _ number: E164?) {
        let key = RoutingIndex.connectionKey(account: account, provider: provider)
        for shard in agentShards {
            shard.lock.withLock { shard.defaults[key] = number?.key }
        }
    }
}
