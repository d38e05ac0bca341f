public import SwitchboardCore
public import SwitchboardHTTP
import SwitchboardCrypto

// OUR CHOICE (Bland; where providers.md leaves it open, decided here and listed in the README):
// - The inbound webhook body is `{"event":"call.inbound","to","from","call_id",…}` (Bland
//   documents per-number configuration rather than one shape); only `to` is required.
// - A body without `event` but with `call_id` is Bland's post-call webhook: acknowledged as the
//   event type `post_call`. Any other `event` is acknowledged under its own name.
// - Refusals answer 200 `{"action":"reject","reason":"<unknown_number|number_inactive|unassigned|agent_inactive>"}`.
// - The agent's provider id is sent as `agent_id` (never `pathway_id`) when creating calls.
// - A push detaches the number from the previous agent (when there was one and it changed), then
//   attaches it to the new one; a push or call answered 2xx with `"status":"error"` is a failure.
// - The listing is one page (no paging documented): `{"inbound_numbers":[…]}`.

/// Bland.ai (providers.md, "Bland.ai").
public struct BlandAdapter: ProviderAdapter {
    public init() {}

    public var provider: Provider { .bland }
    public var defaultBaseURL: String { "https://api.bland.ai" }

    // MARK: Webhooks

    /// `X-Webhook-Signature: <hex HMAC-SHA256(webhook secret, body)>`.
    public func authenticate(headers: HTTPHeaders, body: [UInt8], connection: ProviderConnection, nowMillis: Int64) throws(WebhookError) {
        guard let secret = connection.webhookSecret, !secret.isEmpty else {
            throw .credentialNotConfigured(provider: .bland, field: "webhook_secret")
        }
        guard let signature = try WebhookHeaderLookup.single(headers, "x-webhook-signature") else {
            throw .missingCredentials(provider: .bland, expected: "X-Webhook-Signature header")
        }
        try WebhookSignature.verifyHMAC(hexDigest: signature.utf8[...], key: secret, message: body, header: "X-Webhook-Signature")
    }

    public func decode(body: [UInt8]) throws(WebhookError) -> WebhookEvent {
        let root = try WebhookBody.root(body)
        // The four members in one walk (`JSONValue.members`), refusals met in the same order.
        let (eventMember, toMember, fromMember, callIDMember) = root.members("event", "to", "from", "call_id")
        if let event = try WebhookBody.member(eventMember) {
            guard event.isString("call.inbound") else { return .other(type: try WebhookBody.eventType(event, path: "event")) }
            let to = try WebhookBody.calledNumber(try WebhookBody.member(toMember), path: "to")
            let from = try WebhookBody.callerNumber(try WebhookBody.member(fromMember), path: "from")
            let callID = try WebhookBody.providerID(try WebhookBody.member(callIDMember), path: "call_id")
            return .inboundCall(InboundCall(called: .number(to), caller: from, providerCallID: callID))
        }
        guard try WebhookBody.string(root, "call_id", path: "call_id") != nil else {
            throw .invalidBody(field: "event", problem: "is missing: a Bland webhook carries \"event\" (call.inbound) or is a post-call report with \"call_id\"")
        }
        return .other(type: "post_call")
    }

    public func answer(_ route: InboundRoute) -> WebhookReply {
        var out = JSONOutput(capacity: 64)
        switch route {
        case .routed(let providerAgentID, _):
            out.raw(#"{"agent_id":"#)
            out.string(providerAgentID)
            out.raw("}")
        case .refused(let reason):
            out.raw(#"{"action":"reject","reason":"#)
            out.string(reason.code)
            out.raw("}")
        }
        return .json(out.bytes)
    }

    // MARK: API

    /// `GET /v1/inbound` with `authorization: <api key>` (no `Bearer`).
    public func listNumbersRequest(connection: ProviderConnection, cursor: String?) throws(ProviderFailure) -> ProviderRequest {
        ProviderRequest(
            method: .get,
            url: ProviderEndpoint.url(try base(connection, .listNumbers), ["v1", "inbound"]),
            headers: try ProviderEndpoint.headers(connection, bearer: false, hasBody: false, operation: .listNumbers))
    }

    /// `{"inbound_numbers":[{"phone_number",…}…]}`, one page.
    public func parseNumberPage(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> NumberPage {
        let root = try ProviderAnswer.json(response, connection, .listNumbers)
        guard let numbers = try AnswerFields.member(root, "inbound_numbers", connection), numbers.kind == .array else {
            throw ProviderAnswer.malformed(connection, .listNumbers, "expected {\"inbound_numbers\":[…]}")
        }
        return try AnswerFields.entries(numbers, connection, numberField: "phone_number", idField: nil)
    }

    /// Detach from the previous agent (if it changed), then attach to the new one.
    public func pushRequests(_ push: AssignmentPush, connection: ProviderConnection) throws(ProviderFailure) -> [ProviderRequest] {
        var requests: [ProviderRequest] = []
        if let previous = push.previousProviderAgentID, previous != push.providerAgentID {
            requests.append(try inboundRequest(agent: previous, action: "detach", number: push.number, connection))
        }
        if let agent = push.providerAgentID {
            requests.append(try inboundRequest(agent: agent, action: "attach", number: push.number, connection))
        }
        return requests
    }

    private func inboundRequest(agent: String, action: String, number: E164, _ connection: ProviderConnection) throws(ProviderFailure) -> ProviderRequest {
        try ProviderEndpoint.checkID(agent, field: "the agent's provider_agent_id", connection, .pushAssignment)
        var body = JSONOutput()
        body.raw(#"{"inbound_numbers":["#)
        body.string(number.description)
        body.raw("]}")
        return ProviderRequest(
            method: .post,
            url: ProviderEndpoint.url(try base(connection, .pushAssignment), ["v2", "agents", agent, "inbound", action]),
            headers: try ProviderEndpoint.headers(connection, bearer: false, hasBody: true, operation: .pushAssignment),
            body: body.bytes)
    }

    /// 2xx, unless the body says `"status":"error"`.
    public func checkPushResponse(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) {
        guard (200...299).contains(response.status) else { throw ProviderAnswer.failure(response, connection, .pushAssignment) }
        try BlandAdapter.refuseErrorStatus(response, connection, .pushAssignment)
    }

    public func createCallRequest(_ call: OutboundCall, connection: ProviderConnection) throws(ProviderFailure) -> ProviderRequest {
        try ProviderEndpoint.checkID(call.providerAgentID, field: "the agent's provider_agent_id", connection, .createCall)
        var body = JSONOutput()
        body.raw(#"{"phone_number":"#)
        body.string(call.to.description)
        body.raw(#","from":"#)
        body.string(call.from.description)
        body.raw(#","agent_id":"#)
        body.string(call.providerAgentID)
        body.raw(#","metadata":"#)
        body.raw(call.metadata.json)
        body.raw("}")
        return ProviderRequest(
            method: .post,
            url: ProviderEndpoint.url(try base(connection, .createCall), ["v1", "calls"]),
            headers: try ProviderEndpoint.headers(connection, bearer: false, hasBody: true, operation: .createCall),
            body: body.bytes)
    }

    /// 200 `{"status":"success","call_id":"…"}`; `"status":"error"` is a failure whatever the code.
    public func parseCreatedCall(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> CreatedCall {
        let root = try ProviderAnswer.json(response, connection, .createCall)
        guard let status = try AnswerFields.member(root, "status", connection, .createCall), status.isString("success") else {
            guard root.kind == .object, (try? root.member("status"))??.isString("error") == true else {
                throw ProviderAnswer.malformed(connection, .createCall, "expected \"status\":\"success\" with a \"call_id\"")
            }
            throw ProviderFailure(provider: .bland, operation: .createCall, kind: .refused(providerMessage: ProviderAnswer.message(in: response.body, connection)))
        }
        return CreatedCall(providerCallID: try AnswerFields.callID(root, "call_id", connection))
    }

    /// A 2xx whose JSON body says `"status":"error"` is a refusal.
    private static func refuseErrorStatus(_ response: ProviderResponse, _ connection: ProviderConnection, _ operation: ProviderOperation) throws(ProviderFailure) {
        guard let root = try? JSONDocument(validating: response.body).root, let status = (try? root.member("status")) ?? nil,
            status.isString("error")
        else { return }
        throw ProviderFailure(provider: .bland, operation: operation, kind: .refused(providerMessage: ProviderAnswer.message(in: response.body, connection)))
    }

    // MARK: Playing Bland (simulator, load test, tests)

    public func inboundCallBody(to: E164, from: String, callID: String, phoneNumberID: String, unixMillis: Int64) -> [UInt8] {
        let from = WebhookBodies.escaped(from), callID = WebhookBodies.escaped(callID)
        return Array(#"{"event":"call.inbound","call_id":"\#(callID)","to":"\#(to)","from":"\#(from)","inbound":true}"#.utf8)
    }

    public func callEndedBody(callID: String) -> [UInt8] {
        Array(#"{"call_id":"\#(WebhookBodies.escaped(callID))","status":"completed","completed":true}"#.utf8)
    }

    /// `X-Webhook-Signature: <hex HMAC-SHA256(signing secret, body)>`.
    public func signWebhook(body: [UInt8], key secret: String, unixMillis: Int64) -> [(name: String, value: String)] {
        [("X-Webhook-Signature", Crypto.hmacSHA256Hex(key: Array(secret.utf8), message: body))]
    }

    /// `{"agent_id":…}` or `{"action":"reject","reason":"<code>"}`.
    public func readAnswer(_ root: JSONValue) throws(JSONError) -> WebhookAnswer {
        guard root.kind == .object else { return .malformed("the answer is not a JSON object") }
        if let agent = try root.member("agent_id") {
            guard let agentID = WebhookAnswer.utf8(agent) else { return .malformed("agent_id is not a string") }
            return .routed(providerAgentID: agentID, switchboardAgentID: nil)
        }
        guard try root.member("action")?.isString("reject") == true else { return .malformed("neither agent_id nor action reject") }
        guard let reason = try root.member("reason").flatMap(WebhookAnswer.utf8) else { return .malformed("a reject without a reason") }
        return .refused(reason: reason)
    }
}
