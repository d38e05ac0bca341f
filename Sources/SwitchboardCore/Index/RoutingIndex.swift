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

    let numberShards: [NumberShard]
    let agentShards: [AgentShard]
    let accountTable = AccountTable()

    public init() {
        numberShards = (0..<RoutingIndex.shardCount).map { _ in NumberShard() }
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

    /// FNV-1a over the id's bytes and the account slot: cheap, and only chooses a shard.
    @inline(__always)
    static func agentShardIndex(account: UInt32, id: String) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(account)
        for byte in id.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return Int(truncatingIfNeeded: (h ^ (h >> 29)) & UInt64(shardCount - 1))
    }

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
        accountTable.lock.withLock { accountTable.slots[id] = slot }
    }

    // MARK: Reads

    /// The number's slot as it is now.
    func numberSlot(_ key: UInt64) -> NumberSlot? {
        let hash = RoutingIndex.hash(key)
        let shard = numberShards[RoutingIndex.numberShardIndex(hash: hash)]
        return shard.lock.withLock {
            shard.table.find(key, hash: hash).map { shard.table[$0] }
        }
    }

    /// The agent's entry as it is now.
    func agentEntry(account: UInt32, id: String) -> AgentEntry? {
        let shard = agentShards[RoutingIndex.agentShardIndex(account: account, id: id)]
        return shard.lock.withLock { shard.agents[AgentKey(account: account, id: id)] }
    }

    /// How many numbers the index holds.
    public var numberCount: Int {
        numberShards.reduce(0) { total, shard in total + shard.lock.withLock { shard.table.count } }
    }

    /// How many agents the index holds.
    public var agentCount: Int {
        agentShards.reduce(0) { total, shard in total + shard.lock.withLock { shard.agents.count } }
    }

    /// Bytes held by the number tables' slot arrays: the index's cost per number, agents aside.
    public var numberTableBytes: Int {
        numberShards.reduce(0) { total, shard in total + shard.lock.withLock { shard.table.allocatedBytes } }
    }
}

extension RoutingIndex {
    /// The number's slot and, if it has an agent, that agent's entry, read at one instant (the
    /// number's shard, then the agent's: the global order). For diagnosis and the consistency tests.
    func numberWithAgent(_ key: UInt64) -> (slot: NumberSlot, agent: AgentEntry?)? {
        let hash = RoutingIndex.hash(key)
        let shard = numberShards[RoutingIndex.numberShardIndex(hash: hash)]
        shard.lock.lock()
        defer { shard.lock.unlock() }
        guard let position = shard.table.find(key, hash: hash) else { return nil }
        let slot = shard.table[position]
        guard let agent = slot.agent else { return (slot, nil) }
        let agentKey = AgentKey(account: agent.accountSlot, id: agent.id.value)
        let agentShard = agentShards[RoutingIndex.agentShardIndex(account: agentKey.account, id: agentKey.id)]
        return agentShard.lock.withLock { (slot, agentShard.agents[agentKey]) }
    }
}
