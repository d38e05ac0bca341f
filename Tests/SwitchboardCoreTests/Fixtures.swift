@testable import SwitchboardCore

/// Builders with defaults for the tests (STYLE habit 9).
enum Fixture {
    static func id(_ value: String) -> Identifier { try! Identifier(value) }
    static func number(_ text: String) -> E164 { try! E164(text) }

    static func agent(
        _ id: String, account: String = "acme", provider: Provider = .retell, status: Status = .active, name: String? = nil
    ) -> AgentSpec {
        AgentSpec(
            account: Fixture.id(account), id: Fixture.id(id), name: name ?? "Agent \(id)", provider: provider,
            providerAgentID: "pa_\(id)", status: status
        )
    }

    static func numberSpec(
        _ text: String, account: String = "acme", provider: Provider = .retell, status: Status = .active, agent: String? = nil
    ) -> NumberSpec {
        NumberSpec(
            account: Fixture.id(account), number: number(text), provider: provider, providerNumberID: "pn_\(text.dropFirst())",
            status: status, agentID: agent.map { Fixture.id($0) }
        )
    }

    /// A directory with account `acme` (and `other`), retell agents a1, a2, a vapi agent v1, retell
    /// numbers +15550001..4 (4 inactive), vapi number +15550009, and `other`'s retell number +15559999.
    static func directory(journal: (any ChangeJournal)? = nil) throws -> Directory {
        let directory = Directory(journal: journal)
        _ = try directory.createAccount(id: id("acme"), name: "Acme")
        _ = try directory.createAccount(id: id("other"), name: "Other")
        try directory.putAgent(agent("a1"))
        try directory.putAgent(agent("a2"))
        try directory.putAgent(agent("v1", provider: .vapi))
        try directory.putAgent(agent("o1", account: "other"))
        for text in ["+15550001", "+15550002", "+15550003"] { try directory.putNumber(numberSpec(text)) }
        try directory.putNumber(numberSpec("+15550004", status: .inactive))
        try directory.putNumber(numberSpec("+15550009", provider: .vapi))
        try directory.putNumber(numberSpec("+15559999", account: "other"))
        return directory
    }
}

extension Directory {
    var acmeSlot: UInt32 { index.accountSlot("acme")! }

    func inboundOutcome(_ text: String, account: String = "acme", provider: Provider = .retell) -> String {
        switch index.inbound(Fixture.number(text), account: index.accountSlot(account)!, provider: provider) {
        case .routed(let agent): "routed:\(agent.id)"
        case .refused(let reason): reason.code
        }
    }

    func callerIDOutcome(_ agent: String, explicit: String? = nil, account: String = "acme") -> String {
        switch index.callerID(account: index.accountSlot(account)!, agentID: agent, explicit: explicit.map { Fixture.number($0) }) {
        case .chosen(let number, let source, _): "\(source):\(number)"
        case .refused(let reason): reason.code
        }
    }
}
