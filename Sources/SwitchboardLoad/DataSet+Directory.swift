public import SwitchboardCore
import SwitchboardStore

extension DataSet {
    /// The data set as the router's state: every account, connection, agent and known number (the
    /// `unknown` numbers stay out). Throws if the core's rules refuse a record, which would be a
    /// bug in the data set, not in its input.
    public func makeDirectory() throws -> Directory {
        let directory = Directory()
        for account in 0..<spec.accounts {
            let id = try Identifier(accountID(account), field: "account")
            _ = try directory.createAccount(id: id, name: "Load test account \(account)")
            for provider in Provider.allCases {
                let fallback = defaultCallerID[account * 3 + Int(provider.rawValue)]
                _ = try directory.putProvider(
                    ProviderConnection(
                        account: id, provider: provider, apiKey: apiKey(account: account, provider: provider),
                        webhookSecret: webhookSecret(account: account, provider: provider),
                        baseURL: "\(spec.providersURL)/\(provider.name)",
                        defaultCallerID: fallback < 0 ? nil : number(Int(fallback))))
            }
        }
        var accountIDs: [AccountID] = []
        for account in 0..<spec.accounts { accountIDs.append(try Identifier(accountID(account), field: "account")) }
        for agent in 0..<agentCount {
            _ = try directory.putAgent(
                AgentSpec(
                    account: accountIDs[Int(agentAccount[agent])], id: try Identifier(agentID(agent)), name: "Load agent \(agent)",
                    provider: agentProvider[agent], providerAgentID: providerAgentID(agent),
                    status: agentActive[agent] ? .active : .inactive))
        }
        for index in 0..<numberCount where category[index] != .unknown {
            let agent = initialAgent[index]
            _ = try directory.putNumber(
                NumberSpec(
                    account: accountIDs[Int(numberAccount[index])], number: number(index), provider: numberProvider[index],
                    providerNumberID: providerNumberID(index), status: category[index] == .inactiveNumber ? .inactive : .active,
                    agentID: agent < 0 ? nil : try Identifier(agentID(Int(agent)))))
        }
        return directory
    }

    /// Writes the data set into a new data directory at `path` (`switchboard serve --data path`).
    public func seed(at path: String) throws {
        try Store.seed(at: path, with: try makeDirectory())
    }
}
