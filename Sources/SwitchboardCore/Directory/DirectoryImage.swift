import Dispatch

/// A number with everything the snapshot keeps of it.
public struct NumberImage: Hashable, Sendable {
    public var spec: NumberSpec
    public var lastSyncedAt: Timestamp?

    public init(spec: NumberSpec, lastSyncedAt: Timestamp?) {
        self.spec = spec
        self.lastSyncedAt = lastSyncedAt
    }
}

/// The whole directory as plain values, in a fixed order (accounts in creation order; then
/// connections, agents and numbers account by account, sorted): what snapshots and exports hold, so
/// export → import → export is the identity.
public struct DirectoryImage: Hashable, Sendable {
    public var accounts: [Account] = []
    public var connections: [ProviderConnection] = []
    public var agents: [AgentSpec] = []
    public var numbers: [NumberImage] = []

    public init(accounts: [Account] = [], connections: [ProviderConnection] = [], agents: [AgentSpec] = [], numbers: [NumberImage] = []) {
        self.accounts = accounts
        self.connections = connections
        self.agents = agents
        self.numbers = numbers
    }
}

extension Directory {
    /// The state at one instant (taken under the writer lock).
    public func image() -> DirectoryImage {
        state.withLock { state in DirectoryState.image(of: &state, index: index) }
    }

    /// Runs `body` and takes the image in one hold of the writer lock, so no change applies between
    /// them: compaction rotates the journal in `body`, and the image is exactly the state at the
    /// rotation point.
    public func image(afterRunning body: () throws -> Void) rethrows -> DirectoryImage {
        try state.withLock { state in
            try body()
            return DirectoryState.image(of: &state, index: index)
        }
    }
}

extension DirectoryState {
    static func image(of state: inout DirectoryState, index: RoutingIndex) -> DirectoryImage {
        do {
            var image = DirectoryImage()
            image.accounts = state.accounts
            image.numbers.reserveCapacity(state.cold.count)
            for (slot, account) in state.accounts.enumerated() {
                let slot = UInt32(slot)
                for provider in Provider.allCases.sorted() {
                    if let connection = state.connections[RoutingIndex.connectionKey(account: slot, provider: provider)] {
                        image.connections.append(connection)
                    }
                }
                for id in DirectoryState.AgentList.ids(slot: slot, index: index) {
                    if let entry = index.agentEntry(account: slot, id: id) { image.agents.append(entry.record.spec) }
                }
                for key in state.numberLists[Int(slot)].sortedKeys() {
                    guard let numberSlot = index.numberSlot(key) else { continue }
                    let number = state.phoneNumber(numberSlot)
                    image.numbers.append(
                        NumberImage(
                            spec: NumberSpec(
                                account: account.id, number: number.number, provider: number.provider,
                                providerNumberID: number.providerNumberID, status: number.status, agentID: number.agentID
                            ),
                            lastSyncedAt: number.lastSyncedAt
                        )
                    )
                }
            }
            return image
        }
    }
}

extension Directory {
    /// A directory holding `image`, every record checked by the rules of SPEC §2 as if applied one by
    /// one. Numbers (the bulk) skip the per-change overhead: tables are sized once and each
    /// number takes one small transaction. The error names the record (`recordIndex` counts accounts, connections, agents, then
    /// numbers, from 0).
    public static func load(_ image: DirectoryImage, journal: (any ChangeJournal)? = nil) throws(ImageError) -> Directory {
        let directory = Directory(journal: journal)
        var position = 0
        do {
            try directory.state.withLock { state throws(DirectoryError) in
                for account in image.accounts {
                    try state.applyUnjournaled(.createAccount(account), index: directory.index)
                    position += 1
                }
                for connection in image.connections {
                    try state.applyUnjournaled(.putProvider(connection), index: directory.index)
                    position += 1
                }
                try state.bulkLoadAgents(image.agents, index: directory.index, position: &position)
                try state.bulkLoadNumbers(image.numbers, index: directory.index, position: &position)
            }
        } catch {
            throw ImageError(recordIndex: position, error: error)
        }
        return directory
    }
}

/// A record of an image that breaks a rule.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Position of the record: accounts, then connections, agents, numbers, counted from 0.
    public var recordIndex: Int
    public var error: DirectoryError

    public var description: String { "record \(recordIndex + 1): \(error)" }
}

extension DirectoryState {
    mutating func applyUnjournaled(_ change: Change, index: RoutingIndex) throws(DirectoryError) {
        do {
            _ = try apply(change, index: index, record: {})
        } catch let error as DirectoryError {
            throw error
        } catch {
            preconditionFailure("no journal, no other error: \(error)")
        }
    }

    /// `putAgent` (new agents, no number yet) for many agents at once, with the same checks; an
    /// agent that appears twice is refused. Like `bulkLoadNumbers`, only for a directory no reader
    /// can see yet: each agent shard is filled under one hold of its lock, sized once.
    ///
    /// Start-up has every core to itself, so the work runs in two halves side by side: each checks
    /// half of the records and makes their agent records, then each fills half of the shards from
    /// both halves' buckets. The first broken rule (by position) fails the whole load.
    mutating func bulkLoadAgents(_ agents: [AgentSpec], index: RoutingIndex, position: inout Int) throws(DirectoryError) {
        let start = position
        let slots = self.slots
        let middle = agents.count / 2
        let halves = [AgentHalf(agents[..<middle], start: start), AgentHalf(agents[middle...], start: start + middle)]
        let done = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: done) { halves[1].prepare(slots: slots) }
        halves[0].prepare(slots: slots)
        done.wait()
        if let failure = halves.compactMap(\.failure).min(by: { $0.position < $1.position }) {
            position = failure.position
            throw failure.error
        }
        // Shards 0..<32 on one thread, 32..<64 on the other; within a shard the first half's
        // agents go in before the second's, so the later copy of a duplicate is the one refused.
        let split = RoutingIndex.shardCount / 2
        let duplicates = [DuplicateFinder(), DuplicateFinder()]
        DispatchQueue.global(qos: .userInitiated).async(group: done) {
            DirectoryState.fillAgentShards(split..<RoutingIndex.shardCount, from: halves, index: index, duplicates: duplicates[1])
        }
        DirectoryState.fillAgentShards(0..<split, from: halves, index: index, duplicates: duplicates[0])
        done.wait()
        if let duplicate = duplicates.compactMap(\.first).min(by: { $0.position < $1.position }) {
            position = duplicate.position
            throw DirectoryError(.invalidField, "agent '\(duplicate.id)' appears twice: an agent exists once in its account")
        }
        // The sorted id copies are rebuilt from the index when a listing next needs them.
        for half in halves {
            for bucket in half.buckets {
                for item in bucket { agentLists[Int(item.key.account)].sortedCache = nil }
            }
        }
        position = start + agents.count
    }

    /// Account slots for a bulk load, remembering the last one found: records come grouped by
    /// account, so most look-ups are one string comparison instead of a dictionary probe.
    struct AccountSlots {
        let slots: [AccountID: UInt32]
        var last: (id: AccountID, slot: UInt32)?

        init(_ slots: [AccountID: UInt32]) {
            self.slots = slots
        }

        mutating func slot(_ account: AccountID) throws(DirectoryError) -> UInt32 {
            if let last, last.id == account { return last.slot }
            guard let found = slots[account] else { throw .unknownAccount(account) }
            last = (account, found)
            return found
        }
    }

    /// One half of `bulkLoadAgents`' records: checked and turned into agent entries by shard.
    ///
    /// `@unchecked Sendable`: `prepare` runs on one thread and writes `buckets` and `failure`; they
    /// are read by other threads only after the `DispatchGroup.wait()` that follows it.
    private final class AgentHalf: @unchecked Sendable {
        let agents: ArraySlice<AgentSpec>
        let start: Int
        var buckets: [[PendingAgent]] = []
        var failure: (position: Int, error: DirectoryError)?

        init(_ agents: ArraySlice<AgentSpec>, start: Int) {
            self.agents = agents
            self.start = start
        }

        func prepare(slots: [AccountID: UInt32]) {
            buckets = [[PendingAgent]](repeating: [], count: RoutingIndex.shardCount)
            for shard in 0..<RoutingIndex.shardCount { buckets[shard].reserveCapacity(agents.count / RoutingIndex.shardCount + 64) }
            var accounts = AccountSlots(slots)
            for (offset, spec) in zip(agents.indices, agents) {
                let position = start + (offset - agents.startIndex)
                do throws(DirectoryError) {
                    let slot = try accounts.slot(spec.account)
                    _ = try FieldCheck.name(spec.name)
                    _ = try FieldCheck.providerID(spec.providerAgentID, field: "provider_agent_id")
                    let key = AgentKey(account: slot, id: spec.id.value)
                    buckets[key.shard].append(
                        PendingAgent(key: key, entry: AgentEntry(record: AgentRecord.make(spec: spec, accountSlot: slot), number: 0), position: position))
                } catch {
                    failure = (position, error)
                    return
                }
            }
        }
    }

    /// The first agent found twice by a `fillAgentShards` call.
    ///
    /// `@unchecked Sendable`: written by one thread, read after the `DispatchGroup.wait()`.
    private final class DuplicateFinder: @unchecked Sendable {
        var first: (position: Int, id: AgentID)?
    }

    /// Puts the prepared agents of `shards` into the index, both halves' buckets in order.
    private static func fillAgentShards(_ shards: Range<Int>, from halves: [AgentHalf], index: RoutingIndex, duplicates: DuplicateFinder) {
        for shardIndex in shards {
            let count = halves.reduce(0) { $0 + $1.buckets[shardIndex].count }
            guard count > 0 else { continue }
            let shard = index.agentShards[shardIndex]
            shard.lock.withLock {
                shard.agents.reserveCapacity(shard.agents.count + count)
                for half in halves {
                    for item in half.buckets[shardIndex] {
                        if shard.agents[item.key] != nil {
                            if duplicates.first == nil || item.position < duplicates.first!.position { duplicates.first = (item.position, item.entry.record.id) }
                            continue
                        }
                        shard.agents[item.key] = item.entry
                    }
                }
            }
        }
    }

    /// An agent of `bulkLoadAgents` on its way into its shard.
    private struct PendingAgent {
        var key: AgentKey
        var entry: AgentEntry
        var position: Int
    }

    /// `putNumber` for many numbers at once, with the same checks. Only for a directory that is not
    /// published yet (`Directory.load`): no reader can see it, so numbers go into the tables shard by
    /// shard, one lock hold each, instead of one transaction each.
    ///
    /// Start-up is the one moment the router has every core to itself, so the work is split in two
    /// halves that share nothing and run side by side: one checks every record and fills the routing
    /// index; the other fills the cold table (provider ids, sync times) and the per-account lists.
    /// If a record breaks a rule the whole load fails and the directory is thrown away.
    mutating func bulkLoadNumbers(_ numbers: [NumberImage], index: RoutingIndex, position: inout Int) throws(DirectoryError) {
        let start = position
        let slots = self.slots
        // Moved out (not copied) so the cold half mutates storage it owns alone.
        let coldHalf = ColdHalf(cold: self.cold, lists: self.numberLists)
        self.cold = ColdTable()
        self.numberLists = []
        let done = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: done) {
            DirectoryState.loadColdData(numbers, slots: slots, cold: &coldHalf.cold, lists: &coldHalf.lists)
        }
        let failure = DirectoryState.loadIndex(numbers, index: index, slots: slots, start: start)
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

    /// The index half of `bulkLoadNumbers`: every rule checked, the first broken one returned.
    private static func loadIndex(
        _ numbers: [NumberImage], index: RoutingIndex, slots: [AccountID: UInt32], start: Int
    ) -> (position: Int, error: DirectoryError)? {
        typealias Pending = (hash: UInt64, slot: NumberSlot, position: Int)
        var buckets = [[Pending]](repeating: [], count: RoutingIndex.shardCount)
        for shard in 0..<RoutingIndex.shardCount { buckets[shard].reserveCapacity(numbers.count / RoutingIndex.shardCount + 64) }
        var firstError: (position: Int, error: DirectoryError)?
        var accounts = AccountSlots(slots)
        for (offset, image) in numbers.enumerated() {
            let spec = image.spec
            do throws(DirectoryError) {
                let slot = try accounts.slot(spec.account)
                _ = try FieldCheck.providerID(spec.providerNumberID, field: "provider_number_id")
                var record: AgentRecord?
                if let agentID = spec.agentID {
                    // One lock hold and one hash look-up: find the agent, check, give it the number.
                    let key = AgentKey(account: slot, id: agentID.value)
                    let shard = index.agentShards[key.shard]
                    let found: Result<AgentRecord, DirectoryError> = shard.lock.withLock {
                        do throws(DirectoryError) {
                            let entry = try shard.agents.setNumber(spec.number.key, of: key) { entry throws(DirectoryError) in
                                try DirectoryState.checkAssignable(spec, to: entry)
                            }
                            guard let entry else { return .failure(.unknownAgent(agentID, in: spec.account)) }
                            return .success(entry.record)
                        } catch {
                            return .failure(error)
                        }
                    }
                    record = try found.get()
                }
                let hash = RoutingIndex.hash(spec.number.key)
                let numberSlot = NumberSlot(key: spec.number.key, agent: record, account: slot, provider: spec.provider, active: spec.status == .active)
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

    /// The cold half of `bulkLoadNumbers`: what the lists and the API show, not the hot path.
    private static func loadColdData(
        _ numbers: [NumberImage], slots: [AccountID: UInt32], cold: inout ColdTable, lists: inout [NumberList]
    ) {
        cold.reserveCapacity(cold.count + numbers.count)
        // Each account's list sized exactly, once: reserving all the numbers for every account
        // wasted eight bytes a number per account.
        // An unknown account fails the index half; this half only skips its numbers.
        var perAccount = [Int](repeating: 0, count: lists.count)
        var counting = AccountSlots(slots)
        for image in numbers {
            if let found = try? counting.slot(image.spec.account) { perAccount[Int(found)] += 1 }
        }
        for (slot, count) in perAccount.enumerated() where count > 0 { lists[slot].keys.reserveCapacity(lists[slot].keys.count + count) }
        var accounts = AccountSlots(slots)
        for image in numbers {
            let spec = image.spec
            guard let found = try? accounts.slot(spec.account) else { continue }
            let slot = Int(found)
            cold[spec.number.key] = ColdNumber(number: spec.number, providerNumberID: spec.providerNumberID, lastSyncedAt: image.lastSyncedAt)
            lists[slot].append(spec.number.key)
        }
    }

    /// The checks for a new number born assigned (putNumber, import): same provider, active, and the
    /// agent has no number yet.
    static func checkAssignable(_ spec: NumberSpec, to entry: AgentEntry) throws(DirectoryError) {
        let agentID = entry.record.id
        guard entry.record.provider == spec.provider else {
            throw DirectoryError(
                .providerMismatch, "number \(spec.number) is a \(spec.provider) number and agent '\(agentID)' is a \(entry.record.provider) agent"
            )
        }
        guard spec.status == .active else {
            throw DirectoryError(.numberInactive, "number \(spec.number) is inactive and cannot be assigned to agent '\(agentID)'")
        }
        guard entry.number == 0 else {
            throw DirectoryError(
                .agentHasNumber, "agent '\(agentID)' already has number \(E164(uncheckedKey: entry.number)): an agent has at most one number"
            )
        }
    }
}
