import Testing

@testable import SwitchboardCore

/// `Directory.load` (the bulk load: two threads, look-ups prefetched through a ring, agents moved
/// into the tables) against the rules applied one record at a time, on images large enough that
/// every shard is used and the look-ahead ring is full: the same directory from a good image, and
/// the same first broken record and rule from a bad one, with several broken records close
/// together so that a broken field found ahead must wait for the look-ups before it.
@Suite struct BulkLoadTests {
    static let acme = try! Identifier("acme")
    static let zeta = try! Identifier("zeta")

    /// 2 accounts, 3 connections, 700 agents, 2,400 numbers of which about 600 are assigned.
    static func image(seed: UInt64) -> DirectoryImage {
        var random = SplitMix64Generator(seed: seed)
        var image = DirectoryImage()
        image.accounts = [Account(id: acme, name: "Acme", tokenSHA256: nil), Account(id: zeta, name: "Zeta", tokenSHA256: nil)]
        image.connections = [
            ProviderConnection(account: acme, provider: .retell, apiKey: "key_r"),
            ProviderConnection(account: acme, provider: .vapi, apiKey: "key_v"),
            ProviderConnection(account: zeta, provider: .retell, apiKey: "key_z"),
        ]
        let providers: [Provider] = [.retell, .vapi, .bland]
        for index in 0..<700 {
            let account = index % 3 == 2 ? zeta : acme
            let provider = providers[index % 3 == 1 ? 1 : Int(random.next() % 2) * 2]
            image.agents.append(
                AgentSpec(
                    account: account, id: try! Identifier("ag-\(index)"), name: "Agent \(index)", provider: provider,
                    providerAgentID: "pa_\(index)", status: random.next() % 10 == 0 ? .inactive : .active))
        }
        var free = Array(image.agents.indices).shuffled(using: &random)
        for index in 0..<2_400 {
            let key = 1_555_000_0000 + UInt64(index) * 7_919
            let number = E164(key: key)!
            var agent: AgentSpec?
            if random.next() % 4 == 0, let taken = free.popLast() { agent = image.agents[taken] }
            let account = agent?.account ?? (index % 3 == 2 ? zeta : acme)
            let provider = agent?.provider ?? providers[Int(random.next() % 3)]
            image.numbers.append(
                NumberImage(
                    spec: NumberSpec(
                        account: account, number: number, provider: provider,
                        providerNumberID: provider == .vapi ? "vn-\(index)" : number.description, status: .active, agentID: agent?.id),
                    lastSyncedAt: random.next() % 2 == 0 ? Timestamp(milliseconds: 1_764_000_000_000 + Int64(index)) : nil))
        }
        return image
    }

    /// The records applied one at a time, as changes: the first one refused, by position.
    static func oneAtATime(_ image: DirectoryImage) -> Result<DirectoryImage, ImageError> {
        let directory = Directory()
        var position = 0
        do {
            for account in image.accounts {
                _ = try directory.createAccount(id: account.id, name: account.name, tokenSHA256: account.tokenSHA256)
                position += 1
            }
            for connection in image.connections {
                try directory.putProvider(connection)
                position += 1
            }
            for agent in image.agents {
                try directory.putAgent(agent)
                position += 1
            }
            for number in image.numbers {
                try directory.putNumber(number.spec, lastSyncedAt: number.lastSyncedAt)
                position += 1
            }
        } catch let error as DirectoryError {
            return .failure(ImageError(recordIndex: position, error: error))
        } catch {
            preconditionFailure("not a DirectoryError: \(error)")
        }
        return .success(directory.image())
    }

    static func bulk(_ image: DirectoryImage) -> Result<DirectoryImage, ImageError> {
        Result { () throws(ImageError) in try Directory.load(image).image() }
    }

    @Test(arguments: 0..<6)
    func goodImage_loadsAsTheRulesOneAtATime(seed: UInt64) {
        let image = Self.image(seed: seed)
        let reference = Self.oneAtATime(image)
        guard case .success(let expected) = reference else {
            Issue.record("the test image breaks a rule: \(reference)")
            return
        }
        #expect(Self.bulk(image) == .success(expected))
        #expect(expected.numbers.filter { $0.spec.agentID != nil }.count > 500, "the image assigns enough numbers to fill the ring")
    }

    /// Two to four broken numbers within a few records of each other (fields the first round
    /// checks ahead of its look-ups, and rules only the look-up finds), at random places.
    @Test(arguments: 0..<40)
    func brokenNumbers_areRefusedAtTheFirstBrokenRecord(seed: UInt64) throws {
        var random = SplitMix64Generator(seed: 1_000 + seed)
        var image = Self.image(seed: seed)
        let assigned = image.numbers.indices.filter { image.numbers[$0].spec.agentID != nil }
        let center = assigned[Int(random.next() % UInt64(assigned.count))]
        // Each damaged record breaks one rule: which of a record's own broken rules is named first
        // is the load's to choose (fields, then agent, then repetition).
        var touched = Set<Int>()
        for _ in 0..<(2 + random.next() % 3) {
            let target = max(3, min(image.numbers.count - 1, center + Int(random.next() % 41) - 20))
            guard touched.insert(target).inserted else { continue }
            switch random.next() % 5 {
            case 0: image.numbers[target].spec.providerNumberID = "has space"
            case 1: image.numbers[target].spec.agentID = try Identifier("ghost-\(target)")
            case 2: image.numbers[target].spec.status = .inactive
            case 3:
                // The agent of another assigned number: that agent now has two.
                let other = assigned[Int(random.next() % UInt64(assigned.count))]
                image.numbers[target].spec.agentID = image.numbers[other].spec.agentID
                image.numbers[target].spec.provider = image.numbers[other].spec.provider
                image.numbers[target].spec.account = image.numbers[other].spec.account
            default:
                // An unassigned record repeating an earlier number.
                image.numbers[target].spec.agentID = nil
                image.numbers[target].spec.number = image.numbers[target - 3].spec.number
            }
        }
        guard case .failure(let expected) = Self.oneAtATime(image) else {
            Issue.record("the damage broke no rule (seed \(seed))")
            return
        }
        guard case .failure(let refused) = Self.bulk(image) else {
            Issue.record("the bulk load accepts the damage (seed \(seed))")
            return
        }
        // The same record and rule; a load words a repeated number or agent its own way.
        #expect(refused.recordIndex == expected.recordIndex, "seed \(seed): \(refused) against \(expected)")
        #expect(refused.error.code == expected.error.code, "seed \(seed): \(refused) against \(expected)")
        if expected.error.code != .numberTaken { #expect(refused.error == expected.error, "seed \(seed)") }
    }
}
