/// What the directory knows beyond the hot-path index: accounts, connections, the cold details of
/// numbers, and per-account lists for the management pages. Protected by the directory's mutex.
struct DirectoryState {
    /// Position = account slot. Accounts are never removed, so slots are stable.
    var accounts: [Account] = []
    var slots: [AccountID: UInt32] = [:]
    /// `RoutingIndex.connectionKey` → connection.
    var connections: [UInt64: ProviderConnection] = [:]
    /// Number key → what only the API shows.
    var cold = ColdTable()
    /// Account slot → its numbers and agents, sorted on demand for the lists.
    var numberLists: [NumberList] = []
    var agentLists: [AgentList] = []

    struct ColdNumber {
        /// The provider's id for the number; nil when it is the number itself (Retell's case), to save memory.
        var providerNumberID: String?
        /// Milliseconds since the epoch when a sync last listed the number; `Int64.min` for never.
        var lastSyncedAt: Int64

        init(providerNumberID: String?, lastSyncedAt: Int64) {
            self.providerNumberID = providerNumberID
            self.lastSyncedAt = lastSyncedAt
        }

        /// The provider id is dropped when it is the number itself (Retell's case).
        init(number: E164, providerNumberID: String, lastSyncedAt: Timestamp?) {
            self.init(number: number, providerNumberID: providerNumberID, lastSyncedAt: lastSyncedAt?.milliseconds ?? Int64.min)
        }

        init(number: E164, providerNumberID: String, lastSyncedAt: Int64) {
            self.providerNumberID = number.isWritten(as: providerNumberID) ? nil : providerNumberID
            self.lastSyncedAt = lastSyncedAt
        }
    }

    struct NumberList {
        var keys: [UInt64] = []
        var sorted = true

        mutating func sortedKeys() -> [UInt64] {
            if !sorted {
                keys.sort { E164(uncheckedKey: $0) < E164(uncheckedKey: $1) }
                sorted = true
            }
            return keys
        }

        mutating func append(_ key: UInt64) {
            if let last = keys.last, sorted, !(E164(uncheckedKey: last) < E164(uncheckedKey: key)) { sorted = false }
            keys.append(key)
        }

        mutating func remove(_ key: UInt64) {
            if let position = keys.firstIndex(of: key) { keys.remove(at: position) }
        }
    }

    /// An account's agent ids in order, for the paged agent list. The index is where agents live;
    /// this is only a sorted copy of their ids, made when a listing first needs it and then kept in
    /// step (a binary-search insert or removal), so a router that never lists agents holds none.
    /// (It was a `Set` of every id plus the sorted copy: 33 bytes an agent before any listing.)
    struct AgentList {
        var sortedCache: [String]?

        /// The ids, sorted; built from the index the first time.
        mutating func sortedIDs(slot: UInt32, index: RoutingIndex) -> [String] {
            if let sortedCache { return sortedCache }
            let sorted = AgentList.ids(slot: slot, index: index)
            sortedCache = sorted
            return sorted
        }

        /// The account's ids from the index, sorted, without keeping them.
        static func ids(slot: UInt32, index: RoutingIndex) -> [String] {
            var ids: [String] = []
            for shard in index.agentShards {
                shard.lock.withLock {
                    shard.agents.forEach { entry in
                        if entry.record.accountSlot == slot { ids.append(entry.record.id.value) }
                    }
                }
            }
            return ids.sorted()
        }

        /// A new agent `id` (not one rewritten): into the sorted copy, if there is one.
        mutating func inserted(_ id: String) {
            guard sortedCache != nil else { return }
            let position = sortedCache!.partitionPoint { $0 < id }
            if position == sortedCache!.count || sortedCache![position] != id { sortedCache!.insert(id, at: position) }
        }

        mutating func removed(_ id: String) {
            guard sortedCache != nil else { return }
            let position = sortedCache!.partitionPoint { $0 < id }
            if position < sortedCache!.count && sortedCache![position] == id { sortedCache!.remove(at: position) }
        }
    }

    func slot(_ account: AccountID) throws(DirectoryError) -> UInt32 {
        guard let slot = slots[account] else { throw .unknownAccount(account) }
        return slot
    }

    func providerNumberID(_ key: UInt64) -> String {
        cold[key]?.providerNumberID ?? E164(uncheckedKey: key).description
    }

    /// Whether `providerNumberID(key) == id`, without making the string (the webhook look-up runs
    /// it over an account's numbers).
    func providerNumberID(_ key: UInt64, is id: String) -> Bool {
        cold.providerNumberID(of: key, is: id) ?? E164(uncheckedKey: key).isWritten(as: id)
    }

    /// The API view of a number from its index slot.
    func phoneNumber(_ slot: NumberSlot) -> PhoneNumber {
        let cold = cold[slot.key]
        let synced = cold.flatMap { $0.lastSyncedAt == Int64.min ? nil : Timestamp(milliseconds: $0.lastSyncedAt) }
        return PhoneNumber(
            number: E164(uncheckedKey: slot.key), account: accounts[Int(slot.account)].id, provider: slot.provider,
            providerNumberID: cold?.providerNumberID ?? E164(uncheckedKey: slot.key).description,
            status: slot.active ? .active : .inactive, agentID: slot.agent?.id, agentName: slot.agent?.name,
            lastSyncedAt: synced
        )
    }

    mutating func setCold(_ key: UInt64, providerNumberID: String, lastSyncedAt: Timestamp?) {
        cold[key] = ColdNumber(number: E164(uncheckedKey: key), providerNumberID: providerNumberID, lastSyncedAt: lastSyncedAt)
    }
}
