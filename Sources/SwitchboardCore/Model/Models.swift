/// A tenant. `tokenSHA256` is the hex SHA-256 of its API token; the token itself is never stored.
public struct Account: Hashable, Sendable {
    public var id: AccountID
    public var name: String
    public var tokenSHA256: String?

    public init(id: AccountID, name: String, tokenSHA256: String?) {
        self.id = id
        self.name = name
        self.tokenSHA256 = tokenSHA256
    }
}

/// How one account reaches one provider (SPEC §1). The API key is a secret: never shown unmasked.
public struct ProviderConnection: Hashable, Sendable {
    public var account: AccountID
    public var provider: Provider
    public var apiKey: String
    public var webhookSecret: String?
    public var baseURL: String?
    public var defaultCallerID: E164?

    public init(
        account: AccountID, provider: Provider, apiKey: String, webhookSecret: String? = nil,
        baseURL: String? = nil, defaultCallerID: E164? = nil
    ) {
        self.account = account
        self.provider = provider
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
        self.baseURL = baseURL
        self.defaultCallerID = defaultCallerID
    }

    /// The same connection with strings of its own (no storage shared with this one): for a
    /// per-thread copy, whose retains and releases then touch no cache line another thread uses.
    public func unshared() -> ProviderConnection {
        func own(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
        return ProviderConnection(
            account: Identifier(unchecked: own(account.value)), provider: provider, apiKey: own(apiKey), webhookSecret: webhookSecret.map(own),
            baseURL: baseURL.map(own), defaultCallerID: defaultCallerID)
    }

    /// The API key as it may be shown: the last four characters only.
    public var maskedAPIKey: String {
        apiKey.count <= 4 ? String(repeating: "•", count: apiKey.count) : "••••" + apiKey.suffix(4)
    }
}

/// What an agent is, without its number (the agent editor's fields, SPEC §1).
public struct AgentSpec: Hashable, Sendable {
    public var account: AccountID
    public var id: AgentID
    public var name: String
    public var provider: Provider
    public var providerAgentID: String
    public var status: Status

    public init(account: AccountID, id: AgentID, name: String, provider: Provider, providerAgentID: String, status: Status) {
        self.account = account
        self.id = id
        self.name = name
        self.provider = provider
        self.providerAgentID = providerAgentID
        self.status = status
    }
}

/// An agent with its number, as the API shows it.
public struct Agent: Hashable, Sendable {
    public var spec: AgentSpec
    public var phoneNumber: E164?

    public init(spec: AgentSpec, phoneNumber: E164?) {
        self.spec = spec
        self.phoneNumber = phoneNumber
    }
}

/// A phone number with everything the API shows about it (SPEC §3 `number` shape).
public struct PhoneNumber: Hashable, Sendable {
    public var number: E164
    public var account: AccountID
    public var provider: Provider
    public var providerNumberID: String
    public var status: Status
    public var agentID: AgentID?
    public var agentName: String?
    public var lastSyncedAt: Timestamp?

    public init(
        number: E164, account: AccountID, provider: Provider, providerNumberID: String, status: Status,
        agentID: AgentID?, agentName: String?, lastSyncedAt: Timestamp?
    ) {
        self.number = number
        self.account = account
        self.provider = provider
        self.providerNumberID = providerNumberID
        self.status = status
        self.agentID = agentID
        self.agentName = agentName
        self.lastSyncedAt = lastSyncedAt
    }
}

/// A number as an import or an admin creates it, with its assignment.
public struct NumberSpec: Hashable, Sendable {
    public var account: AccountID
    public var number: E164
    public var provider: Provider
    public var providerNumberID: String
    public var status: Status
    public var agentID: AgentID?

    public init(account: AccountID, number: E164, provider: Provider, providerNumberID: String, status: Status, agentID: AgentID?) {
        self.account = account
        self.number = number
        self.provider = provider
        self.providerNumberID = providerNumberID
        self.status = status
        self.agentID = agentID
    }
}

/// What the agent editor asks of an agent's number (SPEC §3: a number assigns, null unassigns,
/// absent leaves it).
public enum PhoneChange: Hashable, Sendable {
    case keep
    case assign(E164)
    case unassign
}
