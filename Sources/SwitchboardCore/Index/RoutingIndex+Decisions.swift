/// Why an inbound call was refused (SPEC rule 6).
public enum InboundRefusal: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case unknownNumber
    case numberInactive
    case unassigned
    case agentInactive

    /// The stable code recorded in events and metrics.
    public var code: String {
        switch self {
        case .unknownNumber: "unknown_number"
        case .numberInactive: "number_inactive"
        case .unassigned: "unassigned"
        case .agentInactive: "agent_inactive"
        }
    }

    public var description: String { code }
}

/// The answer to "a call just reached number N: which agent takes it?"
public enum InboundDecision: Sendable {
    case routed(AgentRecord)
    case refused(InboundRefusal)
}

/// Where an outbound caller ID came from (SPEC rule 7).
public enum CallerIDSource: UInt8, Sendable, CustomStringConvertible {
    case explicit
    case assigned
    case `default`

    public var description: String {
        switch self {
        case .explicit: "explicit"
        case .assigned: "assigned"
        case .default: "default"
        }
    }
}

/// Why no caller ID could be chosen.
public enum CallerIDRefusal: UInt8, Sendable, CustomStringConvertible {
    /// The agent does not exist in the account.
    case unknownAgent
    /// The number given is not a number of the account.
    case unknownNumber
    /// The number given belongs to another provider than the agent's.
    case providerMismatch
    /// The number given is inactive.
    case numberInactive
    /// No number given, the agent has none, and the connection has no default.
    case noCallerID

    public var code: String {
        switch self {
        case .unknownAgent: "unknown_agent"
        case .unknownNumber: "unknown_number"
        case .providerMismatch: "provider_mismatch"
        case .numberInactive: "number_inactive"
        case .noCallerID: "no_caller_id"
        }
    }

    public var description: String { code }
}

/// The answer to "agent A is calling out: which number is the caller ID?"
public enum CallerIDDecision: Sendable {
    case chosen(E164, source: CallerIDSource, agent: AgentRecord)
    case refused(CallerIDRefusal)
}

extension RoutingIndex {
    /// Rule 6: who answers a call to `number` arriving through `provider` for the account in `account`
    /// (the webhook's URL names both). A number of another account or another provider is unknown
    /// here: the webhook must not reach across tenants.
    ///
    /// One shard lock, no allocation: the agent comes back as a retained reference.
    public func inbound(_ number: E164, account: UInt32, provider: Provider) -> InboundDecision {
        let key = number.key
        let hash = RoutingIndex.hash(key)
        return numberShards.withLocked(RoutingIndex.numberShardIndex(hash: hash)) { table in
            guard let position = table.find(key, hash: hash) else { return .refused(.unknownNumber) }
            guard table.belongs(at: position, account: account, provider: provider) else { return .refused(.unknownNumber) }
            return RoutingIndex.decide(table[packed: position])
        }
    }

    /// Rule 6's checks on the number's slot, read in place under its shard's lock, once the number
    /// is known to be the connection's.
    @inline(__always)
    private static func decide(_ slot: borrowing NumberTable.Packed) -> InboundDecision {
        guard slot.active else { return .refused(.numberInactive) }
        guard let agent = slot.agent else { return .refused(.unassigned) }
        guard agent.isActive else { return .refused(.agentInactive) }
        return .routed(agent)
    }

    /// Rule 7: the number given at call time if any (an active number of the same account and
    /// provider), else the agent's number, else the connection's default, else refused.
    ///
    /// With a number given, its shard is locked before the agent's (the global order), so the pair is
    /// read at one instant.
    public func callerID(account: UInt32, agentID: String, explicit: E164? = nil) -> CallerIDDecision {
        let agentKey = AgentKey(account: account, id: agentID)
        let agentShard = agentShards[agentKey.shard]
        guard let explicit else {
            agentShard.lock.lock()
            defer { agentShard.lock.unlock() }
            guard let entry = agentShard.agents[agentKey] else {
                return .refused(.unknownAgent)
            }
            if entry.number != 0 {
                return .chosen(E164(uncheckedKey: entry.number), source: .assigned, agent: entry.record)
            }
            let connection = RoutingIndex.connectionKey(account: account, provider: entry.record.provider)
            if let fallback = agentShard.defaults[connection] {
                return .chosen(E164(uncheckedKey: fallback), source: .default, agent: entry.record)
            }
            return .refused(.noCallerID)
        }
        let hash = RoutingIndex.hash(explicit.key)
        let numberShard = RoutingIndex.numberShardIndex(hash: hash)
        numberShards.lock(numberShard)
        defer { numberShards.unlock(numberShard) }
        agentShard.lock.lock()
        defer { agentShard.lock.unlock() }
        guard let entry = agentShard.agents[agentKey] else {
            return .refused(.unknownAgent)
        }
        let found = numberShards.whileLocked(numberShard) { table in table.find(explicit.key, hash: hash).map { table[$0] } }
        guard let slot = found else { return .refused(.unknownNumber) }
        guard slot.account == account else { return .refused(.unknownNumber) }
        guard slot.provider == entry.record.provider else { return .refused(.providerMismatch) }
        guard slot.active else { return .refused(.numberInactive) }
        return .chosen(explicit, source: .explicit, agent: entry.record)
    }
}
