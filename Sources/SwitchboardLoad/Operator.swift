import SwitchboardCore

/// Plays the operators: reassignments and unassignments at a fixed rate while the traffic runs,
/// on the numbers the traffic calls, so the checks see every move (SPEC rule 2: after the
/// acknowledgement only the new agent is right).
///
/// Thread-confined to worker 0. It keeps its own view of who holds what (it is the only writer),
/// and never writes a number, or hands an agent a number, within a cool-down (the request timeout)
/// of its last change: a webhook then sees at most one change while it is out, which `LiveState`
/// can judge exactly.
final class Operator {
    struct Write: Sendable {
        let number: Int
        /// Index into `plan.movableNumbers`.
        let slot: Int
        /// nil: unassign.
        let newAgent: Int?
        let oldAgent: Int?
        var kind: RequestKind { newAgent == nil ? .unassign : .assign }
    }

    enum Outcome {
        case committed
        /// Refused with a 4xx: nothing changed.
        case refused
        /// Timed out, connection lost, 5xx, or an acknowledgement that does not match: unknown.
        case uncertain
    }

    private let plan: LoadPlan
    private let cooldown: UInt64
    private let interval: Double
    private var random: SplitMix64
    /// Per movable number: its agent (-1 none), whether a write is out, when it last changed, and
    /// whether it was retired after an uncertain write.
    private var owner: [Int32]
    private var busy: [Bool]
    private var busyCount = 0
    private var lastChange: [UInt64]
    private var retired: [Bool]
    /// Per connection (`account * 3 + provider`): agents free to take a number, oldest first.
    private var idle: [[(agent: Int32, availableAt: UInt64)]]
    private var idleHead: [Int]
    /// Due times of writes not yet sent.
    private(set) var queue: [UInt64] = []
    private var queueHead = 0
    private var dueCount: UInt64 = 0
    private let firstDue: UInt64

    init(plan: LoadPlan, schedule: RunSchedule) {
        self.plan = plan
        cooldown = plan.configuration.timeoutNanoseconds
        interval = 1e9 / plan.configuration.writeRate
        random = SplitMix64(seed: plan.configuration.seed ^ 0x4F50_4552_4154_4F52)
        let dataSet = plan.dataSet
        // From the live state, not the seed: a plan reused across runs (a sweep) carries on from
        // where the last run's writes left the router.
        let slots = plan.movableNumbers.map { plan.live.number(Int($0)) }
        owner = slots.map(\.committed)
        retired = slots.map(\.uncertain)
        busy = [Bool](repeating: false, count: plan.movableNumbers.count)
        lastChange = [UInt64](repeating: 0, count: plan.movableNumbers.count)
        idle = [[(agent: Int32, availableAt: UInt64)]](repeating: [], count: dataSet.spec.accounts * 3)
        idleHead = [Int](repeating: 0, count: dataSet.spec.accounts * 3)
        for agent in 0..<dataSet.agentCount where dataSet.agentActive[agent] {
            let slot = plan.live.agent(agent)
            guard slot.committed < 0, !slot.uncertain else { continue }
            idle[Self.group(agentAccount: dataSet.agentAccount[agent], provider: dataSet.agentProvider[agent])].append((Int32(agent), 0))
        }
        firstDue = schedule.start
    }

    private static func group(agentAccount: UInt16, provider: Provider) -> Int {
        Int(agentAccount) * 3 + Int(provider.rawValue)
    }

    // MARK: Schedule

    /// Queues every write due by `now` (and before `end`).
    func enqueueDue(now: UInt64, end: UInt64) {
        while true {
            let due = firstDue + UInt64(Double(dueCount) * interval)
            guard due <= now, due < end else { return }
            queue.append(due)
            dueCount += 1
        }
    }

    /// When the next write falls due (nil after `end`).
    func nextDue(end: UInt64) -> UInt64? {
        let due = firstDue + UInt64(Double(dueCount) * interval)
        return due < end ? due : nil
    }

    var hasQueued: Bool { queueHead < queue.count }

    func dequeue() -> UInt64? {
        guard queueHead < queue.count else { return nil }
        let due = queue[queueHead]
        queueHead += 1
        if queueHead > 4096 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return due
    }

    var queuedCount: Int { queue.count - queueHead }

    // MARK: Choosing and finishing writes

    /// A write to send now, marked pending in the live state; nil when no number (or no agent to
    /// move it to) is free, which the caller counts as skipped.
    func nextWrite(now: UInt64) -> Write? {
        let count = plan.movableNumbers.count
        guard count > 0 else { return nil }
        for _ in 0..<16 {
            let slot = random.below(count)
            guard !busy[slot], !retired[slot], lastChange[slot] == 0 || now - lastChange[slot] >= cooldown else { continue }
            let number = Int(plan.movableNumbers[slot])
            let current = owner[slot] < 0 ? nil : Int(owner[slot])
            let group = Int(plan.dataSet.numberAccount[number]) * 3 + Int(plan.dataSet.numberProvider[number].rawValue)
            let wantsMove = current == nil || random.unit() < plan.configuration.reassignShare
            var newAgent: Int?
            if wantsMove, let agent = takeIdle(group: group, now: now) {
                newAgent = agent
            } else if current == nil {
                continue  // nothing to assign it to, and nothing to unassign
            }
            busy[slot] = true
            busyCount += 1
            let write = Write(number: number, slot: slot, newAgent: newAgent, oldAgent: current)
            plan.live.begin(number: number, newAgent: newAgent, oldAgent: current)
            return write
        }
        return nil
    }

    func finish(_ write: Write, outcome: Outcome, now: UInt64) {
        busy[write.slot] = false
        busyCount -= 1
        lastChange[write.slot] = now
        let group = Int(plan.dataSet.numberAccount[write.number]) * 3 + Int(plan.dataSet.numberProvider[write.number].rawValue)
        switch outcome {
        case .committed:
            plan.live.commit(number: write.number, newAgent: write.newAgent, oldAgent: write.oldAgent)
            owner[write.slot] = Int32(write.newAgent ?? -1)
            if let old = write.oldAgent { idle[group].append((Int32(old), now + cooldown)) }
        case .refused:
            plan.live.revert(number: write.number, newAgent: write.newAgent, oldAgent: write.oldAgent)
            if let new = write.newAgent { idle[group].append((Int32(new), now + cooldown)) }
        case .uncertain:
            // Both states stay possible for good; neither the number nor the agents are used again.
            plan.live.markUncertain(number: write.number, newAgent: write.newAgent, oldAgent: write.oldAgent)
            retired[write.slot] = true
        }
    }

    // MARK: Restoring the seeded state

    /// Slots to unassign (their agent is not the seeded one), then to give back their seeded agent.
    private var restoreUnassign: [Int] = []
    private var restoreAssign: [Int] = []
    /// Numbers left as they are: a write on them had an unknown outcome.
    private(set) var unrestorable = 0

    /// After the run: plans the writes that put every moved number back with its seeded agent, so
    /// the next run against the same router starts from the seed.
    func beginRestore() {
        for slot in owner.indices {
            let initial = plan.dataSet.initialAgent[Int(plan.movableNumbers[slot])]
            guard owner[slot] != initial else { continue }
            guard !retired[slot] else {
                unrestorable += 1
                continue
            }
            if owner[slot] >= 0 { restoreUnassign.append(slot) }
            if initial >= 0 { restoreAssign.append(slot) }
        }
    }

    var restoreDone: Bool { restoreUnassign.isEmpty && restoreAssign.isEmpty && busyCount == 0 }

    /// No write is out (the restore is planned only then, from settled owners).
    var isIdle: Bool { busyCount == 0 }

    /// The next restoring write; the assignments wait until every unassignment is acknowledged, so
    /// each seeded agent is free when its number comes back.
    func nextRestoreWrite() -> Write? {
        var write: Write?
        if let slot = restoreUnassign.popLast() {
            write = Write(number: Int(plan.movableNumbers[slot]), slot: slot, newAgent: nil, oldAgent: Int(owner[slot]))
        } else if busyCount == 0, let slot = restoreAssign.popLast() {
            let number = Int(plan.movableNumbers[slot])
            let current = owner[slot] < 0 ? nil : Int(owner[slot])
            write = Write(number: number, slot: slot, newAgent: Int(plan.dataSet.initialAgent[number]), oldAgent: current)
        }
        guard let write else { return nil }
        guard !retired[write.slot] else {
            // Its unassignment had an unknown outcome: leave it, and say so.
            unrestorable += 1
            return nextRestoreWrite()
        }
        busy[write.slot] = true
        busyCount += 1
        plan.live.begin(number: write.number, newAgent: write.newAgent, oldAgent: write.oldAgent)
        return write
    }

    private func takeIdle(group: Int, now: UInt64) -> Int? {
        let head = idleHead[group]
        guard head < idle[group].count, idle[group][head].availableAt <= now else { return nil }
        let agent = Int(idle[group][head].agent)
        idleHead[group] = head + 1
        if head + 1 > 1024 && (head + 1) * 2 > idle[group].count {
            idle[group].removeFirst(head + 1)
            idleHead[group] = 0
        }
        return agent
    }
}
