import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// The documented payloads end to end through a real in-memory Directory's index: receive, route by
/// rule 6, answer. Each refusal reason is produced by the index, not written by hand.
@Suite struct WebhookRoutingTests {
    enum Setup: CaseIterable {
        case routed, unknownNumber, numberInactive, unassigned, agentInactive
    }

    /// The called number of each documented payload.
    static func calledNumber(_ provider: Provider) -> E164 {
        provider == .retell ? Fixtures.e164("+12137771235") : Fixtures.e164("+14155550123")
    }

    static func body(_ provider: Provider) -> [UInt8] {
        switch provider {
        case .retell: Fixtures.retellBody
        case .vapi: Fixtures.vapiBody
        case .bland: Fixtures.blandBody
        }
    }

    static func connection(_ provider: Provider) -> ProviderConnection {
        switch provider {
        case .retell: Fixtures.retell
        case .vapi: Fixtures.vapi
        case .bland: Fixtures.bland
        }
    }

    /// A directory where the provider's documented called number is in the state `setup` names.
    static func directory(_ provider: Provider, _ setup: Setup) throws -> Directory {
        let directory = Directory()
        let account = Fixtures.agentID("default")
        _ = try directory.createAccount(id: account, name: "Default")
        _ = try directory.putProvider(connection(provider))
        _ = try directory.putAgent(AgentSpec(
            account: account, id: Fixtures.agentID("front-desk"), name: "Front desk", provider: provider, providerAgentID: "agent_8f3a",
            status: setup == .agentInactive ? .inactive : .active))
        guard setup != .unknownNumber else { return directory }
        let number = calledNumber(provider)
        _ = try directory.putNumber(NumberSpec(
            account: account, number: number, provider: provider, providerNumberID: "pn-1", status: setup == .numberInactive ? .inactive : .active,
            agentID: nil))
        if setup == .routed || setup == .agentInactive {
            _ = try directory.assign(account: account, number: number, agent: Fixtures.agentID("front-desk"))
        }
        return directory
    }

    static func route(_ provider: Provider, _ setup: Setup) throws -> (InboundRoute, WebhookReply) {
        let directory = try directory(provider, setup)
        let adapter = ProviderAdapters.adapter(for: provider)
        let body = body(provider)
        let key = provider == .retell ? Fixtures.retellKey : (provider == .vapi ? Fixtures.vapiSecret : Fixtures.blandSecret)
        let headers = Fixtures.headers(WebhookSigner.sign(provider, body: body, key: key, unixMillis: Fixtures.now))
        let event = try adapter.receive(headers: headers, body: body, connection: connection(provider), nowMillis: Fixtures.now)
        guard case .inboundCall(let call) = event, case .number(let number) = call.called else {
            Issue.record("not an inbound call to a number: \(event)")
            return (.refused(.unknownNumber), .acknowledged)
        }
        let slot = try #require(directory.index.accountSlot("default"))
        let route = InboundRoute(directory.index.inbound(number, account: slot, provider: provider))
        return (route, adapter.answer(route))
    }

    @Test func documentedPayload_routedToTheAssignedAgent() throws {
        let expected: [Provider: String] = [
            .retell: #"{"call_inbound":{"override_agent_id":"agent_8f3a","metadata":{"switchboard_agent_id":"front-desk"}}}"#,
            .vapi: #"{"assistantId":"agent_8f3a"}"#,
            .bland: #"{"agent_id":"agent_8f3a"}"#,
        ]
        for provider in Provider.allCases {
            let (route, reply) = try WebhookRoutingTests.route(provider, .routed)
            #expect(route == .routed(providerAgentID: "agent_8f3a", agentID: Fixtures.agentID("front-desk")))
            #expect(reply.status == 200)
            #expect(Fixtures.text(reply) == expected[provider], "\(provider)")
        }
    }

    @Test func documentedPayload_eachRefusalInTheProvidersFormat() throws {
        let reasons: [(Setup, InboundRefusal)] = [
            (.unknownNumber, .unknownNumber), (.numberInactive, .numberInactive), (.unassigned, .unassigned), (.agentInactive, .agentInactive),
        ]
        for provider in Provider.allCases {
            for (setup, reason) in reasons {
                let (route, reply) = try WebhookRoutingTests.route(provider, setup)
                #expect(route == .refused(reason), "\(provider) \(setup)")
                #expect(reply.status == 200)
                let text = Fixtures.text(reply)
                switch provider {
                case .retell: #expect(text == #"{"call_inbound":{}}"#)
                case .vapi: #expect(text == #"{"error":"\#(VapiAdapter.refusalSentence(reason))"}"#)
                case .bland: #expect(text == #"{"action":"reject","reason":"\#(reason.code)"}"#)
                }
            }
        }
    }
}
