public import SwitchboardCore
public import SwitchboardHTTP
public import SwitchboardPosix
import SwitchboardProviders

/// `POST /webhooks/{provider}/{account}`: the inbound hot path.
///
/// Parse → authenticate → look up → answer, on the event loop, from memory: the account and its
/// credentials from the loop's own copy (`ContextCache`), one lock for the number's shard, an
/// HMAC, and the answer in the provider's format. Nothing here waits on the network or the disk.
/// Every decision is recorded as an event and counted in the metrics.
///
/// `@unchecked Sendable`: every stored property is immutable and Sendable except `caches`, whose
/// entry `n` only event loop `n` touches (the lane of a request is its loop's index).
public final class WebhookEndpoint: @unchecked Sendable {
    let directory: Directory
    let metrics: Metrics
    let events: EventLog
    let clock: @Sendable () -> Timestamp
    private let adapters: [any ProviderAdapter] = Provider.allCases.map { ProviderAdapters.adapter(for: $0) }
    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]
    /// One per event loop, each on cache lines of its own.
    private let caches: UnsafeMutablePointer<ContextCache>
    private let loopLanes: Int

    /// An event loop's copy of the account slots and connections its webhooks used, with strings of
    /// its own. Why: every webhook read them under the index's one account lock and copied the
    /// connection out, so the two loops took turns on the lock's cache line and on the reference
    /// counts of the same strings (an atomic read-modify-write on a line the other core had just
    /// written, several a request). The copy is dropped whenever `webhookContextVersion` moved: a
    /// change to any account or connection, made before that change is acknowledged.
    private struct ContextCache {
        var version = UInt64.max
        /// Per provider: account id → slot and connection. Only found connections are kept, at
        /// most `ContextCache.limit` a provider (more are read from the index each time).
        var entries: [[String: (slot: UInt32, connection: ProviderConnection)]] = Array(repeating: [:], count: Provider.allCases.count)
        /// The usual answer's header list, this loop's own: a response copies it (a retain of its
        /// storage), which on one list shared by the loops was a line both cores wrote.
        let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]
        /// Keeps the next lane's header off this one's cache line.
        private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

        static let limit = 10_000
    }

    /// `loopLanes`: how many event loops call `handle` (lanes `0..<loopLanes`, one thread each);
    /// other lanes read the index directly.
    public init(directory: Directory, metrics: Metrics, events: EventLog, loopLanes: Int = 0, clock: @escaping @Sendable () -> Timestamp) {
        self.directory = directory
        self.metrics = metrics
        self.events = events
        self.clock = clock
        self.loopLanes = max(0, loopLanes)
        caches = .allocate(capacity: max(1, loopLanes))
        caches.initialize(repeating: ContextCache(), count: max(1, loopLanes))
    }

    deinit {
        caches.deinitialize(count: max(1, loopLanes))
        caches.deallocate()
    }

    /// `RoutingIndex.webhookContext`, through lane `lane`'s copy when it is a loop's.
    private func webhookContext(account: String, provider: Provider, lane: Int) -> (slot: UInt32, connection: ProviderConnection?)? {
        let index = directory.index
        guard lane >= 0, lane < loopLanes else { return index.webhookContext(account: account, provider: provider) }
        let cache = caches + lane
        let version = index.webhookContextVersion
        if cache.pointee.version != version {
            cache.pointee.entries = Array(repeating: [:], count: Provider.allCases.count)
            cache.pointee.version = version
        }
        let providerIndex = Int(provider.rawValue)
        if let hit = cache.pointee.entries[providerIndex][account] { return (hit.slot, hit.connection) }
        // Read after the version: a change in between makes the next request refill (never stale).
        guard let found = index.webhookContext(account: account, provider: provider) else { return nil }
        if let connection = found.connection, cache.pointee.entries[providerIndex].count < ContextCache.limit {
            cache.pointee.entries[providerIndex][String(decoding: Array(account.utf8), as: UTF8.self)] = (found.slot, connection.unshared())
        }
        return found
    }

    /// Whether `target` is a webhook path (`/webhooks/…`).
    static func matches(_ target: String) -> Bool {
        target.utf8.starts(with: "/webhooks/".utf8)
    }

    /// Answers one webhook request; `lane` is the caller's metrics lane, `started` its arrival
    /// (`Metrics.now()`).
    public func handle(_ request: HTTPRequest, lane: Int, started: UInt64) -> HandlerResult {
        let reply = answer(request, lane: lane, started: started)
        switch reply {
        case .now(let response):
            metrics.recordRequest(route: Route.webhookMetricIndex, status: response.status.code, started: started, lane: lane)
            return .respond(response)
        case .later(let work):
            let offloadLane = Int.max  // counts in the last lane: the offload pool's
            return .deferred { writer in
                let response = work()
                self.metrics.recordRequest(route: Route.webhookMetricIndex, status: response.status.code, started: started, lane: offloadLane)
                _ = writer.respond(response)
            }
        }
    }

    private enum Reply {
        case now(HTTPResponse)
        /// Work that takes the writer lock (the Vapi fallback): off the loop.
        case later(@Sendable () -> HTTPResponse)
    }

    private func answer(_ request: HTTPRequest, lane: Int, started: UInt64) -> Reply {
        guard let (providerName, account) = WebhookEndpoint.pathParts(request.target) else {
            return .now(.error(status: 404, code: "not_found", message: "webhook URLs are /webhooks/{provider}/{account}"))
        }
        guard request.method == "POST" else {
            var response = HTTPResponse.error(status: 405, code: "method_not_allowed", message: "\(request.method) is not allowed here: providers POST webhooks")
            response.headers.append(name: "Allow", value: "POST")
            return .now(response)
        }
        guard let provider = Provider(name: providerName) else {
            return .now(.error(status: 404, code: "unknown_provider", message: "'\(providerName)' is not a provider: use \(Provider.accepted)"))
        }
        guard let context = webhookContext(account: account, provider: provider, lane: lane) else {
            metrics.recordWebhook(provider, .rejectedUnknownAccount, lane: lane)
            return .now(.error(status: 404, code: "unknown_account", message: "account '\(account.prefix(64))' does not exist: check the webhook URL configured at \(provider)"))
        }
        guard let connection = context.connection else {
            metrics.recordWebhook(provider, .rejectedUnknownAccount, lane: lane)
            return .now(.error(status: 404, code: "unknown_provider", message: "\(provider) is not connected to account '\(account)': PUT /v1/accounts/\(account)/providers/\(provider) first"))
        }
        let adapter = adapters[Int(provider.rawValue)]
        // One reading of the wall clock serves the signature's timestamp check and the event's time.
        let nowMillis = clock().milliseconds
        let event: WebhookEvent
        do {
            event = try adapter.receive(headers: request.headers, body: request.body, connection: connection, nowMillis: nowMillis)
        } catch {
            metrics.recordWebhook(provider, WebhookOutcome(error), lane: lane)
            return .now(.error(status: HTTPStatus(code: error.httpStatus), code: error.code, message: error.message))
        }
        guard case .inboundCall(let call) = event else {
            metrics.recordWebhook(provider, .acknowledged, lane: lane)
            return .now(HTTPResponse(status: 204))
        }
        switch call.called {
        case .number(let number):
            return .now(route(number, slot: context.slot, provider: provider, adapter: adapter, lane: lane, started: started, at: nowMillis))
        case .providerNumberID(let id):
            let accountID = connection.account
            return .later {
                let number = self.directory.number(account: accountID, provider: provider, providerNumberID: id)
                return self.route(number, slot: context.slot, provider: provider, adapter: adapter, lane: Int.max, started: started, at: self.clock().milliseconds)
            }
        }
    }

    /// Rule 6 through the index, answered in the provider's format, recorded and counted.
    private func route(
        _ number: E164?, slot: UInt32, provider: Provider, adapter: any ProviderAdapter, lane: Int, started: UInt64, at: Int64
    ) -> HTTPResponse {
        let decision: InboundDecision = number.map { directory.index.inbound($0, account: slot, provider: provider) } ?? .refused(.unknownNumber)
        let reply = adapter.answer(InboundRoute(decision))
        let micros = UInt32(clamping: (Metrics.now() &- started) / 1000)
        switch decision {
        case .routed(let agent):
            metrics.recordWebhook(provider, .routed, lane: lane)
            events.record(
                RoutingEvent(at: at, direction: .inbound, provider: provider, number: number, agentID: agent.id, reason: nil, micros: micros),
                accountSlot: slot, lane: lane)
        case .refused(let refusal):
            metrics.recordWebhook(provider, WebhookOutcome(refusal), lane: lane)
            events.record(
                RoutingEvent(at: at, direction: .inbound, provider: provider, number: number, agentID: nil, reason: refusal.code, micros: micros),
                accountSlot: slot, lane: lane)
        }
        var headers = HTTPHeaders()
        if let contentType = reply.contentType {
            // The usual answer shares a prebuilt header list, the loop's own (a copy allocates nothing).
            if contentType == "application/json" {
                headers = lane >= 0 && lane < loopLanes ? caches[lane].jsonHeaders : WebhookEndpoint.jsonHeaders
            } else {
                headers.append(name: "Content-Type", value: contentType)
            }
        }
        return HTTPResponse(status: HTTPStatus(code: reply.status), headers: headers, body: reply.body)
    }

    /// `provider` and `account` of `/webhooks/{provider}/{account}` (a query string is ignored);
    /// nil for any other shape. Ids need no %-decoding (they are letters, digits, `_ . -`), so an
    /// escaped path simply names no account.
    static func pathParts(_ target: String) -> (provider: Substring, account: String)? {
        // One pass over the bytes: "/webhooks/" then two non-empty segments, nothing after but a query.
        let utf8 = target.utf8
        let prefix = "/webhooks/".utf8
        guard utf8.starts(with: prefix) else { return nil }
        let providerStart = utf8.index(utf8.startIndex, offsetBy: prefix.count)
        guard let slash = utf8[providerStart...].firstIndex(of: UInt8(ascii: "/")), slash > providerStart else { return nil }
        let accountStart = utf8.index(after: slash)
        let accountEnd = utf8[accountStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? utf8.endIndex
        guard accountEnd > accountStart, accountEnd == utf8.endIndex || utf8[accountEnd] == UInt8(ascii: "?") else { return nil }
        return (Substring(target[providerStart..<slash]), String(target[accountStart..<accountEnd]))
    }
}

extension WebhookOutcome {
    init(_ error: WebhookError) {
        switch error.httpStatus {
        case 401: self = .rejectedUnauthorized
        case 415: self = .rejectedMediaType
        default: self = .rejectedMalformed
        }
    }
}
