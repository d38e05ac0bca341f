import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardSimulator
import Testing

/// Tenant isolation (SPEC §3 auth): an account token never reads or changes another account, by
/// any route or method, whether that account exists or not; the admin token acts on both.
@Suite(.serialized) struct APITenantIsolationIntegrationTests {
    /// Every request an account's API accepts, against `account` and its number and agent.
    static func requests(account a: String, number: String, agent: String) -> [(method: String, path: String, body: String?)] {
        let n = SwitchboardClient.segment(number)
        let base = "/v1/accounts/\(a)"
        let agentBody = #"{"name":"Taken","provider":"retell","provider_agent_id":"x","phone_number":null}"#
        return [
            ("GET", "\(base)/agents/\(agent)/caller-id", nil),
            ("GET", "\(base)/events", nil),
            ("GET", "\(base)/providers/retell", nil),
            ("PUT", "\(base)/providers/retell", #"{"api_key":"stolen"}"#),
            ("DELETE", "\(base)/providers/retell", nil),
            ("GET", "\(base)/numbers", nil),
            ("GET", "\(base)/numbers?assigned=true", nil),
            ("GET", "\(base)/numbers/available", nil),
            ("GET", "\(base)/numbers/\(n)", nil),
            ("PUT", "\(base)/numbers/\(n)/agent", #"{"agent_id":"\#(agent)"}"#),
            ("DELETE", "\(base)/numbers/\(n)/agent", nil),
            ("GET", "\(base)/numbers/\(n)/diagnosis", nil),
            ("GET", "\(base)/agents", nil),
            ("GET", "\(base)/agents/\(agent)", nil),
            ("PUT", "\(base)/agents/\(agent)", agentBody),
            ("PUT", "\(base)/agents/intruder", agentBody),
            // Last, so that every request before it finds the agent (the own-account test runs them in order).
            ("DELETE", "\(base)/agents/\(agent)", nil),
        ]
    }

    /// The requests that would reach a provider (a sync's listing, an outbound call) or read what
    /// the last sync found.
    static func providerRequests(account a: String, agent: String) -> [(method: String, path: String, body: String?)] {
        let base = "/v1/accounts/\(a)"
        return [
            ("GET", "\(base)/sync", nil),
            ("POST", "\(base)/sync", nil),
            ("POST", "\(base)/sync?provider=retell", nil),
            ("POST", "\(base)/calls", #"{"agent_id":"\#(agent)","to":"+14155550199"}"#),
        ]
    }

    /// What the admin sees of both accounts' syncs and routing events: a refused request must
    /// leave it as it was (the export does not hold either).
    static func observable(_ router: IntegrationRouter) throws -> [String] {
        let admin = try router.admin
        return try ["acme", "beta"].flatMap { account in
            [try admin.send("GET", "/v1/accounts/\(account)/sync").text, try admin.send("GET", "/v1/accounts/\(account)/events").text]
        }
    }

    static func send(_ client: SwitchboardClient, _ request: (method: String, path: String, body: String?)) throws -> ClientResponse {
        var path = request.path
        var query: [(name: String, value: String)] = []
        if let mark = path.firstIndex(of: "?") {
            let pair = path[path.index(after: mark)...].split(separator: "=").map(String.init)
            query = [(pair[0], pair[1])]
            path = String(path[..<mark])
        }
        return try client.send(request.method, path, query: query, body: request.body.map { Data($0.utf8) })
    }

    @Test func accountToken_otherAccountsResources_forbiddenForEveryMethod() throws {
        // Both accounts' retell connections point at the simulator, which records every request:
        // a refused sync or call must not reach it.
        let simulator = ProviderSimulator()
        try simulator.start()
        defer { simulator.stop() }
        try simulator.createAccount(.retell, apiKey: "key_acme_secret_retell")
        try simulator.createAccount(.retell, apiKey: "key_beta_secret_retell")
        let seed = IntegrationRouter.standardSeed.replacingOccurrences(of: "http://127.0.0.1:9", with: simulator.baseURL(.retell))
        let router = try IntegrationRouter(seed: seed)
        defer { router.stop() }
        let pairs: [(client: SwitchboardClient, target: String, number: String, agent: String)] = [
            (try router.acme, "beta", "+14155550200", "beta-agent"),
            (try router.beta, "acme", "+14155550100", "front-desk"),
            // An account that does not exist is 403 too: an account token learns nothing of others.
            (try router.acme, "nope", "+14155550100", "front-desk"),
        ]
        for pair in pairs {
            let all = Self.requests(account: pair.target, number: pair.number, agent: pair.agent) + Self.providerRequests(account: pair.target, agent: pair.agent)
            for request in all {
                let before = try router.export()
                let seen = try Self.observable(router)
                let answer = try Self.send(pair.client, request)
                #expect(answer.status == 403, "\(request.method) \(request.path): \(answer.status) \(answer.text)")
                #expect(answer.apiError.code == "forbidden")
                #expect(!answer.text.contains(pair.number) && !answer.text.contains("key_"), "a refusal leaks nothing: \(answer.text)")
                #expect(try router.export() == before, "\(request.method) \(request.path) changed the state")
                #expect(try Self.observable(router) == seen, "\(request.method) \(request.path) started a sync or recorded an event")
                #expect(simulator.requests().isEmpty, "\(request.method) \(request.path) reached the provider")
            }
        }

        // The control: the same sync and call by the owner do reach the provider, so the checks
        // above would have seen a refused request that slipped through.
        let beta = try router.beta
        for request in Self.providerRequests(account: "beta", agent: "beta-agent") where request.method == "POST" {
            #expect(try Self.send(beta, request).status != 403)
        }
        var endpoints: Set<SimulatorEndpoint> = []
        for _ in 0..<250 where endpoints.count < 2 {
            endpoints = Set(simulator.requests(provider: .retell).compactMap(\.endpoint))
            usleep(20_000)
        }
        #expect(endpoints.count >= 2, "a listing and a call reached the simulator: \(endpoints)")
    }

    @Test func accountToken_otherAccountsNumberThroughOwnPath_isUnknown() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        // beta's number, named in acme's own routes: unknown to acme, never assignable.
        try router.expectRefusal(404, "unknown_number") { _ = try acme.number(account: "acme", number: "+14155550200") }
        try router.expectRefusal(404, "unknown_number") { _ = try acme.assign(account: "acme", number: "+14155550200", agent: "sales") }
        try router.expectRefusal(404, "unknown_number") { _ = try acme.unassign(account: "acme", number: "+14155550200") }
        try router.expectRefusal(404, "unknown_number") {
            _ = try acme.putAgent(account: "acme", id: "sales", AgentSettings(name: "Sales", provider: "retell", providerAgentID: "agent_sales", phone: .assign("+14155550200")))
        }
        try router.expectRefusal(404, "unknown_number") { _ = try acme.callerID(account: "acme", agent: "sales", from: "+14155550200") }
        let diagnosis = try acme.diagnosis(account: "acme", number: "+14155550200")
        #expect(!diagnosis.reachesAgent && diagnosis.checks.count == 1, "diagnosis reveals nothing about beta's number")
        // beta's agent, named in acme's routes, is unknown too.
        try router.expectRefusal(404, "unknown_agent") { _ = try acme.assign(account: "acme", number: "+14155550101", agent: "beta-agent") }
        try router.expectRefusal(404, "unknown_agent") { _ = try acme.agent(account: "acme", id: "beta-agent") }
        #expect(try acme.numbers(account: "acme").allSatisfy { !$0.number.hasPrefix("+1415555020") })
    }

    @Test func adminToken_actsOnEveryAccount() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let admin = try router.admin
        for (account, number, agent) in [("acme", "+14155550100", "front-desk"), ("beta", "+14155550200", "beta-agent")] {
            for request in Self.requests(account: account, number: number, agent: agent) + Self.providerRequests(account: account, agent: agent)
            where request.method == "GET" {
                let answer = try Self.send(admin, request)
                #expect(answer.status == 200, "\(request.path): \(answer.status) \(answer.text)")
            }
            #expect(try admin.unassign(account: account, number: number).previousAgentID == agent)
            #expect(try admin.assign(account: account, number: number, agent: agent).number.agentID == agent)
        }
        // Each account token sees its own state, which the admin's writes changed.
        #expect(try router.beta.agent(account: "beta", id: "beta-agent").phoneNumber == "+14155550200")
        #expect(try router.acme.agent(account: "acme", id: "front-desk").phoneNumber == "+14155550100")
    }

    @Test func accountToken_ownAccount_everyMethodAllowed() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let beta = try router.beta
        for request in Self.requests(account: "beta", number: "+14155550200", agent: "beta-agent") {
            let answer = try Self.send(beta, request)
            #expect((200..<300).contains(answer.status), "\(request.method) \(request.path): \(answer.status) \(answer.text)")
        }
    }
}
