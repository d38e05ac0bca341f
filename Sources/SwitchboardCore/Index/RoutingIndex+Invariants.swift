extension RoutingIndex {
    /// Checks the index's invariants and returns what breaks them (empty when sound):
    /// the number → agent and agent → number maps are exact inverses; a number and its agent share
    /// account and provider; no inactive number holds an agent. Reads shard by shard, so it must run
    /// while no change applies: call it through `Directory.invariantViolations()`, which holds the
    /// writer lock. For tests and `snapshot verify`, not the hot path.
    func invariantViolations() -> [String] {
        do {
            var violations: [String] = []
            var agentsWithNumbers: [AgentKey: UInt64] = [:]
            for shard in agentShards {
                let table = shard.lock.withLock { shard.agents }
                for entry in table.misplacedEntries() {
                    violations.append("agent \(entry.record.id) is stored where its key does not find it")
                }
                table.forEach { entry in
                    let key = AgentKey(account: entry.record.accountSlot, id: entry.record.id.value)
                    if entry.number != 0 { agentsWithNumbers[key] = entry.number }
                }
            }
            var numbersWithAgents = 0
            for shard in 0..<numberShards.count {
                // Under the shard's lock, then the agent's (the global order).
                numberShards.withLocked(shard) { table in table.forEach { slot in
                    guard let agent = slot.agent else { return }
                    numbersWithAgents += 1
                    let number = E164(uncheckedKey: slot.key)
                    if !slot.active { violations.append("inactive number \(number) holds agent \(agent.id)") }
                    if agent.provider != slot.provider { violations.append("number \(number) (\(slot.provider)) holds \(agent.provider) agent \(agent.id)") }
                    if agent.accountSlot != slot.account { violations.append("number \(number) holds agent \(agent.id) of another account") }
                    let key = AgentKey(account: agent.accountSlot, id: agent.id.value)
                    guard let entry = agentEntry(account: key.account, id: key.id) else {
                        violations.append("number \(number) holds agent \(agent.id), which does not exist")
                        return
                    }
                    if entry.number != slot.key { violations.append("number \(number) holds agent \(agent.id), whose number is \(entry.number)") }
                    if entry.record !== agent { violations.append("number \(number) holds a stale record of agent \(agent.id)") }
                } }
            }
            if numbersWithAgents != agentsWithNumbers.count {
                violations.append("\(numbersWithAgents) numbers hold agents but \(agentsWithNumbers.count) agents hold numbers")
            }
            return violations
        }
    }
}

extension Directory {
    /// The index's invariant violations (empty when sound), checked while no change can apply.
    public func invariantViolations() -> [String] {
        state.withLock { _ in index.invariantViolations() }
    }
}
