public import SwitchboardCore

/// A deterministic data set: accounts, provider connections with secrets, agents and numbers,
/// made from a `DataSetSpec` alone. `loadtest seed` writes it into a data directory; `loadtest run`
/// makes the same one again and knows from it the right answer to every request.
///
/// Compact on purpose (a few bytes per number, ids spelt on demand): a run with a million numbers
/// holds the whole set beside the load without swapping.
public final class DataSet: Sendable {
    public let spec: DataSetSpec

    // Numbers, by index. `unknown` numbers are here too: the router never hears of them.
    let keys: [UInt64]
    let numberProvider: [Provider]
    let numberAccount: [UInt16]
    let category: [NumberCategory]
    /// The agent a number is seeded with, -1 for none.
    let initialAgent: [Int32]

    // Agents, by index: one per routed number, one per inactive-agent number, then the idle ones.
    let agentProvider: [Provider]
    let agentAccount: [UInt16]
    let agentActive: [Bool]
    /// The number an agent is seeded with, -1 for none (the idle agents).
    let agentInitialNumber: [Int32]

    /// Per connection (`account * 3 + provider`): the default caller ID, a number index or -1.
    let defaultCallerID: [Int32]

    /// Indexes of the numbers of each provider, in index order: the harness's request targets.
    let numbersByProvider: [[Int32]]

    public init(_ spec: DataSetSpec) throws(LoadTestError) {
        try spec.validate()
        self.spec = spec
        var random = SplitMix64(seed: spec.seed)
        let count = spec.numbers

        // Categories in exact proportions, then shuffled, so any prefix is a fair sample.
        let counts = Weights.apportion(count, weights: spec.categoryWeights, keys: NumberCategory.allCases)
        var category: [NumberCategory] = []
        category.reserveCapacity(count)
        for kind in NumberCategory.allCases { category.append(contentsOf: repeatElement(kind, count: counts[kind] ?? 0)) }
        for index in stride(from: count - 1, to: 0, by: -1) {
            category.swapAt(index, random.below(index + 1))
        }

        let providerTotal = Provider.allCases.reduce(0) { $0 + (spec.providerWeights[$1] ?? 0) }
        let keyStep = DataSet.keyMultiplier(seed: spec.seed)
        let keyOffset = SplitMix64.mix(spec.seed ^ 0x6E75_6D62) % DataSet.keySpace
        var keys: [UInt64] = [], numberProvider: [Provider] = [], numberAccount: [UInt16] = []
        var initialAgent: [Int32] = []
        var agentProvider: [Provider] = [], agentAccount: [UInt16] = [], agentActive: [Bool] = []
        var agentInitialNumber: [Int32] = []
        var routedPerConnection = [Int](repeating: 0, count: spec.accounts * 3)
        var numbersByProvider: [[Int32]] = [[], [], []]
        keys.reserveCapacity(count)
        for index in 0..<count {
            // An affine map modulo the key space with a multiplier prime to it: distinct indexes
            // give distinct numbers, +1 2xx xxx xxxx to +1 9xx xxx xxxx.
            keys.append(DataSet.firstKey + (UInt64(index) &* keyStep &+ keyOffset) % DataSet.keySpace)
            var pick = random.unit() * providerTotal
            var provider = Provider.bland
            for candidate in Provider.allCases {
                let weight = spec.providerWeights[candidate] ?? 0
                if weight > 0 && pick < weight { provider = candidate; break }
                pick -= weight
            }
            let account = UInt16(random.below(spec.accounts))
            numberProvider.append(provider)
            numberAccount.append(account)
            numbersByProvider[Int(provider.rawValue)].append(Int32(index))
            switch category[index] {
            case .routed, .inactiveAgent:
                initialAgent.append(Int32(agentProvider.count))
                agentProvider.append(provider)
                agentAccount.append(account)
                agentActive.append(category[index] == .routed)
                agentInitialNumber.append(Int32(index))
                if category[index] == .routed { routedPerConnection[Int(account) * 3 + Int(provider.rawValue)] += 1 }
            case .unknown, .unassigned, .inactiveNumber:
                initialAgent.append(-1)
            }
        }
        // Idle agents, in proportion to each connection's routed numbers: where reassignments go.
        if spec.idleAgentShare > 0 {
            for connection in routedPerConnection.indices where routedPerConnection[connection] > 0 {
                let idle = Int((Double(routedPerConnection[connection]) * spec.idleAgentShare).rounded(.up))
                for _ in 0..<idle {
                    agentProvider.append(Provider(rawValue: UInt8(connection % 3))!)
                    agentAccount.append(UInt16(connection / 3))
                    agentActive.append(true)
                    agentInitialNumber.append(-1)
                }
            }
        }
        // Vapi connections get a default caller ID (their first known active number), so caller-ID
        // look-ups see all three sources; Retell and Bland have none, so an idle agent's look-up is
        // refused no_caller_id.
        var defaults = [Int32](repeating: -1, count: spec.accounts * 3)
        for index in numbersByProvider[Int(Provider.vapi.rawValue)] {
            let connection = Int(numberAccount[Int(index)]) * 3 + Int(Provider.vapi.rawValue)
            let known = category[Int(index)] != .unknown && category[Int(index)] != .inactiveNumber
            if known && defaults[connection] < 0 { defaults[connection] = index }
        }
        self.keys = keys
        self.numberProvider = numberProvider
        self.numberAccount = numberAccount
        self.category = category
        self.initialAgent = initialAgent
        self.agentProvider = agentProvider
        self.agentAccount = agentAccount
        self.agentActive = agentActive
        self.agentInitialNumber = agentInitialNumber
        self.defaultCallerID = defaults
        self.numbersByProvider = numbersByProvider
    }

    static let firstKey: UInt64 = 12_000_000_000
    static let keySpace: UInt64 = 8_000_000_000

    /// A multiplier prime to 8·10^9 = 2^12·5^9 (odd, not a multiple of 5), from the seed.
    static func keyMultiplier(seed: UInt64) -> UInt64 {
        var step = SplitMix64.mix(seed ^ 0x5354_4550) % keySpace | 1
        if step % 5 == 0 { step = (step + 2) % keySpace }
        return step
    }

    public var numberCount: Int { keys.count }
    public var agentCount: Int { agentProvider.count }

    /// How many numbers of each kind.
    public var categoryCounts: [NumberCategory: Int] {
        var counts: [NumberCategory: Int] = [:]
        for kind in category { counts[kind, default: 0] += 1 }
        return counts
    }

    public func number(_ index: Int) -> E164 { E164(key: keys[index])! }
    public func category(ofNumber index: Int) -> NumberCategory { category[index] }
    public func provider(ofNumber index: Int) -> Provider { numberProvider[index] }
    public func provider(ofAgent index: Int) -> Provider { agentProvider[index] }
    public func isActive(agent index: Int) -> Bool { agentActive[index] }
    /// The agent a number is seeded with (nil for none).
    public func initialAgent(ofNumber index: Int) -> Int? { initialAgent[index] < 0 ? nil : Int(initialAgent[index]) }
    /// The default caller ID of an agent's provider connection, as a number index.
    func defaultCallerID(ofAgent index: Int) -> Int32 {
        defaultCallerID[Int(agentAccount[index]) * 3 + Int(agentProvider[index].rawValue)]
    }
}
