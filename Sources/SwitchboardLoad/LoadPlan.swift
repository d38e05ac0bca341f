import Glibc
import SwitchboardCore
import SwitchboardPosix

/// Everything the workers of one run share, immutable once the run starts (the request table is
/// replaced whole, under its lock; the live state has its own locks).
final class LoadPlan: Sendable {
    let configuration: LoadConfiguration
    let dataSet: DataSet
    let checker: AnswerChecker
    let live: LiveState
    let factory: RequestFactory
    let address: SocketAddress
    private let table: Guarded<RequestTable>
    /// Webhook kinds whose provider has no numbers in the pool cannot be drawn.
    let cumulativeMix: [Double]
    /// Agents with a prepared caller-ID look-up.
    let callerIDAgents: [Int32]
    /// Routed numbers of the webhook pool: the ones writes move, so the traffic sees the moves.
    let movableNumbers: [Int32]

    /// `live`: the state a previous run of the same data set left (a sweep), else the seed's.
    init(configuration: LoadConfiguration, dataSet: DataSet, live: LiveState? = nil) throws(LoadTestError) {
        try configuration.validate()
        self.configuration = configuration
        self.dataSet = dataSet
        checker = AnswerChecker(dataSet: dataSet)
        self.live = live ?? LiveState(dataSet: dataSet)
        do {
            address = try SocketAddress(host: configuration.host, port: configuration.port)
        } catch {
            throw LoadTestError("target host '\(configuration.host)' is not a numeric IPv4 or IPv6 address (names are not resolved)")
        }
        for kind in RequestKind.traffic where (configuration.mix.weights[kind] ?? 0) > 0 {
            if let provider = kind.webhookProvider, dataSet.numbersByProvider[Int(provider.rawValue)].isEmpty {
                throw LoadTestError("the mix sends \(provider) webhooks but the data set has no \(provider) numbers: change --mix or --provider-mix")
            }
            if kind == .callerID, dataSet.agentCount == 0 {
                throw LoadTestError("the mix sends caller-ID look-ups but the data set has no agents: raise the routed share")
            }
        }
        cumulativeMix = configuration.mix.cumulative
        let hostHeader = configuration.host.contains(":") ? "[\(configuration.host)]:\(configuration.port)" : "\(configuration.host):\(configuration.port)"
        factory = RequestFactory(dataSet: dataSet, host: hostHeader, adminToken: configuration.adminToken, poolSize: configuration.poolSize)
        // Caller-ID look-ups sample every part of the agent list: owners of numbers, inactive
        // agents and the idle ones (which have the highest indexes).
        let agents = dataSet.agentCount
        let sampled = Swift.min(agents, configuration.poolSize)
        callerIDAgents = (0..<sampled).map { Int32(Int64($0) * Int64(agents) / Int64(sampled)) }
        var movable: [Int32] = []
        for numbers in dataSet.numbersByProvider {
            movable += numbers.prefix(configuration.poolSize).filter { dataSet.category(ofNumber: Int($0)) == .routed }
        }
        movableNumbers = movable
        table = Guarded(factory.makeTable(unixMillis: LoadPlan.unixMillis(), callerIDAgents: callerIDAgents))
    }

    var currentTable: RequestTable { table.withLock { $0 } }

    /// Re-signs the table when it is older than the interval (the coordinator calls this once a
    /// second). Returns whether it did.
    @discardableResult
    func resignIfDue() -> Bool {
        let now = LoadPlan.unixMillis()
        guard now - currentTable.signedAtMillis >= RequestFactory.resignIntervalMillis else { return false }
        let fresh = factory.makeTable(unixMillis: now, callerIDAgents: callerIDAgents)
        table.withLock { $0 = fresh }
        return true
    }

    /// Wall-clock Unix milliseconds, for signature timestamps.
    static func unixMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// The run's clock: CLOCK_MONOTONIC nanoseconds, fixed when the workers start.
struct RunSchedule: Sendable {
    let start: UInt64
    /// Requests due before this are warm-up: sent and checked, not measured.
    let warmupEnd: UInt64
    /// No request is due from here on.
    let end: UInt64
    /// In-flight and queued requests may finish until here, then the run stops.
    let drainEnd: UInt64

    init(start: UInt64, configuration: LoadConfiguration) {
        self.start = start
        warmupEnd = start + UInt64(configuration.warmup * 1e9)
        end = warmupEnd + UInt64(configuration.duration * 1e9)
        drainEnd = end + configuration.timeoutNanoseconds
    }

    /// 100 ms timeline slots from start to drain end.
    var slots: Int { Int((drainEnd - start) / LoadRecorder.slotNanoseconds) + 1 }
}
