public import SwitchboardCore
public import SwitchboardHTTP

/// Everything Switchboard says to and hears from one voice provider, as pure functions: no
/// sockets, no clocks, no state. A new provider is one new file with a type conforming to this,
/// plus its case in `Provider` (SwitchboardCore: names and journal codes) and its line in
/// `ProviderAdapters.adapter(for:)`. Only the simulator, which plays the provider's API, wants a
/// file of its own for it.
///
/// The webhook half (`authenticate`, `decode`, `answer`) is the inbound hot path: synchronous,
/// no I/O, no locks. The API half builds `ProviderRequest`s and reads `ProviderResponse`s; a
/// `ProviderTransport` sends them (see `ProviderClient`).
public protocol ProviderAdapter: Sendable {
    var provider: Provider { get }

    /// The provider's public API base URL, used when the connection sets no `base_url`.
    var defaultBaseURL: String { get }

    /// Refuses a webhook whose credentials do not check out against `connection` at `nowMillis`
    /// (Unix time in ms, for timestamp tolerance).
    func authenticate(headers: HTTPHeaders, body: [UInt8], connection: ProviderConnection, nowMillis: Int64) throws(WebhookError)

    /// The event in a webhook body, or why the body is not this provider's format.
    func decode(body: [UInt8]) throws(WebhookError) -> WebhookEvent

    /// The answer to an inbound call in this provider's format.
    func answer(_ route: InboundRoute) -> WebhookReply

    /// The request for one page of the number listing: the first when `cursor` is nil, else the
    /// page after the one that gave `cursor`.
    func listNumbersRequest(connection: ProviderConnection, cursor: String?) throws(ProviderFailure) -> ProviderRequest

    /// One page of the listing, parsed; entries that are not E.164 are skipped and reported.
    func parseNumberPage(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> NumberPage

    /// The requests that mirror an assignment change at the provider, in the order to send them
    /// (empty when there is nothing to change).
    func pushRequests(_ push: AssignmentPush, connection: ProviderConnection) throws(ProviderFailure) -> [ProviderRequest]

    /// Refuses an answer to a push request that is not success.
    func checkPushResponse(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure)

    /// The request that creates an outbound call.
    func createCallRequest(_ call: OutboundCall, connection: ProviderConnection) throws(ProviderFailure) -> ProviderRequest

    /// The created call, or why the provider did not create it.
    func parseCreatedCall(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) -> CreatedCall

    // Playing the provider: what the simulator, the load-test harness and the tests send as this
    // provider, and how the provider reads our answer. The router never calls these.

    /// The body this provider posts for an inbound call to `to` from `from`. `callID` and
    /// `phoneNumberID` are the provider's own ids; `unixMillis` is a message timestamp where the
    /// format carries one. Field order and spacing follow the documented examples.
    func inboundCallBody(to: E164, from: String, callID: String, phoneNumberID: String, unixMillis: Int64) -> [UInt8]

    /// A webhook that is not an inbound call (the call ended), which the router acknowledges.
    func callEndedBody(callID: String) -> [UInt8]

    /// The headers that authenticate `body` as this provider sends it at `unixMillis`, with `key`:
    /// the credential `authenticate` checks (Retell's API key, Vapi's and Bland's webhook secret).
    func signWebhook(body: [UInt8], key: String, unixMillis: Int64) -> [(name: String, value: String)]

    /// Our answer to an inbound call as the provider reads it (the load test checks each one).
    func readAnswer(_ root: JSONValue) throws(JSONError) -> WebhookAnswer
}

extension ProviderAdapter {
    /// The whole check of an incoming webhook, in order: Content-Type (415), credentials (401),
    /// body (400). Returns the event to route or acknowledge.
    public func receive(headers: HTTPHeaders, body: [UInt8], connection: ProviderConnection, nowMillis: Int64) throws(WebhookError) -> WebhookEvent {
        try WebhookHeaderLookup.checkContentType(headers)
        try authenticate(headers: headers, body: body, connection: connection, nowMillis: nowMillis)
        return try decode(body: body)
    }

    /// Any 2xx is success; the body is not read (providers echo the number, which we do not need).
    public func checkPushResponse(_ response: ProviderResponse, connection: ProviderConnection) throws(ProviderFailure) {
        guard (200...299).contains(response.status) else { throw ProviderAnswer.failure(response, connection, .pushAssignment) }
    }

    /// The base URL for `connection`, checked.
    func base(_ connection: ProviderConnection, _ operation: ProviderOperation) throws(ProviderFailure) -> String {
        try ProviderEndpoint.baseURL(connection, default: defaultBaseURL, operation: operation)
    }
}

/// The adapters, by provider.
public enum ProviderAdapters {
    public static func adapter(for provider: Provider) -> any ProviderAdapter {
        switch provider {
        case .retell: RetellAdapter()
        case .vapi: VapiAdapter()
        case .bland: BlandAdapter()
        }
    }
}
