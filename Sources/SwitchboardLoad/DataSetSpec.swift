public import SwitchboardCore

/// What a data set is made of. The same spec (above all the same `numbers` and `seed`) always
/// gives the same data set, so `loadtest seed` and `loadtest run` agree on every number, agent and
/// secret without reading anything back from the router.
public struct DataSetSpec: Hashable, Sendable {
    /// The phone numbers the harness calls, including the `unknown` ones the router never hears of.
    public var numbers: Int
    public var seed: UInt64
    /// Accounts (tenants) the numbers are spread over.
    public var accounts: Int
    /// The weight of each kind of number; normalised, so `[85, 5, 4, 3, 3]` and `[0.85, …]` agree.
    public var categoryWeights: [NumberCategory: Double]
    /// The weight of each provider among numbers (and so among agents).
    public var providerWeights: [Provider: Double]
    /// Spare active agents without a number, per routed number, in each account and provider:
    /// the agents operator writes move numbers to.
    public var idleAgentShare: Double
    /// Where the router reaches the providers: each connection's `base_url` is this plus
    /// `/retell`, `/vapi` or `/bland` (the provider simulator's layout). The default is the
    /// simulator's default address, so the router's pushes and calls never leave the machine.
    public var providersURL: String

    public static let defaultProvidersURL = "http://127.0.0.1:8090"

    public static let maxNumbers = 10_000_000
    public static let maxAccounts = 1000

    public static let defaultCategoryWeights: [NumberCategory: Double] = [
        .routed: 85, .unknown: 5, .unassigned: 4, .inactiveNumber: 3, .inactiveAgent: 3,
    ]
    public static let defaultProviderWeights: [Provider: Double] = [.retell: 1, .vapi: 1, .bland: 1]

    public init(
        numbers: Int, seed: UInt64 = 1, accounts: Int = 4,
        categoryWeights: [NumberCategory: Double] = DataSetSpec.defaultCategoryWeights,
        providerWeights: [Provider: Double] = DataSetSpec.defaultProviderWeights,
        idleAgentShare: Double = 0.1, providersURL: String = DataSetSpec.defaultProvidersURL
    ) {
        self.numbers = numbers
        self.seed = seed
        self.accounts = accounts
        self.categoryWeights = categoryWeights
        self.providerWeights = providerWeights
        self.idleAgentShare = idleAgentShare
        self.providersURL = providersURL
    }

    /// Refuses a spec that cannot make a data set, naming the field and what to do.
    public func validate() throws(LoadTestError) {
        guard (1...DataSetSpec.maxNumbers).contains(numbers) else {
            throw LoadTestError("numbers must be from 1 to \(DataSetSpec.maxNumbers), not \(numbers)")
        }
        guard (1...DataSetSpec.maxAccounts).contains(accounts) else {
            throw LoadTestError("accounts must be from 1 to \(DataSetSpec.maxAccounts), not \(accounts)")
        }
        guard accounts <= numbers else { throw LoadTestError("accounts (\(accounts)) must not exceed numbers (\(numbers))") }
        try Weights.check(categoryWeights, field: "number mix")
        try Weights.check(providerWeights, field: "provider mix")
        guard idleAgentShare.isFinite, (0...1).contains(idleAgentShare) else {
            throw LoadTestError("idle agent share must be from 0 to 1, not \(idleAgentShare)")
        }
        let scheme = providersURL.hasPrefix("http://") || providersURL.hasPrefix("https://")
        guard scheme, !providersURL.hasSuffix("/"), providersURL.utf8.count <= 200, providersURL.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw LoadTestError("providers URL (--providers-url) must be http:// or https:// without a trailing slash or spaces (e.g. http://127.0.0.1:8090), not '\(providersURL)'")
        }
    }
}

/// The kinds of number a data set holds, and what the router must answer for each (SPEC rule 6).
public enum NumberCategory: UInt8, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// Known, active, assigned to an active agent: routed to that agent.
    case routed
    /// Not in the router at all: refused `unknown_number`.
    case unknown
    /// Known and active, no agent: refused `unassigned`.
    case unassigned
    /// Known, inactive (its provider no longer lists it): refused `number_inactive`.
    case inactiveNumber
    /// Known, active, assigned to an inactive agent: refused `agent_inactive`.
    case inactiveAgent

    public var name: String {
        switch self {
        case .routed: "routed"
        case .unknown: "unknown"
        case .unassigned: "unassigned"
        case .inactiveNumber: "inactive_number"
        case .inactiveAgent: "inactive_agent"
        }
    }

    public init?(name: some StringProtocol) {
        guard let found = NumberCategory.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var description: String { name }
}

/// Checks and normalises weight tables (`retell=2,vapi=1`).
enum Weights {
    static func check<Key>(_ weights: [Key: Double], field: String) throws(LoadTestError) {
        guard weights.values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw LoadTestError("\(field): every weight must be a finite number of at least 0")
        }
        guard weights.values.reduce(0, +) > 0 else { throw LoadTestError("\(field): at least one weight must be above 0") }
    }

    /// Exact counts for `total` items in proportion to `weights` (largest remainder, ties broken
    /// by the order of `keys`), so the proportions hold exactly and deterministically.
    static func apportion<Key: Hashable>(_ total: Int, weights: [Key: Double], keys: [Key]) -> [Key: Int] {
        let sum = keys.reduce(0) { $0 + (weights[$1] ?? 0) }
        var counts: [Key: Int] = [:]
        var remainders: [(key: Key, remainder: Double, order: Int)] = []
        var assigned = 0
        for (order, key) in keys.enumerated() {
            let exact = Double(total) * (weights[key] ?? 0) / sum
            let whole = Int(exact.rounded(.down))
            counts[key] = whole
            assigned += whole
            remainders.append((key, exact - Double(whole), order))
        }
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.order < $1.order }
        for entry in remainders.prefix(total - assigned) { counts[entry.key, default: 0] += 1 }
        return counts
    }
}
