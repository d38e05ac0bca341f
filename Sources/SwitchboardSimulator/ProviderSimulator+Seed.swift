import SwitchboardCore

extension ProviderSimulator {
    /// An account the demo seed created, with its numbers as the provider gave them.
    public struct SeededAccount: Sendable {
        public let account: SimulatorAccount
        public let numbers: [SimulatedNumber]
    }

    /// The demo seed: one account per provider with three numbers each, none bound to an agent.
    /// Fixed keys (they are printed, and a demo script may rely on them); Retell signs webhooks
    /// with its API key, Vapi and Bland with their webhook secrets.
    @discardableResult
    public func seedDemo() throws(SimulatorError) -> [SeededAccount] {
        let plan: [(Provider, String, String?, [String])] = [
            (.retell, "key_sim_retell_demo", nil, ["+14155550101", "+14155550102", "+14155550103"]),
            (.vapi, "sim_vapi_demo", "whsec_sim_vapi_demo", ["+14155550201", "+14155550202", "+14155550203"]),
            (.bland, "sim_bland_demo", "whsec_sim_bland_demo", ["+14155550301", "+14155550302", "+14155550303"]),
        ]
        var seeded: [SeededAccount] = []
        for (provider, key, secret, texts) in plan {
            let account = try createAccount(provider, apiKey: key, webhookSecret: secret)
            var batch: [SimulatedNumber] = []
            for (index, text) in texts.enumerated() {
                guard let number = try? E164(text) else { preconditionFailure("the seed's numbers are E.164") }
                batch.append(SimulatedNumber(number, name: "\(provider) demo line \(index + 1)"))
            }
            seeded.append(SeededAccount(account: account, numbers: try addNumbers(batch, provider: provider, apiKey: key)))
        }
        return seeded
    }
}
