/// A page of a sorted list: the items and the cursor of the next page (nil at the end).
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?
}

/// The filters of the Phone Numbers page (SPEC §3).
public struct NumberFilter: Hashable, Sendable {
    public var provider: Provider?
    public var status: Status?
    public var assigned: Bool?

    public init(provider: Provider? = nil, status: Status? = nil, assigned: Bool? = nil) {
        self.provider = provider
        self.status = status
        self.assigned = assigned
    }

    /// Rule 4: active numbers with no agent, of one provider if given.
    public static func available(provider: Provider? = nil) -> NumberFilter {
        NumberFilter(provider: provider, status: .active, assigned: false)
    }
}

extension Directory {
    public func accounts() -> [Account] { state.withLock { $0.accounts } }

    public var accountCount: Int { state.withLock { $0.accounts.count } }

    public func account(_ id: AccountID) -> Account? {
        state.withLock { state in state.slots[id].map { state.accounts[Int($0)] } }
    }

    public func connection(account: AccountID, provider: Provider) -> ProviderConnection? {
        state.withLock { state in
            state.slots[account].flatMap { state.connections[RoutingIndex.connectionKey(account: $0, provider: provider)] }
        }
    }

    public func connections(account: AccountID) -> [ProviderConnection] {
        state.withLock { state in
            guard let slot = state.slots[account] else { return [] }
            return Provider.allCases.compactMap { state.connections[RoutingIndex.connectionKey(account: slot, provider: $0)] }
        }
    }

    public func agent(account: AccountID, id: AgentID) -> Agent? {
        guard let slot = index.accountSlot(account.value), let entry = index.agentEntry(account: slot, id: id.value) else { return nil }
        return Agent(spec: entry.record.spec(account: account), phoneNumber: E164(key: entry.number))
    }

    /// Agents of an account sorted by id, after `cursor` (an agent id), at most `limit`.
    public func agents(account: AccountID, after cursor: String? = nil, limit: Int = 1000) throws(DirectoryError) -> Page<Agent> {
        try state.withLock { state throws(DirectoryError) in
            let slot = try state.slot(account)
            let ids = state.agentLists[Int(slot)].sortedIDs(slot: slot, index: index)
            var start = 0
            if let cursor { start = ids.partitionPoint { $0 <= cursor } }
            var items: [Agent] = []
            var position = start
            while position < ids.count, items.count < limit {
                if let entry = index.agentEntry(account: slot, id: ids[position]) {
                    items.append(Agent(spec: entry.record.spec(account: account), phoneNumber: E164(key: entry.number)))
                }
                position += 1
            }
            return Page(items: items, nextCursor: position < ids.count ? items.last?.spec.id.value : nil)
        }
    }

    public func number(account: AccountID, number: E164) -> PhoneNumber? {
        state.withLock { state in
            guard let slot = state.slots[account], let numberSlot = index.numberSlot(number.key), numberSlot.account == slot else { return nil }
            return state.phoneNumber(numberSlot)
        }
    }

    /// The account's number that `provider` calls `providerNumberID` (Vapi names a called number by
    /// its own id when a webhook omits the number). A scan of the account's numbers, under the
    /// writer lock: a rare fallback, kept off the event loops by its caller, and cheaper in memory
    /// than a second map of every provider id.
    public func number(account: AccountID, provider: Provider, providerNumberID: String) -> E164? {
        state.withLock { state in
            guard let slot = state.slots[account] else { return nil }
            for key in state.numberLists[Int(slot)].keys where state.providerNumberID(key, is: providerNumberID) {
                if index.numberSlot(key)?.provider == provider { return E164(uncheckedKey: key) }
            }
            return nil
        }
    }

    /// Numbers of an account sorted by number, filtered, after `cursor` (a number), at most `limit`.
    public func numbers(
        account: AccountID, filter: NumberFilter = NumberFilter(), after cursor: E164? = nil, limit: Int = 1000
    ) throws(DirectoryError) -> Page<PhoneNumber> {
        try state.withLock { state throws(DirectoryError) in
            let slot = try state.slot(account)
            let keys = state.numberLists[Int(slot)].sortedKeys()
            var position = 0
            if let cursor { position = keys.partitionPoint { !(cursor < E164(uncheckedKey: $0)) } }
            var items: [PhoneNumber] = []
            while position < keys.count, items.count < limit {
                defer { position += 1 }
                guard let numberSlot = index.numberSlot(keys[position]) else { continue }
                if let provider = filter.provider, numberSlot.provider != provider { continue }
                if let status = filter.status, (numberSlot.active ? Status.active : .inactive) != status { continue }
                if let assigned = filter.assigned, (numberSlot.agent != nil) != assigned { continue }
                items.append(state.phoneNumber(numberSlot))
            }
            // Another page only if some later number would pass the filter.
            var more = false
            var probe = position
            while probe < keys.count, !more {
                if let numberSlot = index.numberSlot(keys[probe]) {
                    more =
                        (filter.provider.map { numberSlot.provider == $0 } ?? true)
                        && (filter.status.map { (numberSlot.active ? Status.active : .inactive) == $0 } ?? true)
                        && (filter.assigned.map { (numberSlot.agent != nil) == $0 } ?? true)
                }
                probe += 1
            }
            return Page(items: items, nextCursor: more ? items.last?.number.description : nil)
        }
    }
}

extension Array {
    /// The first index whose element fails `belongsBefore` (the array is partitioned by it).
    func partitionPoint(_ belongsBefore: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsBefore(self[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
