import SwitchboardCore
import SwitchboardLoad
import SwitchboardSimulator
import Testing

/// The data set registered at the simulator: the accounts the router's connections name, holding
/// the active numbers with the provider ids the router knows (Vapi's UUIDs included).
@Suite struct DataSetSimulatorTests {
    @Test func register_everyConnectionAndActiveNumber_withTheRoutersIDs() throws {
        let dataSet = try DataSet(DataSetSpec(numbers: 600, seed: 3, accounts: 2))
        let simulator = ProviderSimulator()
        try simulator.start()
        defer { simulator.stop() }
        try dataSet.register(in: simulator)
        #expect(simulator.accounts().count == 6)
        let directory = try dataSet.makeDirectory()
        var checked = 0
        for index in 0..<dataSet.numberCount {
            let category = dataSet.category(ofNumber: index)
            guard category != .unknown else { continue }
            let provider = dataSet.provider(ofNumber: index)
            let number = dataSet.number(index)
            let account = try #require(directory.accounts().first { directory.number(account: $0.id, number: number) != nil })
            let connection = try #require(directory.connection(account: account.id, provider: provider))
            let held = try simulator.number(number, provider: provider, apiKey: connection.apiKey)
            if category == .inactiveNumber {
                #expect(held == nil, "an inactive number is one the provider no longer lists")
            } else {
                #expect(held?.id == dataSet.providerNumberID(index))
                checked += 1
            }
        }
        #expect(checked > 400)
    }
}
