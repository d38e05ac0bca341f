import Foundation

/// An agent as the API shows it (SPEC §3 `agent`).
public struct AgentRecord: Decodable, Equatable, Sendable {
    public let id: String
    public let name: String
    public let provider: String
    /// Retell agent_id, Vapi assistant id, Bland pathway or agent id.
    public let providerAgentID: String
    public let status: String
    public let phoneNumber: String?

    enum CodingKeys: String, CodingKey {
        case id, name, provider, status
        case providerAgentID = "provider_agent_id"
        case phoneNumber = "phone_number"
    }
}

/// One page of `GET /v1/accounts/{a}/agents`.
public struct AgentPage: Decodable, Equatable, Sendable {
    public let agents: [AgentRecord]
    public let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case agents
        case nextCursor = "next_cursor"
    }
}

/// The body of `PUT /v1/accounts/{a}/agents/{id}`: the agent editor.
public struct AgentSettings: Sendable {
    /// What to do with the agent's number: leave it, take it away, or assign one.
    public enum Phone: Equatable, Sendable {
        case keep
        case unassign
        case assign(String)
    }

    public var name: String
    public var provider: String
    public var providerAgentID: String
    /// `active` or `inactive`; nil lets the server default (active).
    public var status: String?
    public var phone: Phone

    public init(name: String, provider: String, providerAgentID: String, status: String? = nil, phone: Phone = .keep) {
        self.name = name
        self.provider = provider
        self.providerAgentID = providerAgentID
        self.status = status
        self.phone = phone
    }

    /// `phone_number` absent keeps, `null` unassigns, a string assigns (SPEC §3).
    var json: Data {
        var object: [String: Any] = ["name": name, "provider": provider, "provider_agent_id": providerAgentID]
        if let status { object["status"] = status }
        switch phone {
        case .keep: break
        case .unassign: object["phone_number"] = NSNull()
        case .assign(let number): object["phone_number"] = number
        }
        return JSONBodies.encode(object)
    }
}

/// The caller ID an outbound call by an agent would use now (SPEC §3 `caller`).
public struct CallerIDAnswer: Decodable, Equatable, Sendable {
    public let agentID: String
    public let callerID: String
    /// `explicit`, `assigned` or `default`.
    public let source: String

    enum CodingKeys: String, CodingKey {
        case source
        case agentID = "agent_id"
        case callerID = "caller_id"
    }
}
