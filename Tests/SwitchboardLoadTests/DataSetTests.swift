import Foundation
import SwitchboardCore
import SwitchboardStore
import Testing

@testable import SwitchboardLoad

@Suite struct DataSetTests {
    static func fingerprint(_ dataSet: DataSet) -> [String] {
        var lines: [String] = []
        for index in 0..<dataSet.numberCount {
            lines.append("\(dataSet.number(index)) \(dataSet.category(ofNumber: index)) \(dataSet.provider(ofNumber: index)) \(dataSet.accountID(ofNumber: index)) \(dataSet.providerNumberID(index)) \(dataSet.initialAgent(ofNumber: index) ?? -1)")
        }
        for agent in 0..<dataSet.agentCount {
            lines.append("\(dataSet.agentID(agent)) \(dataSet.providerAgentID(agent)) \(dataSet.isActive(agent: agent))")
        }
        for account in 0..<dataSet.spec.accounts {
            for provider in Provider.allCases {
                lines.append("\(dataSet.apiKey(account: account, provider: provider)) \(dataSet.webhookSecret(account: account, provider: provider))")
            }
        }
        return lines
    }

    @Test func dataSet_sameSizeAndSeed_isIdentical() throws {
        let spec = DataSetSpec(numbers: 2000, seed: 99, accounts: 3)
        #expect(Self.fingerprint(try DataSet(spec)) == Self.fingerprint(try DataSet(spec)))
        var other = spec
        other.seed = 100
        let a = Self.fingerprint(try DataSet(spec)), b = Self.fingerprint(try DataSet(other))
        #expect(a != b)
        // A different seed changes the numbers, not just their order.
        #expect(Set(a.prefix(2000).map { $0.prefix(12) }) != Set(b.prefix(2000).map { $0.prefix(12) }))
    }

    @Test func dataSet_categories_haveExactProportionsAndDistinctNumbers() throws {
        let dataSet = try DataSet(DataSetSpec(numbers: 10_000, seed: 5))
        let counts = dataSet.categoryCounts
        #expect(counts == [.routed: 8500, .unknown: 500, .unassigned: 400, .inactiveNumber: 300, .inactiveAgent: 300])
        #expect(Set((0..<10_000).map { dataSet.number($0) }).count == 10_000)
        // Roughly a third of the numbers per provider, and idle agents for the moves.
        for provider in Provider.allCases {
            let share = Double(dataSet.numbersByProvider[Int(provider.rawValue)].count) / 10_000
            #expect(share > 0.3 && share < 0.37)
        }
        #expect(dataSet.agentCount >= 8500 + 300 + 850)
    }

    @Test func dataSet_badSpec_namesTheField() {
        #expect(throws: LoadTestError("numbers must be from 1 to 10000000, not 0")) { try DataSet(DataSetSpec(numbers: 0)) }
        #expect(throws: LoadTestError("accounts (5) must not exceed numbers (2)")) { try DataSet(DataSetSpec(numbers: 2, accounts: 5)) }
        #expect(throws: LoadTestError("number mix: at least one weight must be above 0")) {
            try DataSet(DataSetSpec(numbers: 10, categoryWeights: [.routed: 0]))
        }
        #expect(throws: LoadTestError("provider mix: every weight must be a finite number of at least 0")) {
            try DataSet(DataSetSpec(numbers: 10, providerWeights: [.retell: -1]))
        }
    }

    /// The checker's expectations agree with the core's own decisions for every number and agent of
    /// the seeded state: the harness derives the answers, the router computes them, and they match.
    @Test func dataSet_expectedAnswers_agreeWithTheCoreIndex() throws {
        let dataSet = try DataSet(DataSetSpec(numbers: 3000, seed: 3, accounts: 2))
        let directory = try dataSet.makeDirectory()
        let checker = AnswerChecker(dataSet: dataSet)
        for index in 0..<dataSet.numberCount {
            let account = directory.index.accountSlot(dataSet.accountID(ofNumber: index))!
            let decision = directory.index.inbound(dataSet.number(index), account: account, provider: dataSet.provider(ofNumber: index))
            let expected = checker.outcome(number: index, slotValue: dataSet.initialAgent[index])
            switch (decision, expected) {
            case (.routed(let record), .routed(let agent)):
                #expect(record.id.value == dataSet.agentID(agent))
                #expect(record.providerAgentID == dataSet.providerAgentID(agent))
            case (.refused(let reason), .refused(let expectedReason)):
                #expect(reason == expectedReason)
            default:
                Issue.record("number \(index): core says \(decision), checker expects \(expected)")
            }
        }
        for agent in 0..<dataSet.agentCount {
            let account = directory.index.accountSlot(dataSet.accountID(ofAgent: agent))!
            let decision = directory.index.callerID(account: account, agentID: dataSet.agentID(agent))
            switch (decision, checker.callerIDOutcome(agent: agent, slotValue: dataSet.agentInitialNumber[agent])) {
            case (.chosen(let number, let source, _), .chosen(let expected, let expectedSource)):
                #expect(number == dataSet.number(expected))
                #expect(source.description == expectedSource.description)
            case (.refused(.noCallerID), .noCallerID):
                break
            case (let got, let expected):
                Issue.record("agent \(agent): core says \(got), checker expects \(expected)")
            }
        }
    }

    @Test func dataSet_seed_writesADataDirectoryTheStoreReadsBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sb-load-seed-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dataSet = try DataSet(DataSetSpec(numbers: 500, seed: 8, accounts: 2))
        try dataSet.seed(at: path)
        let (recovered, _) = try Store.read(at: path)
        #expect(recovered.image() == (try dataSet.makeDirectory()).image())
        // A second seed into the same directory is refused: it already holds state.
        #expect(throws: (any Error).self) { try dataSet.seed(at: path) }
    }
}
