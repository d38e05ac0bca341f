public import SwitchboardCore
public import SwitchboardHTTP

/// A provider API request as the simulator received and answered it.
public struct RecordedRequest: Sendable, Hashable {
    /// Order of arrival, from 1, shared with `SimulatedCall` and `NumberChange`.
    public let sequence: Int
    public let provider: Provider
    /// nil for a path the provider does not serve.
    public let endpoint: SimulatorEndpoint?
    public let method: String
    public let target: String
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// The status answered (for a stalled answer, the one sent later; for a cut body, the one
    /// its head declared).
    public let status: Int
    /// The fault played instead of, or on top of, the normal answer.
    public let fault: SimulatorFault?
    /// The account the request authenticated as; nil when it did not.
    public let apiKey: String?
}

/// A call created through a provider's create-call API.
public struct SimulatedCall: Sendable, Hashable {
    public let sequence: Int
    public let provider: Provider
    public let apiKey: String
    /// The id the provider answered with (Retell `call_id`, Vapi `id`, Bland `call_id`).
    public let callID: String
    public let to: E164
    /// The caller ID: Retell `from_number`, Bland `from`, Vapi the number of `phoneNumberId`.
    public let from: E164?
    /// Vapi `phoneNumberId`, as sent.
    public let phoneNumberID: String?
    /// The agent asked for: Retell `override_agent_id`, Vapi `assistantId`, Bland `agent_id`
    /// or else `pathway_id`.
    public let agentID: String?
    /// The request body, byte for byte.
    public let body: [UInt8]
}

/// A change of a number's agent setting through the provider's API, after it was applied.
public struct NumberChange: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable {
        /// Retell `PATCH /update-phone-number/{number}`.
        case retellUpdate = "update-phone-number"
        /// Vapi `PATCH /phone-number/{id}`.
        case vapiUpdate = "update-phone-number-by-id"
        /// Bland `POST /v2/agents/{id}/inbound/attach`.
        case blandAttach = "attach"
        /// Bland `POST /v2/agents/{id}/inbound/detach`.
        case blandDetach = "detach"
    }

    public let sequence: Int
    public let provider: Provider
    public let apiKey: String
    public let operation: Operation
    public let numbers: [E164]
    /// The inbound agent afterwards (Retell `inbound_agent_id`, Vapi `assistantId`, Bland the
    /// attached agent); for a Bland detach, the agent detached from. nil: none.
    public let agentID: String?
    /// The request body, byte for byte.
    public let body: [UInt8]
}

/// The newest `limit` items in arrival order: a long load test must not grow memory without
/// bound. Oldest items are dropped in batches of a tenth, so appending stays amortised O(1).
struct BoundedLog<Element: Sendable>: Sendable {
    let limit: Int
    private(set) var items: [Element] = []
    private(set) var dropped = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    mutating func append(_ item: Element) {
        if items.count >= limit {
            let batch = max(1, limit / 10)
            items.removeFirst(batch)
            dropped += batch
        }
        items.append(item)
    }

    mutating func removeAll() {
        items.removeAll()
        dropped = 0
    }
}
