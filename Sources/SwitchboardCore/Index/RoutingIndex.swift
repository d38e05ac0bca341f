/// The in-memory index that answers the two hot-path questions (SPEC §5): number → agent for inbound
/// calls and agent → number for outbound caller IDs.
///
/// It is sharded: 64 number shards and 64 agent shards, each with its own lock, so readers on
/// different threads rarely meet. Only the `Directory` writes, and only inside `transaction`, which
/// takes every shard lock the change touches, in one global order (number shards ascending, then agent
/// shards ascending) before changing anything. A reader holds at most one number shard and then one
/// agent shard, in that same order, so it sees each change whole or not at all, and there is no
/// deadlock.
public final class RoutingIndex: Sendable {
    static let shardBits = 6
    static let shardCount = 1 << shardBits

    let numberShards = NumberShards(count: RoutingIndex.shardCount)
    let agentShards: [AgentShard]
    let accountTable = AccountTable()

    public init() {
        agentShards = (0..<RoutingIndex.shardCount).map { _ in AgentShard() }
    }

    // MARK: Hashing and shard choice

    /// splitmix64's finaliser: spreads consecutive numbers (a provider sells blocks) over the shards
    /// (high bits) and over each table (low bits).
    @inline(__always)
    static func hash(_ key: UInt64) -> UInt64 {
        var z = key &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    static func numberShardIndex(hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> UInt64(64 - shardBits)) }

    @inline(__always)
    static func connectionKey(account: UInt32, provider: Provider) -> UInt64 {
        UInt64(account) << 8 | UInt64(provider.rawValue)
    }

    // MARK: Accounts

    /// The slot of an account id, or nil if there is no such account.
    public func accountSlot(_ id: String) -> UInt32? {
        accountTable.lock.withLock { accountTable.slots[id] }
    }

    func registerAccount(_ id: String, slot: UInt32) {
        accountTable.lock.withLock {
            accountTable.slots[id] = slot
            accountTable.version.add(1, ordering: .releasing)
        }
    }

    /// Changes to accounts and provider connections so far: an answer of `webhookContext` kept
    /// by a reader is still the answer while this has not changed. A change bumps it before the
    /// change is journaled, so before it is acknowledged.
    public var webhookContextVersion: UInt64 { accountTable.version.load(ordering: .acquiring) }

    /// The account's slot and its connection to `provider`, read at one instant: what a webhook
    /// needs to authenticate and route. Nil slot for an unknown account; nil connection when the
    /// provider is not connected.
    public func webhookContext(account id: String, provider: Provider) -> (slot: UInt32, connection: ProviderConnection?)? {
        accountTable.lock.withLock {
            guard let slot = accountTable.slots[id] else { return nil }
            return (slot, accountTable.connections[RoutingIndex.connectionKey(account: slot, provider: provider)])
        }
    }

    // MARK: Reads

    /// The number's slot as it is now.
    func numberSlot(_ key: UInt64) -> NumberSlot? {
        let hash = RoutingIndex.hash(key)
        return numberShards.withLocked(RoutingIndex.numberShardIndex(hash: hash)) { table in
            table.find(key, hash: hash).map { table[$0] }
        }
    }

    /// The agent's entry as it is now.
    func agentEntry(account: UInt32, id: String) -> AgentEntry? {
        let key = AgentKey(account: account, id: id)
        let shard = agentShards[key.shard]
        return shard.lock.withLock { shard.agents[key] }
    }

    /// How many numbers the index holds.
    public var numberCount: Int {
        (0..<numberShards.count).reduce(0) { total, shard in total + numberShards.withLocked(shard) { $0.count } }
    }

    /// How many agents the index holds.
    public var agentCount: Int {
        agentShards.reduce(0) { total, shard in total + shard.lock.withLock { shard.agents.count } }
    }

    /// Bytes held by the number tables' slot arrays: the number → agent map.
    public var numberTableBytes: Int {
        (0..<numberShards.count).reduce(0) { total, shard in total + numberShards.withLocked(shard) { $0.allocatedBytes } }
    }

    /// Bytes held by the agent tables' slot arrays: the agent → number map (each slot's entry holds
    /// the agent's number; the agent records themselves are the agents' data, not the index's).
    public var agentTableBytes: Int {
        agentShards.reduce(0) { total, shard in total + shard.lock.withLock { shard.agents.allocatedBytes } }
    }
}

extension RoutingIndex {
    /// The number's slot and, if it has an agent, that agent's entry, read at one instant (the
    /// number's shard, then the agent's: the global order). For diagnosis and the consistency tests.
    func numberWithAgent(_ key: UInt64) -> (slot: NumberSlot, agent: AgentEntry?)? {
        let hash = RoutingIndex.hash(key)
        let shard = RoutingIndex.numberShardIndex(hash: hash)
        numberShards.lock(shard)
        defer { numberShards.unlock(shard) }
        guard let slot = numberShards.whileLocked(shard, { table in table.find(key, hash: hash).map { table[$0] } }) else { return nil }
        guard let agent = slot.agent else { return (slot, nil) }
        let agentKey = AgentKey(account: agent.accountSlot, id: agent.id.value)
        let agentShard = agentShards[agentKey.shard]
        return agentShard.lock.withLock { (slot, agentShard.agents[agentKey]) }
    }
}
