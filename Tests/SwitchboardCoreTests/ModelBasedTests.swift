import Testing

@testable import SwitchboardCore

/// Thousands of random operations applied to the directory and to a plain-dictionary model of
/// SPEC §2, compared after every step, with the index invariants checked.
@Suite struct ModelBasedTests {
    struct ModelNumber: Equatable {
        var provider: Provider
        var active: Bool
        var agent: String?
    }

    struct ModelAgent: Equatable {
        var provider: Provider
        var active: Bool
        var number: UInt64?
    }

    /// The model: what SPEC §2 says, written as plainly as possible.
    struct Model {
        var numbers: [UInt64: ModelNumber] = [:]
        var agents: [String: ModelAgent] = [:]
        /// Each provider connection's default caller ID (rule 7's third source).
        var defaults: [Provider: UInt64] = [:]

        mutating func assign(_ key: UInt64, to agent: String) -> DirectoryError.Code? {
            guard let number = numbers[key] else { return .unknownNumber }
            guard let target = agents[agent] else { return .unknownAgent }
            guard number.provider == target.provider else { return .providerMismatch }
            guard number.active else { return .numberInactive }
            if number.agent == agent { return nil }
            if let previous = number.agent { agents[previous]?.number = nil }
            if let old = target.number { numbers[old]?.agent = nil }
            numbers[key]?.agent = agent
            agents[agent]?.number = key
            return nil
        }

        mutating func unassign(_ key: UInt64) -> DirectoryError.Code? {
            guard let number = numbers[key] else { return .unknownNumber }
            if let previous = number.agent { agents[previous]?.number = nil }
            numbers[key]?.agent = nil
            return nil
        }

        mutating func sync(_ provider: Provider, listing: Set<UInt64>) {
            for key in listing {
                if let number = numbers[key] {
                    if number.provider == provider {
                        numbers[key]?.active = true
                    } else if !number.active {
                        numbers[key] = ModelNumber(provider: provider, active: true, agent: nil)
                    }
                } else {
                    numbers[key] = ModelNumber(provider: provider, active: true, agent: nil)
                }
            }
            for (key, number) in numbers where number.provider == provider && number.active && !listing.contains(key) {
                if let agent = number.agent { agents[agent]?.number = nil }
                numbers[key] = ModelNumber(provider: provider, active: false, agent: nil)
            }
        }

        /// Rule 7: the number given at call time (an active number of the same account and
        /// provider), else the agent's number, else the connection's default, else no_caller_id.
        func callerID(agent id: String, explicit: UInt64?) -> String {
            guard let agent = agents[id] else { return "unknown_agent" }
            if let explicit {
                guard let number = numbers[explicit] else { return "unknown_number" }
                guard number.provider == agent.provider else { return "provider_mismatch" }
                guard number.active else { return "number_inactive" }
                return "explicit:\(explicit)"
            }
            if let number = agent.number { return "assigned:\(number)" }
            if let fallback = defaults[agent.provider] { return "default:\(fallback)" }
            return "no_caller_id"
        }

        func inbound(_ key: UInt64, provider: Provider) -> String {
            guard let number = numbers[key], number.provider == provider else { return "unknown_number" }
            guard number.active else { return "number_inactive" }
            guard let agent = number.agent else { return "unassigned" }
            return agents[agent]!.active ? "routed:\(agent)" : "agent_inactive"
        }
    }

    /// A small deterministic generator (SplitMix64), so a failure can be replayed from its seed.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let universe: [UInt64] = (0..<24).map { 1_415_555_0100 + UInt64($0) }
    static let agentIDs = (0..<8).map { "agent\($0)" }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomOperations_matchTheModel(seed: UInt64) throws {
        var random = Random(state: seed)
        let directory = Directory()
        let acme = Fixture.id("acme")
        _ = try directory.createAccount(id: acme, name: "Acme")
        var model = Model()
        var clock: Int64 = 1_000
        for step in 0..<1500 {
            let context = "seed \(seed) step \(step)"
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<40:
                let key = ModelBasedTests.universe.randomElement(using: &random)!
                let agent = ModelBasedTests.agentIDs.randomElement(using: &random)!
                let expected = model.assign(key, to: agent)
                do {
                    try directory.assign(account: acme, number: E164(uncheckedKey: key), agent: Fixture.id(agent))
                    #expect(expected == nil, "\(context): assign succeeded, model says \(String(describing: expected))")
                } catch let error as DirectoryError {
                    #expect(error.code == expected, "\(context): \(error)")
                }
            case 40..<55:
                let key = ModelBasedTests.universe.randomElement(using: &random)!
                let expected = model.unassign(key)
                do {
                    try directory.unassign(account: acme, number: E164(uncheckedKey: key))
                    #expect(expected == nil, "\(context)")
                } catch let error as DirectoryError {
                    #expect(error.code == expected, "\(context): \(error)")
                }
            case 55..<75:
                // Create an agent or flip its status; sometimes give it a number through the editor.
                let id = ModelBasedTests.agentIDs.randomElement(using: &random)!
                let provider = model.agents[id]?.provider ?? Provider.allCases.randomElement(using: &random)!
                let active = Bool.random(using: &random)
                let spec = AgentSpec(account: acme, id: Fixture.id(id), name: id, provider: provider, providerAgentID: "p_\(id)", status: active ? .active : .inactive)
                // The whole put is one step: on a refusal the model goes back to this, agent
                // creation and status included, and the directory must have changed nothing either.
                let before = model
                if model.agents[id] == nil { model.agents[id] = ModelAgent(provider: provider, active: active, number: nil) }
                model.agents[id]?.active = active
                if Bool.random(using: &random) {
                    let key = ModelBasedTests.universe.randomElement(using: &random)!
                    let expected = model.assign(key, to: id)
                    if expected != nil { model = before }
                    do {
                        try directory.putAgent(spec, phone: .assign(E164(uncheckedKey: key)))
                        #expect(expected == nil, "\(context)")
                    } catch let error as DirectoryError {
                        #expect(error.code == expected, "\(context): \(error)")
                    }
                } else {
                    try directory.putAgent(spec)
                }
            case 75..<80:
                let id = ModelBasedTests.agentIDs.randomElement(using: &random)!
                if let agent = model.agents[id] {
                    if let number = agent.number { model.numbers[number]?.agent = nil }
                    model.agents[id] = nil
                    try directory.deleteAgent(account: acme, id: Fixture.id(id))
                }
            case 80..<84:
                // Connect a provider (again), with or without a default caller ID.
                let provider = Provider.allCases.randomElement(using: &random)!
                let fallback = Bool.random(using: &random) ? ModelBasedTests.universe.randomElement(using: &random)! : nil
                model.defaults[provider] = fallback
                _ = try directory.putProvider(
                    ProviderConnection(account: acme, provider: provider, apiKey: "key_\(provider)", defaultCallerID: fallback.map { E164(uncheckedKey: $0) }))
            default:
                // Sync one provider with a random subset of the universe: numbers appear and vanish.
                let provider = Provider.allCases.randomElement(using: &random)!
                let listing = Set(ModelBasedTests.universe.filter { _ in Int.random(in: 0..<3, using: &random) == 0 })
                clock += 1000
                model.sync(provider, listing: listing)
                let items = listing.sorted().map { ListedNumber(number: E164(uncheckedKey: $0), providerNumberID: "id\($0)") }
                _ = try directory.sync(account: acme, provider: provider, listing: items, at: Timestamp(milliseconds: clock))
            }
            try compare(directory, model, context: context, step: step)
        }
    }

    func compare(_ directory: Directory, _ model: Model, context: String, step: Int) throws {
        let acme = Fixture.id("acme")
        let slot = directory.acmeSlot
        #expect(directory.invariantViolations() == [], "\(context)")
        for key in ModelBasedTests.universe {
            let actual = directory.number(account: acme, number: E164(uncheckedKey: key))
            let expected = model.numbers[key]
            #expect(actual?.provider == expected?.provider, "\(context): provider of \(key)")
            #expect(actual.map { $0.status == .active } == expected?.active, "\(context): status of \(key)")
            #expect(actual?.agentID?.value == expected?.agent, "\(context): agent of \(key)")
            for provider in Provider.allCases {
                let decision: String =
                    switch directory.index.inbound(E164(uncheckedKey: key), account: slot, provider: provider) {
                    case .routed(let agent): "routed:\(agent.id)"
                    case .refused(let reason): reason.code
                    }
                #expect(decision == model.inbound(key, provider: provider), "\(context): inbound \(key) via \(provider)")
            }
        }
        for id in ModelBasedTests.agentIDs {
            let actual = directory.agent(account: acme, id: Fixture.id(id))
            let expected = model.agents[id]
            #expect((actual == nil) == (expected == nil), "\(context): agent \(id) exists")
            #expect(actual?.phoneNumber?.key == expected?.number, "\(context): number of \(id)")
            // Caller ID with no number given, and with numbers of the universe given (plus one the
            // directory never saw), against rule 7 in the model: every number every 10th step,
            // two of them (rotating) otherwise.
            let universe = ModelBasedTests.universe
            let given = step % 10 == 0 ? universe : [universe[step % universe.count], universe[(step * 7 + 3) % universe.count]]
            for explicit in [nil, 1_415_555_0999] + given.map(Optional.some) {
                let callerID: String =
                    switch directory.index.callerID(account: slot, agentID: id, explicit: explicit.map { E164(uncheckedKey: $0) }) {
                    case .chosen(let number, let source, _): "\(source):\(number.key)"
                    case .refused(let reason): reason.code
                    }
                #expect(callerID == model.callerID(agent: id, explicit: explicit), "\(context): caller ID of \(id), given \(String(describing: explicit))")
            }
        }
    }
}
