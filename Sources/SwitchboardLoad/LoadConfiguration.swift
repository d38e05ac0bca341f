/// How a run loads the router. Times are in seconds.
public struct LoadConfiguration: Hashable, Sendable {
    public enum Mode: Hashable, Sendable {
        /// Every connection sends its next request as soon as the previous answer arrives.
        case closedLoop
        /// Requests are due at a fixed total rate; latency counts from when each was due.
        case openLoop(ratePerSecond: Double)
    }

    /// A numeric IPv4 or IPv6 address (names are not resolved), or `localhost`.
    public var host: String = "127.0.0.1"
    public var port: UInt16 = 8080
    public var mode: Mode = .closedLoop
    /// Traffic connections (the operator's are extra), spread over `threads`.
    public var connections: Int = 64
    public var threads: Int = 2
    public var warmup: Double = 2
    public var duration: Double = 10
    /// An answer not here this long after its request went out is a timeout.
    public var timeout: Double = 2
    public var mix = TrafficMix()
    /// Operator writes per second (0: none).
    public var writeRate: Double = 0
    /// Each carries one write at a time, so these over the write latency cap the write rate: at
    /// 1,000 a second with 64 connections of webhooks, a write took ~4 ms (p50) and 4 connections
    /// fell behind.
    public var writeConnections: Int = 16
    /// Of the writes on an assigned number, the share that move it to another agent; the rest
    /// unassign it. A number left unassigned is assigned again by a later write.
    public var reassignShare: Double = 0.7
    /// The router's admin token: caller-ID look-ups and writes need it.
    public var adminToken: String?
    /// Numbers per provider, and agents, with a prepared request.
    public var poolSize: Int = 20_000
    /// Seed of the request order (the data set has its own).
    public var seed: UInt64 = 1
    /// After a run with writes, put every moved number back with its seeded agent, so the next
    /// run against the same router starts from the seed.
    public var restoreAfterRun = true
    /// Seconds the restoring may take at most.
    public var restoreTimeout: Double = 120
    /// Ceiling mode, for a server that answers every request with a fixed 200 (nginx): the same
    /// requests, connections and timing, but an answer counts as correct when its status is 2xx;
    /// bodies are not judged. Never for the router: it would hide wrong answers.
    public var ceiling = false

    public init() {}

    public static let maxConnections = 50_000
    public static let maxThreads = 64

    public func validate() throws(LoadTestError) {
        guard (1...LoadConfiguration.maxConnections).contains(connections) else {
            throw LoadTestError("connections must be from 1 to \(LoadConfiguration.maxConnections), not \(connections)")
        }
        guard (1...LoadConfiguration.maxThreads).contains(threads) else {
            throw LoadTestError("threads must be from 1 to \(LoadConfiguration.maxThreads), not \(threads)")
        }
        guard !ceiling || writeRate == 0 else { throw LoadTestError("--ceiling measures a fixed-answer server: it cannot be combined with --writes") }
        guard threads <= connections else { throw LoadTestError("threads (\(threads)) must not exceed connections (\(connections))") }
        guard warmup.isFinite, (0...3600).contains(warmup) else { throw LoadTestError("warm-up must be from 0 to 3600 seconds, not \(warmup)") }
        guard duration.isFinite, duration > 0, duration <= 86_400 else {
            throw LoadTestError("duration must be above 0 and at most 86400 seconds, not \(duration)")
        }
        guard timeout.isFinite, timeout >= 0.001, timeout <= 600 else {
            throw LoadTestError("timeout must be from 0.001 to 600 seconds, not \(timeout)")
        }
        if case .openLoop(let rate) = mode {
            guard rate.isFinite, rate > 0, rate <= 10_000_000 else {
                throw LoadTestError("rate must be above 0 and at most 10000000 requests per second, not \(rate)")
            }
        }
        guard writeRate.isFinite, (0...100_000).contains(writeRate) else {
            throw LoadTestError("write rate must be from 0 to 100000 per second, not \(writeRate)")
        }
        guard (1...256).contains(writeConnections) else {
            throw LoadTestError("write connections must be from 1 to 256, not \(writeConnections)")
        }
        guard reassignShare.isFinite, (0...1).contains(reassignShare) else {
            throw LoadTestError("reassign share must be from 0 to 1, not \(reassignShare)")
        }
        guard restoreTimeout.isFinite, (0...3600).contains(restoreTimeout) else {
            throw LoadTestError("restore timeout must be from 0 to 3600 seconds, not \(restoreTimeout)")
        }
        guard (1...1_000_000).contains(poolSize) else { throw LoadTestError("pool size must be from 1 to 1000000, not \(poolSize)") }
        let lookups = (mix.weights[.callerID] ?? 0) > 0
        if (lookups || writeRate > 0), adminToken?.isEmpty ?? true {
            throw LoadTestError("caller-ID look-ups and writes need the router's admin token: pass --admin-token or set SWITCHBOARD_ADMIN_TOKEN")
        }
        if let token = adminToken, !token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            throw LoadTestError("the admin token must be visible ASCII without spaces")
        }
    }

    var timeoutNanoseconds: UInt64 { UInt64(timeout * 1e9) }
}
