public import SwitchboardCore
public import SwitchboardHTTP
import SwitchboardCrypto

// OUR CHOICE (Vapi; where providers.md leaves it open, decided here and listed in the README):
// - Authentication is picked by the header the request carries, in this order: `x-vapi-signature`
//   (hex HMAC-SHA256(webhook secret, body), or of "<x-vapi-timestamp>.<body>" when that header is
//   present, with the 5-minute tolerance), else `x-vapi-secret` equal to the webhook secret, else
//   `Authorization: Bearer <webhook secret>`. All three use the connection's `webhook_secret`.
// - `x-vapi-timestamp` is Unix milliseconds; a value below 10^11 is read as seconds (10^11 ms is
//   1973, 10^11 s is the year 5138), in case Vapi sends seconds. The signed text is the header as sent.
// - The called number is `message.phoneNumber.number`; only when that is absent or null do we
//   fall back to `message.call.phoneNumberId` (a number that is present but not E.164 is an error).
// - Refusals answer `{"error":…}` with a sentence per reason (`refusalSentence`).
// - Listing pages by `createdAtGt=<greatest createdAt of the page>` while a page comes back full
//   (1000 entries); entries without a `number` (SIP) are skipped and reported.
// - Any 2xx with an `id` counts as a created call (the docs say 201).
// - Message types other than `assistant-request` are acknowledged with 204.

/// Vapi (providers.md, "Vapi").
public struct VapiAdapter: ProviderAdapter {
    public init() {}

    public var provider: Provider { .vapi }
    public var defaultBaseURL: String { "https://api.vapi.ai" }

    /// The listing's page size; a page this full means there may be more.
    static let pageLimit = 1000

    /// What the caller hears when the call is refused.
    public static func refusalSentence(_ reason: InboundRefusal) -> String {
        switch reason {
        case .unknownNumber: "This number is not in service."
        case .numberInactive: "This number is no longer in service."
        case .unassigned: "No one is available to take calls at this number."
        case .agentInactive: "The agent for this number is not available right now. Please call again later."
        }
    }

    // MARK: Webhooks

    public func authenticate(headers: HTTPHeaders, body: [UInt8], connection: ProviderConnection, nowMillis: Int64) throws(WebhookError) {
        guard let secret = connection.webhookSecret, !secret.isEmpty else {
            throw .credentialNotConfigured(provider: .vapi, field: "webhook_secret")
        }
        if let signature = try WebhookHeaderLookup.single(headers, "x-vapi-signature") {
            guard let timestamp = try WebhookHeaderLookup.single(headers, "x-vapi-timestamp") else {
                try WebhookSignature.verifyHMAC(hexDigest: signature.utf8[...], key: secret, message: body, header: "x-vapi-signature")
                return
            }
            var millis = try WebhookTimestamp.parseMillis(timestamp.utf8[...], header: "x-vapi-timestamp")
            if millis < 100_000_000_000 { millis *= 1000 }
            try WebhookTimestamp.check(millis, nowMillis: nowMillis, header: "x-vapi-timestamp")
            // The signed message is "<timestamp>.<body>".
            try WebhookSignature.verifyHMAC(hexDigest: signature.utf8[...], key: secret, header: "x-vapi-signature") { mac in
                mac.update(timestamp.utf8)
                mac.update(CollectionOfOne(UInt8(ascii: ".")))
                mac.update(body)
            }
        } else if let shared = try WebhookHeaderLookup.single(headers, "x-vapi-secret") {
            try WebhookSignature.verifySecret(Substring(shared), secret: secret, header: "x-vapi-secret")
        } else if let authorization = try WebhookHeaderLookup.single(headers, "authorization") {
            // RFC 9110 §11.1: the scheme is case-insensitive.
            guard authorization.utf8.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
                throw .malformedCredentials(header: "Authorization", problem: "expected Bearer <token>")
            }
            try WebhookSignature.verifySecret(authorization.dropFirst(7), secret: secret, header: "Authorization")
        } else {
            throw .missingCredentials(provider: .vapi, expected: "x-vapi-signature, x-vapi-secret or Authorization: Bearer header")
        }
    }

    /// `{"message":{"type":"assistant-request","phoneNumber":{"number"},"call":{…},"customer":{…}}}`.
    public func decode(body: [UInt8]) throws(WebhookError) -> WebhookEvent {
        let root = try WebhookBody.root(body)
        guard let message = try WebhookBody.object(root, "message", path: "message") else {
            throw .invalidBody(field: "message", problem: "is missing: a Vapi server message is {\"message\":{\"type\":…}}")
        }
        // The message's members in one walk (`JSONValue.members`: the call object is large, and a
        // walk per name read it four times), refusals met in the same order as one look-up each.
        let (typeMember, callMember, customerMember, phoneNumberMember) = message.members("type", "call", "customer", "phoneNumber")
        guard let type = try WebhookBody.member(typeMember) else {
            throw .invalidBody(field: "message.type", problem: "is missing: it names the message (e.g. assistant-request)")
        }
        guard type.isString("assistant-request") else { return .other(type: try WebhookBody.eventType(type, path: "message.type")) }

        let call = try WebhookBody.object(callMember, path: "message.call")
        let (idMember, phoneNumberIDMember) = call?.members("id", "phoneNumberId") ?? (.success(nil), .success(nil))
        let callID = try WebhookBody.providerID(WebhookBody.member(idMember), path: "message.call.id")
        let customer = try WebhookBody.object(customerMember, path: "message.customer")
        let caller = try WebhookBody.callerNumber(
            WebhookBody.member(in: customer, "number"), path: "message.customer.number")

        let phoneNumber = try WebhookBody.object(phoneNumberMember, path: "message.phoneNumber")
        if let number = try WebhookBody.member(in: phoneNumber, "number") {
            let called = try WebhookBody.calledNumber(number, path: "message.phoneNumber.number")
            return .inboundCall(InboundCall(called: .number(called), caller: caller, providerCallID: callID))
        }
        let numberID = try WebhookBody.providerID(WebhookBody.member(phoneNumberIDMember), path: "message.call.phoneNumberId")
        guard let numberID else {
            throw .invalidBody(
                field: "message.phoneNumber.number",
                problem: "is missing, and so is message.call.phoneNumberId: an assistant-request must name the called number")
        }
        return .inboundCall(InboundCall(called: .providerNumberID(numberID), caller: caller, providerCallID: callID))
    }

    public func answer(_ route: InboundRoute) -> WebhookReply {
        var out = JSONOutput(capacity: 96)
        switch route {
        case .routed(let providerAgentID, _):
            out.raw(#"{"assistantId":"#)
            out.string(providerAgentID)
        case .refused(let reason):
            out.raw(#"{"error":"#)
            out.string(VapiAdapter.refusalSentence(reason))
        }
        out.raw("}")
        return .json(out.bytes)
    }

    // MARK: API

    public func listNumbersRequest(connection: ProviderConnection, cursor: String?) throws(ProviderFailure) -> ProviderRequest {
        var query = [("limit", String(VapiAdapter.pageLimit))]
        if let cursor { query.append(("createdAtGt", cursor)) }
        return ProviderRequest(
            method: .get,
            url: ProviderEndpoint.url(try base(connection, .listNumbers), ["phone-number"], query: query),
            headers: try ProviderEndpoint.headers(connection, bearer: true, hasBody: false, operation: .listNumbers))
    }

    /// A bare array of `{"id","number","createdAt",…}`.
    public func parseNumberPage(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> NumberPage {
        let root = try ProviderAnswer.json(response, connection, .listNumbers)
        guard root.kind == .array else {
            throw ProviderAnswer.malformed(connection, .listNumbers, "expected a JSON array of phone numbers")
        }
        var page = try AnswerFields.entries(root, connection, numberField: "number", idField: "id")
        let entries = root.elements
        guard entries.count >= VapiAdapter.pageLimit else { return page }
        // A full page: the next one starts after the newest creation time seen. ISO 8601 times in
        // one format order as strings.
        var newest: String?
        for (position, entry) in entries.enumerated() {
            guard let value = try AnswerFields.member(entry, "createdAt", connection), let text = value.string, !text.isEmpty else {
                throw ProviderAnswer.malformed(connection, .listNumbers, "entry \(position) of a full page has no \"createdAt\" to page by")
            }
            if newest.map({ text > $0 }) ?? true { newest = text }
        }
        page.nextCursor = newest
        return page
    }

    /// `PATCH /phone-number/{id}` `{"assistantId":…|null}`.
    public func pushRequests(_ push: AssignmentPush, connection: ProviderConnection) throws(ProviderFailure) -> [ProviderRequest] {
        try ProviderEndpoint.checkID(push.providerNumberID, field: "the number's provider_number_id", connection, .pushAssignment)
        if let agent = push.providerAgentID { try ProviderEndpoint.checkID(agent, field: "the agent's provider_agent_id", connection, .pushAssignment) }
        var body = JSONOutput()
        body.raw(#"{"assistantId":"#)
        body.stringOrNull(push.providerAgentID)
        body.raw("}")
        return [
            ProviderRequest(
                method: .patch,
                url: ProviderEndpoint.url(try base(connection, .pushAssignment), ["phone-number", push.providerNumberID]),
                headers: try ProviderEndpoint.headers(connection, bearer: true, hasBody: true, operation: .pushAssignment),
                body: body.bytes)
        ]
    }

    public func createCallRequest(_ call: OutboundCall, connection: ProviderConnection) throws(ProviderFailure) -> ProviderRequest {
        try ProviderEndpoint.checkID(call.providerAgentID, field: "the agent's provider_agent_id", connection, .createCall)
        try ProviderEndpoint.checkID(call.fromProviderNumberID, field: "the caller ID's provider_number_id", connection, .createCall)
        var body = JSONOutput()
        body.raw(#"{"assistantId":"#)
        body.string(call.providerAgentID)
        body.raw(#","phoneNumberId":"#)
        body.string(call.fromProviderNumberID)
        body.raw(#","customer":{"number":"#)
        body.string(call.to.description)
        body.raw(#"},"metadata":"#)
        body.raw(call.metadata.json)
        body.raw("}")
        return ProviderRequest(
            method: .post,
            url: ProviderEndpoint.url(try base(connection, .createCall), ["call"]),
            headers: try ProviderEndpoint.headers(connection, bearer: true, hasBody: true, operation: .createCall),
            body: body.bytes)
    }

    /// 201 `{"id":"…","status":"queued",…}`.
    public func parseCreatedCall(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> CreatedCall {
        let root = try ProviderAnswer.json(response, connection, .createCall)
        return CreatedCall(providerCallID: try AnswerFields.callID(root, "id", connection))
    }

    // MARK: Playing Vapi (simulator, load test, tests)

    /// How a Vapi server URL authenticates its requests (providers.md: three schemes).
    public enum Scheme: Sendable {
        case sharedSecret
        case bearer
        case hmac(timestamped: Bool)
    }

    public func inboundCallBody(to: E164, from: String, callID: String, phoneNumberID: String, unixMillis: Int64) -> [UInt8] {
        let from = WebhookBodies.escaped(from), callID = WebhookBodies.escaped(callID), phoneNumberID = WebhookBodies.escaped(phoneNumberID)
        return Array(
            (#"{"message":{"type":"assistant-request","call":{"id":"\#(callID)","type":"inboundPhoneCall","phoneNumberId":"\#(phoneNumberID)"},"#
                + #""phoneNumber":{"id":"\#(phoneNumberID)","number":"\#(to)"},"customer":{"number":"\#(from)"},"timestamp":\#(unixMillis)}}"#).utf8)
    }

    public func callEndedBody(callID: String) -> [UInt8] {
        Array(#"{"message":{"type":"end-of-call-report","call":{"id":"\#(WebhookBodies.escaped(callID))"},"endedReason":"customer-ended-call"}}"#.utf8)
    }

    /// The usual scheme: the timestamped HMAC credential.
    public func signWebhook(body: [UInt8], key secret: String, unixMillis: Int64) -> [(name: String, value: String)] {
        VapiAdapter.sign(body: body, secret: secret, scheme: .hmac(timestamped: true), unixMillis: unixMillis)
    }

    /// `x-vapi-signature: <hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with `x-vapi-timestamp`,
    /// or over the body alone; or the secret itself in `x-vapi-secret` or `Authorization: Bearer`.
    public static func sign(body: [UInt8], secret: String, scheme: Scheme, unixMillis: Int64) -> [(name: String, value: String)] {
        switch scheme {
        case .sharedSecret:
            return [("x-vapi-secret", secret)]
        case .bearer:
            return [("Authorization", "Bearer \(secret)")]
        case .hmac(let timestamped):
            guard timestamped else {
                return [("x-vapi-signature", Crypto.hmacSHA256Hex(key: Array(secret.utf8), message: body))]
            }
            let timestamp = String(unixMillis)
            let digest = Crypto.hmacSHA256Hex(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body)
            return [("x-vapi-signature", digest), ("x-vapi-timestamp", timestamp)]
        }
    }

    /// `{"assistantId":…}` or `{"error":"<sentence>"}`.
    public func readAnswer(_ root: JSONValue) throws(JSONError) -> WebhookAnswer {
        guard root.kind == .object else { return .malformed("the answer is not a JSON object") }
        if let assistant = try root.member("assistantId") {
            guard let agentID = WebhookAnswer.utf8(assistant) else { return .malformed("assistantId is not a string") }
            return .routed(providerAgentID: agentID, switchboardAgentID: nil)
        }
        guard let error = try root.member("error"), let sentence = WebhookAnswer.utf8(error), !sentence.isEmpty else {
            return .malformed("neither assistantId nor an error sentence")
        }
        return .refused(reason: nil)
    }
}
