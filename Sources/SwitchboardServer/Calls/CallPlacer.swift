public import SwitchboardCore
import SwitchboardHTTP
public import SwitchboardProviders

/// `POST /v1/accounts/{a}/calls`: choose the caller ID by rule 7, then have the agent's provider
/// place the call.
///
/// Everything that can be refused is checked first, synchronously (400/404/422, nothing sent); the
/// provider call is then returned as async work that the connection layer runs off the event loops.
/// Provider failures become 502/504 (SPEC §3) carrying the provider's status and message; a
/// provider's 429 is 502 `provider_rate_limited` with `provider_status` 429 and the provider's
/// `Retry-After` passed on. API keys never appear in them.
public final class CallPlacer: Sendable {
    let directory: Directory
    let client: ProviderClient
    let events: EventLog
    let clock: @Sendable () -> Timestamp

    public init(directory: Directory, client: ProviderClient, events: EventLog, clock: @escaping @Sendable () -> Timestamp) {
        self.directory = directory
        self.client = client
        self.events = events
        self.clock = clock
    }

    /// Checks the request and returns the work that places the call.
    func prepare(account: AccountID, body: [UInt8], lane: Int) throws(APIError) -> @Sendable () async -> APIResponse {
        let started = Metrics.now()
        let request = try CallRequest(body)
        guard let slot = directory.index.accountSlot(account.value) else { throw APIError(DirectoryError.unknownAccount(account)) }
        guard let agent = directory.agent(account: account, id: request.agentID) else { throw APIError(DirectoryError.unknownAgent(request.agentID, in: account)) }
        let provider = agent.spec.provider
        func refuse(_ error: APIError) -> APIError {
            record(slot: slot, provider: provider, number: request.from, agent: agent.spec.id, reason: error.code, started: started, lane: lane)
            return error
        }
        guard agent.spec.status == .active else {
            throw refuse(APIError(422, "agent_inactive", "agent '\(agent.spec.id)' is inactive: activate it before it places calls"))
        }
        guard let connection = directory.connection(account: account, provider: provider) else {
            throw refuse(APIError(422, "provider_not_connected", "\(provider) is not connected to account '\(account)': PUT /v1/accounts/\(account)/providers/\(provider) first"))
        }
        let callerID: E164
        switch directory.index.callerID(account: slot, agentID: request.agentID.value, explicit: request.from) {
        case .chosen(let chosen, _, _): callerID = chosen
        case .refused(let reason): throw refuse(CallPlacer.error(reason, agent: request.agentID.value, account: account, explicit: request.from))
        }
        let fromID = directory.number(account: account, number: callerID)?.providerNumberID ?? callerID.description
        let call = OutboundCall(providerAgentID: agent.spec.providerAgentID, from: callerID, fromProviderNumberID: fromID, to: request.to, metadata: request.metadata)
        let agentID = agent.spec.id
        return { [self] in
            do throws(ProviderFailure) {
                let created = try await client.createCall(call, connection: connection)
                record(slot: slot, provider: provider, number: callerID, agent: agentID, reason: nil, started: started, lane: Int.max)
                var writer = JSONWriter(capacity: 160)
                writer.beginObject()
                writer.member("call_id", created.providerCallID)
                writer.member("provider", provider.name)
                writer.member("agent_id", agentID.value)
                writer.member("from", callerID.description)
                writer.member("to", request.to.description)
                writer.endObject()
                return APIResponse(status: 201, json: writer.bytes)
            } catch {
                record(slot: slot, provider: provider, number: callerID, agent: agentID, reason: error.code, started: started, lane: Int.max)
                var headers: HTTPHeaders = [:]
                if let seconds = error.retryAfterSeconds { headers.append(name: "Retry-After", value: String(seconds)) }
                var apiError = APIError(error.httpStatus, error.code, error.message)
                apiError.providerStatus = error.providerStatus
                return APIResponse(status: apiError.status, headers: headers, json: apiError.body)
            }
        }
    }

    private func record(slot: UInt32, provider: Provider, number: E164?, agent: AgentID, reason: String?, started: UInt64, lane: Int) {
        let micros = UInt32(clamping: (Metrics.now() &- started) / 1000)
        events.record(
            RoutingEvent(at: clock().milliseconds, direction: .outbound, provider: provider, number: number, agentID: agent, reason: reason, micros: micros),
            accountSlot: slot, lane: lane)
    }

    /// The API error for a caller-ID refusal (rule 7), shared with `GET …/caller-id`.
    static func error(_ reason: CallerIDRefusal, agent: String, account: AccountID, explicit: E164?) -> APIError {
        let given = explicit?.description ?? ""
        switch reason {
        case .unknownAgent: return APIError(404, "unknown_agent", "agent '\(agent)' does not exist in account '\(account)'")
        case .unknownNumber: return APIError(404, "unknown_number", "\(given) is not a number of account '\(account)'")
        case .providerMismatch: return APIError(422, "provider_mismatch", "\(given) belongs to another provider than the agent's")
        case .numberInactive: return APIError(422, "number_inactive", "\(given) is inactive: choose an active number")
        case .noCallerID:
            return APIError(
                422, "no_caller_id",
                "agent '\(agent)' has no number and its provider connection has no default caller ID: assign a number, set a default, or give one at call time")
        }
    }
}

/// The body of `POST …/calls`: `{"agent_id", "to", "from"?, "metadata"?}`.
struct CallRequest: Sendable {
    var agentID: AgentID
    var to: E164
    var from: E164?
    var metadata: CallMetadata

    init(_ body: [UInt8]) throws(APIError) {
        let json = try JSONBody(body)
        try json.only(["agent_id", "to", "from", "metadata"])
        agentID = try json.identifier("agent_id")
        guard let to = try json.number("to") else { throw APIError(400, "invalid_field", "field 'to' is required: the E.164 number to call") }
        self.to = to
        from = try json.number("from")
        metadata = .empty
        if json.has("metadata"), !json.isNull("metadata") {
            // The raw object, passed through as sent (JSONBody has already checked the body is JSON).
            let member: JSONValue?
            do { member = try JSONDocument(validating: body).root.member("metadata") } catch {
                throw APIError(400, "invalid_field", "field 'metadata': \(error)")
            }
            do { metadata = try CallMetadata(jsonObject: Array(member?.rawBytes ?? [])) } catch {
                throw APIError(400, "invalid_field", "field 'metadata': \(error.description)")
            }
        }
    }
}
