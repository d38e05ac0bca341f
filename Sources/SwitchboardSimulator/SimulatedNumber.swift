public import SwitchboardCore

/// A phone number an account holds at a simulated provider, with the provider's own settings.
///
/// One type for the three providers; each field says which provider field it is (providers.md).
/// A field a provider does not have is simply not rendered in that provider's answers.
public struct SimulatedNumber: Sendable, Hashable {
    public var number: E164
    /// The agent calls to this number reach: Retell `inbound_agent_id`, Vapi `assistantId`,
    /// Bland `agent_id` (set by attach, cleared by detach).
    public var agentID: String?
    /// Retell `outbound_agent_id`.
    public var outboundAgentID: String?
    /// Retell `nickname`, Vapi `name`.
    public var name: String?
    /// Retell `phone_number_type` (default `retell-twilio`), Vapi `provider` (default `twilio`).
    public var carrier: String?
    /// Vapi `status`.
    public var status: String
    /// Bland `pathway_id`.
    public var pathwayID: String?
    /// Bland `webhook`.
    public var webhook: String?
    /// The provider's id for the number: a UUID at Vapi, the E.164 string at Retell and Bland
    /// (their `provider_number_id` is the number itself). Assigned when the number is added.
    public internal(set) var id: String
    /// At Vapi, the id to give the number instead of a fresh UUID (a load test's data set knows
    /// its numbers' ids in advance); ignored elsewhere.
    public var requestedVapiID: String?
    /// Vapi `createdAt`, Bland `created_at` (Unix ms). Assigned when added, strictly increasing
    /// within a simulator (one ms apart at least, so a batch of a million runs some minutes ahead
    /// of the wall clock), so Vapi's `createdAtGt` paging never skips a number.
    public internal(set) var createdAtMillis: Int64
    /// Retell `last_modification_timestamp`, Vapi `updatedAt` (Unix ms).
    public internal(set) var updatedAtMillis: Int64

    public init(
        _ number: E164, agentID: String? = nil, outboundAgentID: String? = nil, name: String? = nil,
        carrier: String? = nil, status: String = "active", pathwayID: String? = nil, webhook: String? = nil
    ) {
        self.number = number
        self.agentID = agentID
        self.outboundAgentID = outboundAgentID
        self.name = name
        self.carrier = carrier
        self.status = status
        self.pathwayID = pathwayID
        self.webhook = webhook
        self.id = number.description
        self.requestedVapiID = nil
        self.createdAtMillis = 0
        self.updatedAtMillis = 0
    }

    /// The number as `provider` lists it, field for field as providers.md shows.
    public func rendered(for provider: Provider) -> SimulatorJSON {
        switch provider {
        case .retell:
            return .fields([
                "phone_number": .string(number.description),
                "phone_number_type": .string(carrier ?? "retell-twilio"),
                "inbound_agent_id": .stringOrNull(agentID),
                "outbound_agent_id": .stringOrNull(outboundAgentID),
                "nickname": .stringOrNull(name),
                "last_modification_timestamp": .integer(updatedAtMillis),
            ])
        case .vapi:
            return .fields([
                "id": .string(id),
                "number": .string(number.description),
                "provider": .string(carrier ?? "twilio"),
                "assistantId": .stringOrNull(agentID),
                "name": .stringOrNull(name),
                "status": .string(status),
                "createdAt": .string(ISOTime.format(millis: createdAtMillis)),
                "updatedAt": .string(ISOTime.format(millis: updatedAtMillis)),
            ])
        case .bland:
            // `agent_id` is absent, not null, when no agent is attached (providers.md).
            return .fields([
                "phone_number": .string(number.description),
                "created_at": .string(ISOTime.format(millis: createdAtMillis)),
                "pathway_id": .stringOrNull(pathwayID),
                "agent_id": agentID.map(SimulatorJSON.string),
                "webhook": .stringOrNull(webhook),
            ])
        }
    }
}
