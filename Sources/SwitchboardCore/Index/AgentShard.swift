/// The key of an agent in the index: its account's slot and its id.
struct AgentKey: Hashable {
    var account: UInt32
    var id: String
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
    var agents: [AgentKey: AgentEntry] = [:]
    /// `RoutingIndex.connectionKey(account, provider)` → default caller ID key.
    var defaults: [UInt64: UInt64] = [:]
}

/// One shard of the number side of the index.
///
/// `@unchecked Sendable`: `table` is read and written only while `lock` is held.
final class NumberShard: @unchecked Sendable {
    let lock = ShardLock()
    var table = NumberTable()
}

/// Account id → account slot, read by webhooks and API calls to turn a URL's account into a slot.
///
/// `@unchecked Sendable`: `slots` is read and written only while `lock` is held.
final class AccountTable: @unchecked Sendable {
    let lock = ShardLock()
    var slots: [String: UInt32] = [:]
}
