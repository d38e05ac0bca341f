import SwitchboardClient
import SwitchboardCore
import SwitchboardSimulator

/// The seed's flows, step by step: each prints what it does and checks what the seed says must
/// happen; the first step that does not behave throws, naming itself.
struct DemoScript {
    let stage: DemoStage
    let say: (String) -> Void

    struct Step {
        let title: String
        let run: () throws -> Void
    }

    var steps: [Step] {
        [
            Step(title: "Numbers bought at each provider appear after a sync", run: syncNumbers),
            Step(title: "Assign a number from the agent editor", run: assignFromAgentEditor),
            Step(title: "Assign a number from the Phone Numbers page", run: assignFromNumbersPage),
            Step(title: "Reassign: the number moves, the old agent stops receiving its calls", run: reassign),
            Step(title: "Unassign: the number returns to the pool", run: unassign),
            Step(title: "An inbound call to an inactive agent is refused, with the reason", run: inactiveAgent),
            Step(title: "Outbound calls: the agent's number, another number, or refused without one", run: outbound),
        ]
    }

    private var client: SwitchboardClient { stage.client }
    private var account: String { stage.account }

    private func check(_ condition: Bool, _ what: String) throws {
        guard condition else { throw DemoFailure(what) }
        say("   ✓ \(what)")
    }

    // MARK: Steps

    private func syncNumbers() throws {
        for provider in Provider.allCases {
            let seeded = try stage.seededAccount(provider)
            _ = try client.putProvider(
                account: account, provider: provider.name,
                ProviderSettings(apiKey: seeded.account.apiKey, webhookSecret: seeded.account.webhookSecret, baseURL: stage.simulator.baseURL(provider)))
            say("   connected \(provider) (base_url \(stage.simulator.baseURL(provider)))")
        }
        let results = try client.sync(account: account, timeout: 30)
        for result in results {
            say("   sync \(result.provider): \(result.result ?? "?"), added \(result.added), updated \(result.updated), deactivated \(result.deactivated)")
            if let error = result.error { say("     why: \(error)") }
        }
        try check(results.count == 3 && results.allSatisfy { $0.result == "ok" && $0.added == 3 }, "each provider's three numbers were added")
        let available = try client.availableNumbers(account: account)
        try check(available.count == 9, "9 numbers are in the pool of available numbers")
        let retellOnly = try client.availableNumbers(account: account, provider: "retell").map(\.number)
        try check(retellOnly == ["+14155550101", "+14155550102", "+14155550103"], "the agent editor's dropdown for a Retell agent offers the 3 Retell numbers")
    }

    private func assignFromAgentEditor() throws {
        let (agent, created) = try client.putAgent(
            account: account, id: "front-desk",
            AgentSettings(name: "Front desk", provider: "retell", providerAgentID: "agent_front_desk", phone: .assign("+14155550101")))
        say("   PUT agents/front-desk with phone_number +14155550101 (created: \(created))")
        try check(agent.phoneNumber == "+14155550101", "front-desk has +14155550101")
        let call = try stage.inboundCall(.retell, to: "+14155550101")
        say("   Retell posts an inbound call to +14155550101; the router answers \(call.body)")
        try check(call.status == 200 && call.body.contains(#""override_agent_id":"agent_front_desk""#), "the call goes to front-desk's Retell agent")
        try check(try stage.eventually { try stage.providerBinding(.retell, "+14155550101") == "agent_front_desk" },
                  "Retell's own setting for the number now names front-desk's agent (push)")
    }

    private func assignFromNumbersPage() throws {
        _ = try client.putAgent(account: account, id: "sales", AgentSettings(name: "Sales", provider: "vapi", providerAgentID: "asst_sales"))
        let result = try client.assign(account: account, number: "+14155550201", agent: "sales")
        say("   PUT numbers/+14155550201/agent {\"agent_id\":\"sales\"}")
        try check(result.number.agentID == "sales" && result.previousAgentID == nil, "+14155550201 belongs to sales")
        let call = try stage.inboundCall(.vapi, to: "+14155550201")
        say("   Vapi asks which assistant answers +14155550201; the router answers \(call.body)")
        try check(call.status == 200 && call.body == #"{"assistantId":"asst_sales"}"#, "the call goes to sales' Vapi assistant")
    }

    private func reassign() throws {
        _ = try client.putAgent(account: account, id: "support", AgentSettings(name: "Support", provider: "retell", providerAgentID: "agent_support", phone: .assign("+14155550102")))
        say("   support has +14155550102; now +14155550101 moves from front-desk to support")
        let result = try client.assign(account: account, number: "+14155550101", agent: "support")
        say("   the answer: previous_agent_id \(result.previousAgentID ?? "null"), released_number \(result.releasedNumber ?? "null")")
        try check(result.previousAgentID == "front-desk", "front-desk lost +14155550101")
        try check(result.releasedNumber == "+14155550102", "support's former number +14155550102 returned to the pool")
        let call = try stage.inboundCall(.retell, to: "+14155550101")
        try check(call.body.contains(#""override_agent_id":"agent_support""#), "the next call to +14155550101 goes to support, not front-desk")
        try check(try client.agent(account: account, id: "front-desk").phoneNumber == nil, "front-desk has no number now (it still exists for web and test calls)")
        try check(try client.availableNumbers(account: account, provider: "retell").map(\.number).contains("+14155550102"), "+14155550102 is available again")
    }

    private func unassign() throws {
        let result = try client.unassign(account: account, number: "+14155550201")
        say("   DELETE numbers/+14155550201/agent (it was sales')")
        try check(result.previousAgentID == "sales", "sales lost +14155550201")
        try check(try client.availableNumbers(account: account, provider: "vapi").map(\.number).contains("+14155550201"), "+14155550201 is back in the pool")
        let call = try stage.inboundCall(.vapi, to: "+14155550201")
        say("   a call to +14155550201 now: \(call.body)")
        try check(call.body.contains(#""error""#), "Vapi is told the number is not in service")
        let latest = try client.eventsPage(account: account, limit: 1).events.first
        try check(latest?.reason == "unassigned", "the event log records the refusal as unassigned")
    }

    private func inactiveAgent() throws {
        _ = try client.putAgent(account: account, id: "night", AgentSettings(name: "Night line", provider: "bland", providerAgentID: "pathway_night", phone: .assign("+14155550301")))
        let before = try stage.inboundCall(.bland, to: "+14155550301")
        try check(before.body == #"{"agent_id":"pathway_night"}"#, "while active, night answers +14155550301")
        _ = try client.putAgent(account: account, id: "night", AgentSettings(name: "Night line", provider: "bland", providerAgentID: "pathway_night", status: "inactive"))
        say("   night is set inactive")
        let call = try stage.inboundCall(.bland, to: "+14155550301")
        say("   Bland posts a call to +14155550301; the router answers \(call.body)")
        try check(call.body == #"{"action":"reject","reason":"agent_inactive"}"#, "the call is refused in Bland's format, reason agent_inactive")
        let diagnosis = try client.diagnosis(account: account, number: "+14155550301")
        let failing = diagnosis.checks.filter { !$0.ok }.map(\.name)
        try check(!diagnosis.reachesAgent && failing.contains("agent_active"), "diagnosis says why: \(failing.joined(separator: ", "))")
    }

    private func outbound() throws {
        let own = try client.callerID(account: account, agent: "support")
        try check(own.callerID == "+14155550101" && own.source == "assigned", "support's caller ID is its own number +14155550101")
        let call = try client.placeCall(account: account, agent: "support", to: "+12137771234")
        say("   POST calls {agent_id: support, to: +12137771234} → Retell call \(call.callID) from \(call.from)")
        let sent = stage.simulator.calls(provider: .retell).last
        try check(sent?.from?.description == "+14155550101" && sent?.agentID == "agent_support", "Retell was asked to call from +14155550101 with support's agent")
        let other = try client.placeCall(account: account, agent: "support", to: "+12137771234", from: "+14155550103")
        try check(other.from == "+14155550103", "given another Retell number, the call uses it as caller ID")
        do {
            _ = try client.placeCall(account: account, agent: "front-desk", to: "+12137771234")
            throw DemoFailure("front-desk (no number, no default caller ID) placed a call")
        } catch let error as ClientError {
            say("   front-desk has no number: \(error)")
            try check(error.code == "no_caller_id", "the call is refused with no_caller_id")
        }
    }
}
