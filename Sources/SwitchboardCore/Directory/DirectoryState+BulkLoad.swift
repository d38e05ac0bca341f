import Dispatch

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

    /// Makes one agent's record from the agent at an offset, or throws the rule it breaks.
    typealias AgentMaker = (_ offset: Int) throws(DirectoryError) -> AgentRecord

    /// `putAgent` (new agents, no number yet) for many agents at once, with the same checks; an
    /// agent that appears twice is refused.
    mutating func bulkLoadAgents(_ agents: [AgentSpec], index: RoutingIndex, position: inout Int) throws(DirectoryError) {
        let slots = self.slots
        try bulkLoadAgents(count: agents.count, index: index, position: &position) {
            var accounts = AccountSlots(slots)
            return { offset throws(DirectoryError) in
                let spec = agents[offset]
                let slot = try accounts.slot(spec.account)
                _ = try FieldCheck.name(spec.name)
                _ = try FieldCheck.providerID(spec.providerAgentID, field: "provider_agent_id")
                return AgentRecord.make(spec: spec, accountSlot: slot)
            }
        }
    }

    /// Puts `count` new agents into the index, each record made by a maker from `makers` (one
    /// maker per thread, so each may keep a cache of its own). Only for a directory no reader can
    /// see yet: each agent shard is filled under one hold of its lock, sized once.
    ///
    /// Start-up has every core to itself, so the work runs in two halves side by side: each makes
    /// half of the records, then each fills half of the shards from both halves' buckets. The first
    /// broken rule (by position) fails the whole load.
    mutating func bulkLoadAgents(
        count: Int, index: RoutingIndex, position: inout Int, makers: @escaping () -> AgentMaker
    ) throws(DirectoryError) {
        let start = position
        let middle = count / 2
        let halves = [AgentHalf(0..<middle, start: start, makers: makers), AgentHalf(middle..<count, start: start, makers: makers)]
        let done = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: done) { halves[1].prepare() }
        halves[0].prepare()
        done.wait()
        if let failure = halves.compactMap(\.failure).min(by: { $0.position < $1.position }) {
            position = failure.position
            throw failure.error
        }
        // Shards 0..<32 on one thread, 32..<64 on the other; within a shard the first half's
        // agents go in before the second's, so the later copy of a duplicate is the one refused.
        // Each thread's shards' buckets handed to it alone (the halves let go of them), so that it
        // can move the items out.
        let split = RoutingIndex.shardCount / 2
        let parts = [
            ShardBuckets(halves.map { Array($0.buckets[..<split]) }, shards: 0..<split),
            ShardBuckets(halves.map { Array($0.buckets[split...]) }, shards: split..<RoutingIndex.shardCount),
        ]
        for half in halves { half.buckets = [] }
        DispatchQueue.global(qos: .userInitiated).async(group: done) { DirectoryState.fillAgentShards(parts[1], index: index) }
        DirectoryState.fillAgentShards(parts[0], index: index)
        done.wait()
        if let duplicate = parts.compactMap(\.duplicate).min(by: { $0.position < $1.position }) {
            position = duplicate.position
            throw DirectoryError(.invalidField, "agent '\(duplicate.id)' appears twice: an agent exists once in its account")
        }
        // The sorted id copies are rebuilt from the index when a listing next needs them.
        if count > 0 {
            for slot in agentLists.indices { agentLists[slot].sortedCache = nil }
        }
        position = start + count
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

    /// One half of `bulkLoadAgents`' records: made (and so checked) and put in buckets by shard.
    ///
    /// `@unchecked Sendable`: `prepare` runs on one thread and writes `buckets` and `failure`; they
    /// are read by other threads only after the `DispatchGroup.wait()` that follows it.
    private final class AgentHalf: @unchecked Sendable {
        let offsets: Range<Int>
        let start: Int
        let makers: () -> AgentMaker
        var buckets: [[PendingAgent]] = []
        var failure: (position: Int, error: DirectoryError)?

        init(_ offsets: Range<Int>, start: Int, makers: @escaping () -> AgentMaker) {
            self.offsets = offsets
            self.start = start
            self.makers = makers
        }

        func prepare() {
            buckets = [[PendingAgent]](repeating: [], count: RoutingIndex.shardCount)
            for shard in 0..<RoutingIndex.shardCount { buckets[shard].reserveCapacity(offsets.count / RoutingIndex.shardCount + 64) }
            let make = makers()
            for offset in offsets {
                do throws(DirectoryError) {
                    let record = try make(offset)
                    let key = AgentKey(account: record.accountSlot, id: record.id.value)
                    buckets[key.shard].append(PendingAgent(key: key, record: record, position: start + offset))
                } catch {
                    failure = (start + offset, error)
                    return
                }
            }
        }
    }

    /// The buckets of a range of shards, from both halves (`buckets[half][shard - shards.lowerBound]`),
    /// and the first agent `fillAgentShards` found twice in them.
    ///
    /// `@unchecked Sendable`: used by one thread, then read after the `DispatchGroup.wait()`.
    private final class ShardBuckets: @unchecked Sendable {
        var buckets: [[[PendingAgent]]]
        let shards: Range<Int>
        var duplicate: (position: Int, id: AgentID)?

        init(_ buckets: [[[PendingAgent]]], shards: Range<Int>) {
            self.buckets = buckets
            self.shards = shards
        }
    }

    /// Puts the prepared agents of `part`'s shards into the index, both halves' buckets in order.
    private static func fillAgentShards(_ part: ShardBuckets, index: RoutingIndex) {
        for shardIndex in part.shards {
            let local = shardIndex - part.shards.lowerBound
            let count = part.buckets.reduce(0) { $0 + $1[local].count }
            guard count > 0 else { continue }
            let shard = index.agentShards[shardIndex]
            shard.lock.withLock {
                shard.agents.reserveCapacity(shard.agents.count + count)
                for half in part.buckets.indices {
                    // Each record taken out of its item (left nil), so that it moves into the
                    // table: no retain and release of a million scattered records.
                    var bucket = part.buckets[half][local]
                    part.buckets[half][local] = []
                    for item in bucket.indices {
                        let position = bucket[item].position, key = bucket[item].key
                        if !shard.agents.insertIfAbsent(bucket[item].record.take().unsafelyUnwrapped, number: 0, key: key) {
                            if part.duplicate == nil || position < part.duplicate!.position { part.duplicate = (position, Identifier(unchecked: key.id)) }
                        }
                    }
                }
            }
        }
    }

    /// An agent of `bulkLoadAgents` on its way into its shard.
    private struct PendingAgent {
        var key: AgentKey
        /// Nil once moved into the table.
        var record: AgentRecord?
        var position: Int
    }
}
