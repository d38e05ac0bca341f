import SwitchboardCore

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
