public import SwitchboardSimulator
import SwitchboardCore

extension DataSet {
    /// Makes `simulator` the provider behind the data set: every connection's account (same API
    /// key and webhook secret) holding the connection's active numbers with their provider ids, so
    /// that the router's pushes (on reassignments) and syncs during a load test succeed against
    /// it, as they would against the real providers.
    public func register(in simulator: ProviderSimulator) throws(SimulatorError) {
        var batches: [[SimulatedNumber]] = Array(repeating: [], count: spec.accounts * 3)
        for index in 0..<numberCount where category[index] != .unknown && category[index] != .inactiveNumber {
            var number = SimulatedNumber(number(index))
            if numberProvider[index] == .vapi { number.requestedVapiID = providerNumberID(index) }
            batches[Int(numberAccount[index]) * 3 + Int(numberProvider[index].rawValue)].append(number)
        }
        for account in 0..<spec.accounts {
            for provider in Provider.allCases {
                _ = try simulator.createAccount(
                    provider, apiKey: apiKey(account: account, provider: provider), webhookSecret: webhookSecret(account: account, provider: provider))
                _ = try simulator.addNumbers(batches[account * 3 + Int(provider.rawValue)], provider: provider, apiKey: apiKey(account: account, provider: provider))
            }
        }
    }
}
