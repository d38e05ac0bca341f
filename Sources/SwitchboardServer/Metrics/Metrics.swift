import SwitchboardCore
public import SwitchboardPosix

#if canImport(Glibc)
import Glibc
#endif

/// Counters and histograms for `GET /metrics` (Prometheus text format 0.0.4).
///
/// Recording is on the hot path (every request, every webhook), so it takes no lock and allocates
/// nothing: each series is a slot of a `CounterArray` found by arithmetic on small enums. Only the
/// scrape builds strings.
public final class Metrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
    static let bucketNanos: [UInt64] = buckets.map { UInt64(($0 * 1e9).rounded()) }
    /// The statuses the server answers with, each its own series; anything else counts as "other".
    static let statuses: [Int] = [200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 431, 500, 501, 502, 503, 504]

    private static let statusSlots = statuses.count + 1
    private static let requestBase = 0
    private static let latencyBase = requestBase + Route.patterns.count * statusSlots
    /// Buckets, then +Inf, then the sum in nanoseconds, then the count.
    private static let latencySlots = buckets.count + 3
    private static let webhookBase = latencyBase + latencySlots
    private static let counterCount = webhookBase + Provider.allCases.count * WebhookOutcome.allCases.count

    private let counters: CounterArray
    /// Gauges read at scrape time (connections, journal bytes): name → (help, reader).
    private let gauges = Locked<[(name: String, help: String, read: @Sendable () -> Double)]>([])
    /// The HTTP server's own counters, read at scrape time: what it refused or closed before any
    /// route saw a request, which the per-route counters cannot include.
    private let httpStatistics = Locked<(@Sendable () -> HTTPServer.Statistics)?>(nil)
    /// The statuses the HTTP layer answers by itself, each always present in
    /// `switchboard_http_refused_total` (zero or not): the parser's refusals, 408, and 503 over the
    /// connection cap.
    static let refusedStatuses = [400, 408, 413, 414, 431, 501, 503, 505]

    /// `lanes`: one per event loop, plus one for work off the loops (see `CounterArray`).
    public init(lanes: Int = 1) {
        counters = CounterArray(count: Metrics.counterCount, lanes: max(1, lanes))
    }

    /// Monotonic clock in nanoseconds, for request latency.
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    public func register(gauge name: String, help: String, _ read: @escaping @Sendable () -> Double) {
        gauges.withLock { $0.append((name, help, read)) }
    }

    /// Adds the server's refusals and timeouts to the scrape (`switchboard_http_refused_total`,
    /// `switchboard_http_timeouts_total`, `switchboard_http_connections_accepted_total`).
    public func observe(httpServer read: @escaping @Sendable () -> HTTPServer.Statistics) {
        httpStatistics.withLock { $0 = read }
    }

    /// The slot of a status code among `statuses` (the last slot for any other).
    @inline(__always)
    static func statusSlot(_ status: Int) -> Int {
        statuses.firstIndex(of: status) ?? statuses.count
    }

    /// Counts one answered request of route `route` (an index into `Route.patterns`) and, when
    /// `started` is given, its latency.
    func recordRequest(route: Int, status: Int, started: UInt64?, lane: Int) {
        counters.add(Metrics.requestBase + route * Metrics.statusSlots + Metrics.statusSlot(status), lane: lane)
        guard let started else { return }
        let nanos = Metrics.now() &- started
        let bucket = Metrics.bucketNanos.firstIndex { nanos <= $0 } ?? Metrics.buckets.count
        counters.add(Metrics.latencyBase + bucket, lane: lane)
        counters.add(Metrics.latencyBase + Metrics.buckets.count + 1, lane: lane, Int64(truncatingIfNeeded: nanos))
        counters.add(Metrics.latencyBase + Metrics.buckets.count + 2, lane: lane)
    }

    /// Counts one webhook by provider and what became of it.
    func recordWebhook(_ provider: Provider, _ outcome: WebhookOutcome, lane: Int) {
        counters.add(Metrics.webhookBase + Int(provider.rawValue) * WebhookOutcome.allCases.count + outcome.rawValue, lane: lane)
    }

    /// How many webhooks of `provider` ended as `outcome` (for tests and the demo).
    func webhookCount(_ provider: Provider, _ outcome: WebhookOutcome) -> Int64 {
        counters.total(Metrics.webhookBase + Int(provider.rawValue) * WebhookOutcome.allCases.count + outcome.rawValue)
    }

    func render(directory: Directory) -> String {
        var text = "# HELP switchboard_http_requests_total HTTP requests answered, by route pattern and status.\n"
        text += "# TYPE switchboard_http_requests_total counter\n"
        for (route, pattern) in Route.patterns.enumerated() {
            for slot in 0..<Metrics.statusSlots {
                let count = counters.total(Metrics.requestBase + route * Metrics.statusSlots + slot)
                guard count > 0 else { continue }
                let status = slot < Metrics.statuses.count ? String(Metrics.statuses[slot]) : "other"
                text += "switchboard_http_requests_total{route=\"\(pattern)\",status=\"\(status)\"} \(count)\n"
            }
        }
        text += "# HELP switchboard_http_request_duration_seconds Time from request parsed to response ready.\n"
        text += "# TYPE switchboard_http_request_duration_seconds histogram\n"
        var cumulative: Int64 = 0
        for (index, bound) in Metrics.buckets.enumerated() {
            cumulative += counters.total(Metrics.latencyBase + index)
            text += "switchboard_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += counters.total(Metrics.latencyBase + Metrics.buckets.count)
        text += "switchboard_http_request_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        let sumNanos = counters.total(Metrics.latencyBase + Metrics.buckets.count + 1)
        text += "switchboard_http_request_duration_seconds_sum \(Double(sumNanos) / 1e9)\n"
        text += "switchboard_http_request_duration_seconds_count \(counters.total(Metrics.latencyBase + Metrics.buckets.count + 2))\n"
        if let read = httpStatistics.withLock({ $0 }) { text += Metrics.renderHTTPLayer(read()) }
        text += "# HELP switchboard_webhooks_total Provider webhooks, by provider, outcome and reason.\n"
        text += "# TYPE switchboard_webhooks_total counter\n"
        for provider in Provider.allCases {
            for outcome in WebhookOutcome.allCases {
                let count = webhookCount(provider, outcome)
                guard count > 0 else { continue }
                text += "switchboard_webhooks_total{provider=\"\(provider.name)\",outcome=\"\(outcome.outcome)\",reason=\"\(outcome.reason)\"} \(count)\n"
            }
        }
        text += "# HELP switchboard_index_numbers Numbers in the routing index.\n# TYPE switchboard_index_numbers gauge\n"
        text += "switchboard_index_numbers \(directory.index.numberCount)\n"
        text += "# HELP switchboard_index_agents Agents in the routing index.\n# TYPE switchboard_index_agents gauge\n"
        text += "switchboard_index_agents \(directory.index.agentCount)\n"
        for gauge in gauges.withLock({ $0 }) {
            text += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(gauge.read())\n"
        }
        return text
    }
}

extension Metrics {
    /// What the HTTP layer answered or closed by itself. `switchboard_http_requests_total` counts
    /// what reached a route; these never do (a request that could not be parsed has no route).
    static func renderHTTPLayer(_ statistics: HTTPServer.Statistics) -> String {
        var text = "# HELP switchboard_http_refused_total Requests the HTTP layer answered itself before any route: "
        text += "refused by the parser (400 malformed, 413 body too large, 414 request line too long, 431 header block too large, "
        text += "501 transfer coding, 505 HTTP version), 408 not complete in time, 503 over the connection cap.\n"
        text += "# TYPE switchboard_http_refused_total counter\n"
        for status in refusedStatuses {
            let count: Int
            switch status {
            case 408: count = statistics.requestTimeouts
            case 503: count = statistics.rejectedConnections
            default: count = statistics.malformedByStatus[status] ?? 0
            }
            text += "switchboard_http_refused_total{status=\"\(status)\"} \(count)\n"
        }
        let others = statistics.malformedOtherStatus
            + statistics.malformedByStatus.filter { !refusedStatuses.contains($0.key) }.values.reduce(0, +)
        if others > 0 { text += "switchboard_http_refused_total{status=\"other\"} \(others)\n" }
        text += "# HELP switchboard_http_timeouts_total Connections closed for a timeout: header (request not complete in time, "
        text += "answered 408 if it had begun), idle (no next request on a keep-alive connection), write (the client stopped reading).\n"
        text += "# TYPE switchboard_http_timeouts_total counter\n"
        text += "switchboard_http_timeouts_total{kind=\"header\"} \(statistics.headerTimeouts)\n"
        text += "switchboard_http_timeouts_total{kind=\"idle\"} \(statistics.idleTimeouts)\n"
        text += "switchboard_http_timeouts_total{kind=\"write\"} \(statistics.writeTimeouts)\n"
        text += "# HELP switchboard_http_connections_accepted_total Connections accepted, those refused over the cap included.\n"
        text += "# TYPE switchboard_http_connections_accepted_total counter\n"
        text += "switchboard_http_connections_accepted_total \(statistics.acceptedConnections)\n"
        return text
    }
}

/// What became of a webhook: the `outcome` and `reason` labels of `switchboard_webhooks_total`.
enum WebhookOutcome: Int, CaseIterable, Sendable {
    case routed
    case refusedUnknownNumber, refusedNumberInactive, refusedUnassigned, refusedAgentInactive
    /// Another event type (call started, ended, analysed): acknowledged, nothing routed.
    case acknowledged
    case rejectedUnauthorized, rejectedMalformed, rejectedMediaType, rejectedUnknownAccount

    init(_ refusal: InboundRefusal) {
        switch refusal {
        case .unknownNumber: self = .refusedUnknownNumber
        case .numberInactive: self = .refusedNumberInactive
        case .unassigned: self = .refusedUnassigned
        case .agentInactive: self = .refusedAgentInactive
        }
    }

    var outcome: String {
        switch self {
        case .routed: "routed"
        case .refusedUnknownNumber, .refusedNumberInactive, .refusedUnassigned, .refusedAgentInactive: "refused"
        case .acknowledged: "acknowledged"
        case .rejectedUnauthorized, .rejectedMalformed, .rejectedMediaType, .rejectedUnknownAccount: "rejected"
        }
    }

    var reason: String {
        switch self {
        case .routed, .acknowledged: ""
        case .refusedUnknownNumber: InboundRefusal.unknownNumber.code
        case .refusedNumberInactive: InboundRefusal.numberInactive.code
        case .refusedUnassigned: InboundRefusal.unassigned.code
        case .refusedAgentInactive: InboundRefusal.agentInactive.code
        case .rejectedUnauthorized: "unauthorized"
        case .rejectedMalformed: "malformed"
        case .rejectedMediaType: "unsupported_media_type"
        case .rejectedUnknownAccount: "unknown_account"
        }
    }
}
