public import SwitchboardCore
public import SwitchboardHTTP
import SwitchboardCrypto

// OUR CHOICE (Retell; where providers.md leaves it open, decided here and listed in the README):
// - Refusing a call answers `{"call_inbound":{}}`: no override, so Retell falls back to the
//   number's own inbound agent, which push keeps in step (cleared on unassign).
// - Webhooks are verified with the connection's API key (as Retell's SDK `verify` does); a
//   `webhook_secret` on a Retell connection is not used.
// - The signature header must be exactly `v=<ms>,d=<64 hex>`; the timestamp is Unix milliseconds.
// - The listing accepts both `{"items":[…],"pagination_key":…}` and a bare array (older accounts);
//   an empty `pagination_key` is refused as malformed rather than read as "the end".
// - A push sets both `inbound_agent_id` and `outbound_agent_id` to the agent (null to unassign).
// - Outbound calls send `metadata` only; `retell_llm_dynamic_variables` is not sent.
// - Any 2xx with a `call_id` counts as created (the docs say 201).
// - Events other than `call_inbound` (`call_started`, `call_ended`, `call_analyzed`, and any
//   added later) are acknowledged with 204.

/// Retell AI (providers.md, "Retell AI").
public struct RetellAdapter: ProviderAdapter {
    public init() {}

    public var provider: Provider { .retell }
    public var defaultBaseURL: String { "https://api.retellai.com" }

    /// The listing's page size.
    static let pageLimit = 1000

    // MARK: Webhooks

    /// `x-retell-signature: v=<ms>,d=<hex>`, hex = HMAC-SHA256(API key, body ‖ decimal ms).
    public func authenticate(headers: HTTPHeaders, body: [UInt8], connection: ProviderConnection, nowMillis: Int64) throws(WebhookError) {
        guard !connection.apiKey.isEmpty else { throw .credentialNotConfigured(provider: .retell, field: "api_key") }
        // `v=<digits>,d=<hex>`, read over the header's bytes: no String is made for it.
        try headers.withSingle(lowercaseName: "x-retell-signature") { found throws(WebhookError) in
            let header: UnsafeBufferPointer<UInt8>
            switch found {
            case .absent: throw .missingCredentials(provider: .retell, expected: "x-retell-signature header")
            case .repeated: throw .malformedCredentials(header: "x-retell-signature", problem: "it appears more than once; send it once")
            case .one(let bytes): header = bytes
            }
            let shape = "expected v=<unix time in ms>,d=<64 hex digits>"
            guard header.count > 2, header[0] == UInt8(ascii: "v"), header[1] == UInt8(ascii: "="),
                let comma = header.firstIndex(of: UInt8(ascii: ","))
            else { throw .malformedCredentials(header: "x-retell-signature", problem: shape) }
            let timestamp = UnsafeBufferPointer(rebasing: header[2..<comma])
            let digest = UnsafeBufferPointer(rebasing: header[(comma + 1)...])
            guard digest.count >= 2, digest[0] == UInt8(ascii: "d"), digest[1] == UInt8(ascii: "=") else {
                throw .malformedCredentials(header: "x-retell-signature", problem: shape)
            }
            let millis = try WebhookTimestamp.parseMillis(timestamp, header: "x-retell-signature")
            try WebhookTimestamp.check(millis, nowMillis: nowMillis, header: "x-retell-signature")
            // The signed message is the body followed by the decimal timestamp.
            try WebhookSignature.verifyHMAC(
                hexDigest: UnsafeBufferPointer(rebasing: digest[2...]), key: connection.apiKey, header: "x-retell-signature"
            ) { mac in
                mac.update(body)
                mac.update(UnsafeRawBufferPointer(timestamp))
            }
        }
    }

    /// `{"event":"call_inbound","call_inbound":{"to_number","from_number",…}}`, or another event.
    public func decode(body: [UInt8]) throws(WebhookError) -> WebhookEvent {
        let root = try WebhookBody.root(body)
        // Each object's members in one walk (`JSONValue.members`), refusals met in the same order.
        let (eventMember, callMember) = root.members("event", "call_inbound")
        guard let event = try WebhookBody.member(eventMember) else {
            throw .invalidBody(field: "event", problem: "is missing: a Retell webhook carries \"event\" (e.g. call_inbound)")
        }
        guard event.isString("call_inbound") else { return .other(type: try WebhookBody.eventType(event, path: "event")) }
        guard let call = try WebhookBody.object(callMember, path: "call_inbound") else {
            throw .invalidBody(field: "call_inbound", problem: "is missing: a call_inbound event carries {\"call_inbound\":{\"to_number\":…}}")
        }
        let (toMember, fromMember) = call.members("to_number", "from_number")
        let to = try WebhookBody.calledNumber(try WebhookBody.member(toMember), path: "call_inbound.to_number")
        let from = try WebhookBody.callerNumber(try WebhookBody.member(fromMember), path: "call_inbound.from_number")
        return .inboundCall(InboundCall(called: .number(to), caller: from))
    }

    public func answer(_ route: InboundRoute) -> WebhookReply {
        switch route {
        case .routed(let providerAgentID, let agentID):
            var out = JSONOutput(capacity: 96 + providerAgentID.utf8.count + agentID.value.utf8.count)
            out.raw(#"{"call_inbound":{"override_agent_id":"#)
            out.string(providerAgentID)
            out.raw(#","metadata":{"switchboard_agent_id":"#)
            out.string(agentID.value)
            out.raw("}}}")
            return .json(out.bytes)
        case .refused:
            return .json(Array(#"{"call_inbound":{}}"#.utf8))
        }
    }

    // MARK: API

    public func listNumbersRequest(connection: ProviderConnection, cursor: String?) throws(ProviderFailure) -> ProviderRequest {
        var query = [("limit", String(RetellAdapter.pageLimit))]
        if let cursor { query.append(("pagination_key", cursor)) }
        return ProviderRequest(
            method: .get,
            url: ProviderEndpoint.url(try base(connection, .listNumbers), ["v2", "list-phone-numbers"], query: query),
            headers: try ProviderEndpoint.headers(connection, bearer: true, hasBody: false, operation: .listNumbers))
    }

    public func parseNumberPage(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> NumberPage {
        let root = try ProviderAnswer.json(response, connection, .listNumbers)
        var page: NumberPage
        switch root.kind {
        case .array:
            page = try AnswerFields.entries(root, connection, numberField: "phone_number", idField: nil)
        case .object:
            guard let items = try AnswerFields.member(root, "items", connection), items.kind == .array else {
                throw ProviderAnswer.malformed(connection, .listNumbers, "expected \"items\" to be an array of phone numbers")
            }
            page = try AnswerFields.entries(items, connection, numberField: "phone_number", idField: nil)
            page.nextCursor = try AnswerFields.cursor(root, "pagination_key", connection)
        default:
            throw ProviderAnswer.malformed(connection, .listNumbers, "expected an object with \"items\" or an array")
        }
        return page
    }

    /// `PATCH /update-phone-number/{E.164}` with both agent ids (null to unassign).
    public func pushRequests(_ push: AssignmentPush, connection: ProviderConnection) throws(ProviderFailure) -> [ProviderRequest] {
        if let agent = push.providerAgentID { try ProviderEndpoint.checkID(agent, field: "the agent's provider_agent_id", connection, .pushAssignment) }
        var body = JSONOutput()
        body.raw(#"{"inbound_agent_id":"#)
        body.stringOrNull(push.providerAgentID)
        body.raw(#","outbound_agent_id":"#)
        body.stringOrNull(push.providerAgentID)
        body.raw("}")
        return [
            ProviderRequest(
                method: .patch,
                url: ProviderEndpoint.url(try base(connection, .pushAssignment), ["update-phone-number", push.number.description]),
                headers: try ProviderEndpoint.headers(connection, bearer: true, hasBody: true, operation: .pushAssignment),
                body: body.bytes)
        ]
    }

    public func createCallRequest(_ call: OutboundCall, connection: ProviderConnection) throws(ProviderFailure) -> ProviderRequest {
        try ProviderEndpoint.checkID(call.providerAgentID, field: "the agent's provider_agent_id", connection, .createCall)
        var body = JSONOutput()
        body.raw(#"{"from_number":"#)
        body.string(call.from.description)
        body.raw(#","to_number":"#)
        body.string(call.to.description)
        body.raw(#","override_agent_id":"#)
        body.string(call.providerAgentID)
        body.raw(#","metadata":"#)
        body.raw(call.metadata.json)
        body.raw("}")
        return ProviderRequest(
            method: .post,
            url: ProviderEndpoint.url(try base(connection, .createCall), ["v2", "create-phone-call"]),
            headers: try ProviderEndpoint.headers(connection, bearer: true, hasBody: true, operation: .createCall),
            body: body.bytes)
    }

    /// 201 `{"call_id":"…",…}`.
    public func parseCreatedCall(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> CreatedCall {
        let root = try ProviderAnswer.json(response, connection, .createCall)
        return CreatedCall(providerCallID: try AnswerFields.callID(root, "call_id", connection))
    }

    // MARK: Playing Retell (simulator, load test, tests)

    public func inboundCallBody(to: E164, from: String, callID: String, phoneNumberID: String, unixMillis: Int64) -> [UInt8] {
        Array(#"{"event":"call_inbound","call_inbound":{"from_number":"\#(WebhookBodies.escaped(from))","to_number":"\#(to)"}}"#.utf8)
    }

    public func callEndedBody(callID: String) -> [UInt8] {
        Array(#"{"event":"call_ended","call":{"call_id":"\#(WebhookBodies.escaped(callID))","call_status":"ended"}}"#.utf8)
    }

    /// `x-retell-signature: v=<unix ms>,d=<hex HMAC-SHA256(API key, body ‖ decimal ms)>`.
    public func signWebhook(body: [UInt8], key apiKey: String, unixMillis: Int64) -> [(name: String, value: String)] {
        let timestamp = String(unixMillis)
        let digest = Crypto.hmacSHA256Hex(key: Array(apiKey.utf8), message: body + Array(timestamp.utf8))
        return [("x-retell-signature", "v=\(timestamp),d=\(digest)")]
    }

    /// `{"call_inbound":{"override_agent_id":…,"metadata":{"switchboard_agent_id":…}}}` or `{"call_inbound":{}}`.
    public func readAnswer(_ root: JSONValue) throws(JSONError) -> WebhookAnswer {
        guard root.kind == .object else { return .malformed("the answer is not a JSON object") }
        guard let call = try root.member("call_inbound"), call.kind == .object else { return .malformed("no call_inbound object") }
        guard let override = try call.member("override_agent_id") else { return .refused(reason: nil) }
        guard let agentID = WebhookAnswer.utf8(override) else { return .malformed("override_agent_id is not a string") }
        let ours = (try call.member("metadata")?.member("switchboard_agent_id")).flatMap(WebhookAnswer.utf8)
        return .routed(providerAgentID: agentID, switchboardAgentID: ours)
    }
}
