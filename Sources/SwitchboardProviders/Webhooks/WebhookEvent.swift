public import SwitchboardCore

/// What a provider's webhook announces: an inbound call to route, or any other event (call started,
/// ended, analysed, status updates, …), which the server acknowledges and counts.
public enum WebhookEvent: Sendable, Equatable {
    case inboundCall(InboundCall)
    /// Another event, by the provider's own type name (at most 64 characters).
    case other(type: String)
}

/// An inbound call as the provider describes it.
public struct InboundCall: Sendable, Equatable {
    /// How the payload names the number that was called.
    public enum CalledNumber: Sendable, Equatable {
        /// The E.164 number itself.
        case number(E164)
        /// Only the provider's id for the number (Vapi's `message.call.phoneNumberId`): look it up
        /// among the synced numbers' `provider_number_id`.
        case providerNumberID(String)
    }

    public var called: CalledNumber
    /// The caller, when the payload carries a number that is E.164; nil when absent or withheld.
    public var caller: E164?
    /// The provider's id for the call, when the payload carries one.
    public var providerCallID: String?

    public init(called: CalledNumber, caller: E164? = nil, providerCallID: String? = nil) {
        self.called = called
        self.caller = caller
        self.providerCallID = providerCallID
    }
}

/// The routing decision to encode in the provider's format.
public enum InboundRoute: Sendable, Equatable {
    /// The call goes to our agent `agentID`, known at the provider as `providerAgentID`.
    case routed(providerAgentID: String, agentID: AgentID)
    case refused(InboundRefusal)

    /// The index's decision, as an answer can be built from it.
    public init(_ decision: InboundDecision) {
        switch decision {
        case .routed(let agent): self = .routed(providerAgentID: agent.providerAgentID, agentID: agent.id)
        case .refused(let reason): self = .refused(reason)
        }
    }
}

/// The HTTP answer to a webhook: status, and a JSON body (empty for 204).
public struct WebhookReply: Sendable, Equatable {
    public var status: Int
    /// `application/json` when there is a body, nil for 204.
    public var contentType: String?
    public var body: [UInt8]

    public init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// 200 with a JSON body.
    public static func json(_ body: [UInt8]) -> WebhookReply {
        WebhookReply(status: 200, contentType: "application/json", body: body)
    }

    /// 204 No Content: the answer to every event that is not an inbound call.
    public static let acknowledged = WebhookReply(status: 204, contentType: nil, body: [])
}
