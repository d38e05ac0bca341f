import Synchronization

/// The key of an agent in the index: its account's slot and its id.
///
/// The id's bytes are hashed once, here (FNV-1a): the value picks the shard and is all that the
/// shard's dictionary hashes, so a look-up reads the id's bytes once to hash and once to compare.
struct AgentKey: Hashable {
    let account: UInt32
    let id: String
    let hashValue64: UInt64

    init(account: UInt32, id: String) {
        self.account = account
        self.id = id
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(account)
        for byte in id.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        hashValue64 = h ^ (h >> 29)
    }

    /// Which agent shard holds the key.
    var shard: Int { Int(truncatingIfNeeded: hashValue64 & UInt64(RoutingIndex.shardCount - 1)) }

    static func == (lhs: AgentKey, rhs: AgentKey) -> Bool {
        lhs.hashValue64 == rhs.hashValue64 && lhs.account == rhs.account && lhs.id == rhs.id
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hashValue64)
    }
}

/// An agent as the index holds it: the immutable record and the key of its number (0 for none).
struct AgentEntry {
    var record: AgentRecord
    var number: UInt64
}

/// One shard of the agent side of the index, and a copy of every connection's default caller ID.
///
/// The defaults are copied into every shard (they change rarely; there are few) so that choosing a
/// caller ID takes one lock: the agent's shard.
///
/// `@unchecked Sendable`: `agents` and `defaults` are read and written only while `lock` is held.
final class AgentShard: @unchecked Sendable {
    let lock = ShardLock()
    var agents = AgentTable()
    /// `RoutingIndex.connectionKey(account, provider)` → default caller ID key.
    var defaults: [UInt64: UInt64] = [:]
}

/// Account id → account slot, and each account's provider connections: read by every webhook
/// (one lock for both: the URL's account and the credentials that check its signature), so the
/// inbound path never takes the directory's writer lock.
///
/// `@unchecked Sendable`: `slots` and `connections` are read and written only while `lock` is held.
final class AccountTable: @unchecked Sendable {
    let lock = ShardLock()
    var slots: [String: UInt32] = [:]
    /// `RoutingIndex.connectionKey(account, provider)` → the connection.
    var connections: [UInt64: ProviderConnection] = [:]
    /// Changes to `slots` and `connections` so far, bumped (with the lock held) after each: an
    /// event loop's copy of what it read here is current while this is unchanged.
    let version = Atomic<UInt64>(0)
}
