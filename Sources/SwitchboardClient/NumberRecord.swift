/// A phone number as the API shows it (SPEC §3 `number`).
public struct NumberRecord: Decodable, Equatable, Sendable {
    /// E.164, e.g. `+14155550123`.
    public let number: String
    /// `retell`, `vapi` or `bland`.
    public let provider: String
    public let providerNumberID: String
    /// `active` or `inactive`.
    public let status: String
    public let agentID: String?
    public let agentName: String?
    /// RFC 3339 UTC; nil until a sync has listed it.
    public let lastSyncedAt: String?

    enum CodingKeys: String, CodingKey {
        case number, provider, status
        case providerNumberID = "provider_number_id"
        case agentID = "agent_id"
        case agentName = "agent_name"
        case lastSyncedAt = "last_synced_at"
    }
}

/// One page of `GET /v1/accounts/{a}/numbers` (or `/numbers/available`).
public struct NumberPage: Decodable, Equatable, Sendable {
    public let numbers: [NumberRecord]
    /// Pass as `cursor` for the next page; nil on the last.
    public let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case numbers
        case nextCursor = "next_cursor"
    }
}

/// The filters of the Phone Numbers list; nil leaves a filter out.
public struct NumberFilter: Equatable, Sendable {
    public var provider: String?
    /// `active` or `inactive`.
    public var status: String?
    public var assigned: Bool?

    public init(provider: String? = nil, status: String? = nil, assigned: Bool? = nil) {
        self.provider = provider
        self.status = status
        self.assigned = assigned
    }

    var queryItems: [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        if let provider { items.append(("provider", provider)) }
        if let status { items.append(("status", status)) }
        if let assigned { items.append(("assigned", assigned ? "true" : "false")) }
        return items
    }
}

/// The answer to an assignment (SPEC §3 `assign`).
public struct AssignResult: Decodable, Equatable, Sendable {
    /// The number after the change: its agent is the one asked for.
    public let number: NumberRecord
    /// The agent that held the number before and lost it; nil if it was free (or already this agent's).
    public let previousAgentID: String?
    /// The agent's former number, now back in the pool; nil if it had none.
    public let releasedNumber: String?

    enum CodingKeys: String, CodingKey {
        case number
        case previousAgentID = "previous_agent_id"
        case releasedNumber = "released_number"
    }
}

/// The answer to an unassignment.
public struct UnassignResult: Decodable, Equatable, Sendable {
    /// The number after the change: no agent, back in the pool.
    public let number: NumberRecord
    /// The agent that lost it; nil if it had none (nothing changed).
    public let previousAgentID: String?

    enum CodingKeys: String, CodingKey {
        case number
        case previousAgentID = "previous_agent_id"
    }
}

/// Why inbound calls to a number do or do not reach an agent (SPEC §3 `diagnosis`).
public struct Diagnosis: Decodable, Equatable, Sendable {
    public struct Check: Decodable, Equatable, Sendable {
        /// `number_known`, `number_active`, `assigned`, `agent_active`, `provider_connected`, `last_sync`.
        public let name: String
        public let ok: Bool
        public let detail: String
    }

    public let number: String
    public let reachesAgent: Bool
    public let checks: [Check]

    enum CodingKeys: String, CodingKey {
        case number, checks
        case reachesAgent = "reaches_agent"
    }
}
