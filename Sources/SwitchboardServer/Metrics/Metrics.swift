import SwitchboardCore

#if canImport(Glibc)
import Glibc
#endif

/// Counters and histograms for `GET /metrics` (Prometheus text format 0.0.4).
public final class Metrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    struct State {
        var requests: [String: Int] = [:]  // "route\u{0}status" → count
        var bucketCounts = [Int](repeating: 0, count: Metrics.buckets.count + 1)
        var latencySum: Double = 0
        var latencyCount = 0
    }

    private let state = Locked(State())
    /// Gauges read at scrape time (connections, journal bytes): name → (help, reader).
    private let gauges = Locked<[(name: String, help: String, read: @Sendable () -> Double)]>([])

    public init() {}

    /// Monotonic clock in nanoseconds, for request latency.
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    public func register(gauge name: String, help: String, _ read: @escaping @Sendable () -> Double) {
        gauges.withLock { $0.append((name, help, read)) }
    }

    func recordRequest(route: String, status: Int, started: UInt64?) {
        let seconds = started.map { Double(Metrics.now() &- $0) / 1e9 }
        state.withLock { state in
            state.requests[route + "\u{0}" + String(status), default: 0] += 1
            if let seconds {
                let bucket = Metrics.buckets.firstIndex { seconds <= $0 } ?? Metrics.buckets.count
                state.bucketCounts[bucket] += 1
                state.latencySum += seconds
                state.latencyCount += 1
            }
        }
    }

    func render(directory: Directory) -> String {
        let snapshot = state.withLock { $0 }
        var text = "# HELP switchboard_http_requests_total HTTP requests answered, by route pattern and status.\n"
        text += "# TYPE switchboard_http_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{0}", maxSplits: 1)
            text += "switchboard_http_requests_total{route=\"\(parts[0])\",status=\"\(parts.count > 1 ? parts[1] : "")\"} \(count)\n"
        }
        text += "# HELP switchboard_http_request_duration_seconds Time from request parsed to response ready.\n"
        text += "# TYPE switchboard_http_request_duration_seconds histogram\n"
        var cumulative = 0
        for (index, bound) in Metrics.buckets.enumerated() {
            cumulative += snapshot.bucketCounts[index]
            text += "switchboard_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += snapshot.bucketCounts[Metrics.buckets.count]
        text += "switchboard_http_request_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        text += "switchboard_http_request_duration_seconds_sum \(snapshot.latencySum)\n"
        text += "switchboard_http_request_duration_seconds_count \(snapshot.latencyCount)\n"
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
