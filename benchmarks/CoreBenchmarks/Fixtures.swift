import BenchmarkSupport
import SwitchboardCore

/// splitmix64: a small, fast, seeded generator, so every run builds the same directory and probes.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The shape of a generated directory: one account, the three providers connected, each with a
/// default caller ID.
struct DirectoryShape {
    /// Numbers in the directory.
    var numbers: Int
    /// Numbers born assigned, one agent each (taken at random among the active numbers).
    var assigned: Int
    /// Agents with no number (they take the default caller ID).
    var spareAgents: Int
    /// Consecutive numbers per block: providers sell NANP numbers in thousands-blocks (smaller blocks
    /// for small directories, so that there are at least 10 and every provider has some).
    var blockSize = 1000
    var inactiveNumberPercent = 2
    var inactiveAgentPercent = 1
    var seed: UInt64 = 0x5EED

    /// "agents assigned to most numbers": 90% of the numbers have an agent, plus 1% spare agents.
    static func routing(numbers: Int) -> DirectoryShape {
        DirectoryShape(numbers: numbers, assigned: numbers / 10 * 9, spareAgents: max(100, numbers / 100))
    }
}

/// A generated directory: the image to load, plus what the probes and baselines need to know
/// about it without asking the index.
struct GeneratedDirectory {
    struct Number {
        var key: UInt64
        var provider: Provider
        var active: Bool
        /// Index into `agentIDs`, or -1.
        var agent: Int32
    }

    static let accountID = try! Identifier("acme")

    var image: DirectoryImage
    var numbers: [Number]
    var agentIDs: [String]
    var agentProviders: [Provider]
    /// The key of each agent's number, 0 for none.
    var agentNumbers: [UInt64]
    /// Numbers of blocks nobody owns: calls to them are refused as unknown.
    var unknownKeys: [UInt64]
    /// Per provider (by raw value), the keys of its active numbers: valid explicit caller IDs.
    var activeKeysByProvider: [[UInt64]]
    var defaults: [Provider: E164]

    init(_ shape: DirectoryShape) {
        var random = SplitMix64(seed: shape.seed)
        let blockSize = max(1, min(shape.blockSize, shape.numbers / 10))
        let blockCount = (shape.numbers + blockSize - 1) / blockSize
        let unknownBlockCount = max(1, blockCount / 20)

        // Distinct thousands-blocks +1 NPA NXX T000...T999 (no N11 area codes, exchanges 200-999).
        var seen = Set<UInt64>()
        var blocks: [UInt64] = []
        while blocks.count < blockCount + unknownBlockCount {
            let npa = UInt64.random(in: 201...989, using: &random)
            guard npa % 100 != 11 else { continue }
            let nxx = UInt64.random(in: 200...999, using: &random)
            let thousand = UInt64.random(in: 0...9, using: &random)
            let base = 10_000_000_000 + npa * 10_000_000 + nxx * 10_000 + thousand * 1000
            if seen.insert(base).inserted { blocks.append(base) }
        }

        // Providers per block: 5 Retell, 3 Vapi, 2 Bland in every 10, the first three one of each.
        let pattern: [Provider] = [.retell, .vapi, .bland, .retell, .vapi, .retell, .bland, .retell, .vapi, .retell]
        var numbers: [Number] = []
        numbers.reserveCapacity(shape.numbers)
        for block in 0..<blockCount {
            let provider = pattern[block % pattern.count]
            for line in 0..<UInt64(blockSize) where numbers.count < shape.numbers {
                // The first number of each block stays active: it may be a default caller ID.
                let active = line == 0 || Int.random(in: 0..<100, using: &random) >= shape.inactiveNumberPercent
                numbers.append(Number(key: blocks[block] + line, provider: provider, active: active, agent: -1))
            }
        }
        unknownKeys = blocks[blockCount...].flatMap { base in (0..<UInt64(blockSize)).map { base + $0 } }

        // Defaults: the first number of the first block of each provider, never assigned.
        var defaults: [Provider: E164] = [:]
        var defaultPositions = Set<Int>()
        for provider in Provider.allCases {
            if let position = numbers.firstIndex(where: { $0.provider == provider }) {
                defaults[provider] = E164(key: numbers[position].key)!
                defaultPositions.insert(position)
            }
        }

        // Agents: the first `assigned` own a random active number each, the rest own none.
        var candidates = numbers.indices.filter { numbers[$0].active && !defaultPositions.contains($0) }
        candidates.shuffle(using: &random)
        let assigned = min(shape.assigned, candidates.count)
        let agentCount = assigned + shape.spareAgents
        var agentIDs: [String] = []
        var agentProviders: [Provider] = []
        var agentNumbers: [UInt64] = []
        agentIDs.reserveCapacity(agentCount)
        for agent in 0..<agentCount {
            agentIDs.append("agent-\(agent)")
            if agent < assigned {
                let position = candidates[agent]
                numbers[position].agent = Int32(agent)
                agentProviders.append(numbers[position].provider)
                agentNumbers.append(numbers[position].key)
            } else {
                agentProviders.append(pattern[Int.random(in: 0..<pattern.count, using: &random)])
                agentNumbers.append(0)
            }
        }

        var image = DirectoryImage()
        let account = GeneratedDirectory.accountID
        image.accounts = [Account(id: account, name: "Acme Telephony", tokenSHA256: nil)]
        image.connections = Provider.allCases.map { provider in
            ProviderConnection(
                account: account, provider: provider, apiKey: "key_\(provider.name)_\(random.hex(24))",
                webhookSecret: "whsec_\(random.hex(32))", defaultCallerID: defaults[provider]
            )
        }
        image.agents.reserveCapacity(agentCount)
        for agent in 0..<agentCount {
            let status: Status = Int.random(in: 0..<100, using: &random) < shape.inactiveAgentPercent ? .inactive : .active
            image.agents.append(
                AgentSpec(
                    account: account, id: try! Identifier(agentIDs[agent]), name: "Agent \(agent)",
                    provider: agentProviders[agent], providerAgentID: "agent_\(random.hex(24))", status: status
                )
            )
        }
        image.numbers.reserveCapacity(numbers.count)
        let synced = Timestamp(milliseconds: 1_795_600_000_000)
        for number in numbers {
            let e164 = E164(key: number.key)!
            // Retell and Bland name a number by itself; Vapi gives it a UUID.
            let providerNumberID = number.provider == .vapi ? random.uuid() : e164.description
            image.numbers.append(
                NumberImage(
                    spec: NumberSpec(
                        account: account, number: e164, provider: number.provider, providerNumberID: providerNumberID,
                        status: number.active ? .active : .inactive,
                        agentID: number.agent >= 0 ? try! Identifier(agentIDs[Int(number.agent)]) : nil
                    ),
                    lastSyncedAt: synced
                )
            )
        }

        var activeKeysByProvider = [[UInt64]](repeating: [], count: Provider.allCases.count)
        for number in numbers where number.active { activeKeysByProvider[Int(number.provider.rawValue)].append(number.key) }

        self.image = image
        self.numbers = numbers
        self.agentIDs = agentIDs
        self.agentProviders = agentProviders
        self.agentNumbers = agentNumbers
        self.activeKeysByProvider = activeKeysByProvider
        self.defaults = defaults
    }

    /// Loads the image; a generator bug is fatal.
    func load() -> Directory {
        do {
            return try Directory.load(image)
        } catch {
            fatalError("the generated image does not load: \(error)")
        }
    }
}

extension SplitMix64 {
    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int(next() & 15)] })
    }

    mutating func uuid() -> String {
        "\(hex(8))-\(hex(4))-4\(hex(3))-a\(hex(3))-\(hex(12))"
    }
}
