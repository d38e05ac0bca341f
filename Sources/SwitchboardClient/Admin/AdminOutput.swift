/// What the admin commands print for people: tables for lists, one sentence for a change.
enum AdminOutput {
    static func numbers(_ numbers: [NumberRecord], available: Bool, filtered: Bool = false, account: String) -> String {
        guard !numbers.isEmpty else {
            if available { return "No available numbers in account '\(account)' (active and unassigned).\n" }
            return filtered ? "No numbers in account '\(account)' match the filters.\n" : "No numbers in account '\(account)'.\n"
        }
        var table = TextTable(header: ["NUMBER", "PROVIDER", "STATUS", "AGENT ID", "AGENT NAME"])
        for number in numbers {
            table.append([number.number, number.provider, number.status, number.agentID ?? "-", number.agentName ?? "-"])
        }
        let noun = numbers.count == 1 ? "number" : "numbers"
        return table.render() + "\(numbers.count) \(available ? "available " : "")\(noun)\n"
    }

    static func agents(_ agents: [AgentRecord], account: String) -> String {
        guard !agents.isEmpty else { return "No agents in account '\(account)'.\n" }
        var table = TextTable(header: ["ID", "NAME", "PROVIDER", "STATUS", "PHONE NUMBER"])
        for agent in agents {
            table.append([agent.id, agent.name, agent.provider, agent.status, agent.phoneNumber ?? "-"])
        }
        return table.render() + "\(agents.count) \(agents.count == 1 ? "agent" : "agents")\n"
    }

    /// "Assigned N to agent A (Name). Agent B lost it. A's former number M returned to the pool."
    static func assigned(_ result: AssignResult) -> String {
        let number = result.number.number
        let agent = result.number.agentID ?? "?"
        var sentence = "Assigned \(number) to agent '\(agent)'"
        if let name = result.number.agentName, !name.isEmpty { sentence += " (\(TextTable.clean(name)))" }
        sentence += "."
        if let previous = result.previousAgentID, previous != agent {
            sentence += " Agent '\(previous)' lost it and now has no number."
        }
        if let released = result.releasedNumber {
            sentence += " Its former number \(released) returned to the pool of available numbers."
        }
        if result.previousAgentID == nil, result.releasedNumber == nil {
            sentence += " No other agent or number was affected."
        }
        return sentence + "\n"
    }

    /// "Unassigned N from agent B; N returned to the pool."
    static func unassigned(_ result: UnassignResult) -> String {
        let number = result.number.number
        let pool = result.number.status == "active" ? "the pool of available numbers" : "the pool (it is inactive, so it is not offered until a sync lists it again)"
        guard let previous = result.previousAgentID else {
            return "\(number) had no agent; nothing changed.\n"
        }
        return "Unassigned \(number) from agent '\(previous)'; \(number) returned to \(pool).\n"
    }

    /// One line per provider: what the last sync did, or why it failed.
    static func sync(_ statuses: [SyncStatusRecord]) -> String {
        guard !statuses.isEmpty else { return "No provider is connected to the account: nothing to sync.\n" }
        var table = TextTable(header: ["PROVIDER", "RESULT", "ADDED", "UPDATED", "DEACTIVATED", "SKIPPED", "FINISHED", "ERROR"])
        for status in statuses {
            let result = status.running ? "running" : (status.result ?? "never ran")
            table.append([
                status.provider, result, String(status.added), String(status.updated), String(status.deactivated), String(status.skipped ?? 0),
                status.lastFinishedAt ?? "-", status.error.map { TextTable.clean($0) } ?? "-",
            ])
        }
        return table.render()
    }
}
