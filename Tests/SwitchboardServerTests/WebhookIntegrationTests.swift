import Foundation
import SwitchboardCore
import SwitchboardProviders
import Testing

@testable import SwitchboardServer

/// Provider webhooks through the real router over loopback: each provider's signed inbound call is
/// routed or refused in its own format, recorded as an event and counted; bad credentials and bad
/// bodies are refused and route nothing.
@Suite(.serialized) struct WebhookIntegrationTests {
    static let retellKey = "key_retell_0123456789"
    static let vapiSecret = "vapi_secret_0123456789"
    static let blandSecret = "bland_secret_0123456789"

    static func seed(_ directory: Directory) throws {
        let acme = try Identifier("acme")
        _ = try directory.createAccount(id: acme, name: "Acme")
        _ = try directory.createAccount(id: try Identifier("beta"), name: "Beta")
        try directory.putProvider(ProviderConnection(account: acme, provider: .retell, apiKey: retellKey))
        try directory.putProvider(ProviderConnection(account: acme, provider: .vapi, apiKey: "key_vapi_x", webhookSecret: vapiSecret))
        try directory.putProvider(ProviderConnection(account: acme, provider: .bland, apiKey: "key_bland_x", webhookSecret: blandSecret))
        let agents: [(String, Provider, Status)] = [("front", .retell, .active), ("sleepy", .retell, .inactive), ("vee", .vapi, .active), ("bee", .bland, .active)]
        for (id, provider, status) in agents {
            try directory.putAgent(AgentSpec(account: acme, id: try Identifier(id), name: id, provider: provider, providerAgentID: "pa_\(id)", status: status))
        }
        let numbers: [(UInt64, Provider, Status, String?, String)] = [
            (14155550001, .retell, .active, "front", "+14155550001"), (14155550002, .retell, .active, nil, "+14155550002"),
            (14155550003, .retell, .inactive, nil, "+14155550003"), (14155550004, .retell, .active, "sleepy", "+14155550004"),
            (14155550005, .vapi, .active, "vee", "vapi-number-uuid-5"), (14155550006, .bland, .active, "bee", "+14155550006"),
        ]
        for (key, provider, status, agent, providerID) in numbers {
            try directory.putNumber(NumberSpec(account: acme, number: E164(key: key)!, provider: provider, providerNumberID: providerID, status: status, agentID: try agent.map { try Identifier($0) }))
        }
    }

    static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func post(_ router: TestRouter, _ provider: Provider, account: String = "acme", body: [UInt8], key: String, signed: Bool = true) throws -> TestRouter.Answer {
        var headers = [("Content-Type", "application/json")]
        if signed { headers += WebhookSigner.sign(provider, body: body, key: key, unixMillis: WebhookIntegrationTests.nowMillis).map { ($0.name, $0.value) } }
        return try router.request("POST", "/webhooks/\(provider.name)/\(account)", body: body, token: "", headers: headers)
    }

    @Test func retell_routedAndEveryRefusal_inRetellsFormat() throws {
        let router = try TestRouter(seed: WebhookIntegrationTests.seed)
        defer { router.stop() }
        func call(_ to: String) throws -> TestRouter.Answer {
            try post(router, .retell, body: WebhookBodies.inboundCall(.retell, to: try E164(to), from: "+12137771234", callID: "c"), key: WebhookIntegrationTests.retellKey)
        }
        let routed = try call("+14155550001")
        #expect(routed.status == 200)
        #expect(routed.text == #"{"call_inbound":{"override_agent_id":"pa_front","metadata":{"switchboard_agent_id":"front"}}}"#)
        for refused in ["+14155550002", "+14155550003", "+14155550004", "+19995550000", "+14155550005"] {
            let answer = try call(refused)
            #expect(answer.status == 200 && answer.text == #"{"call_inbound":{}}"#, "\(refused): \(answer.text)")
        }
        let events = try router.request("GET", "/v1/accounts/acme/events?limit=10").json["events"] as? [[String: Any]] ?? []
        #expect(events.count == 6)
        let reasons = events.map { ($0["reason"] as? String) ?? "routed" }
        // Newest first; a Vapi number called through Retell is unknown to Retell's webhook.
        #expect(reasons == ["unknown_number", "unknown_number", "agent_inactive", "number_inactive", "unassigned", "routed"])
        #expect(events.last?["agent_id"] as? String == "front")
        #expect(events.last?["direction"] as? String == "inbound")
        let metrics = try router.request("GET", "/metrics").text
        #expect(metrics.contains(#"switchboard_webhooks_total{provider="retell",outcome="routed",reason=""} 1"#))
        #expect(metrics.contains(#"switchboard_webhooks_total{provider="retell",outcome="refused",reason="unknown_number"} 2"#))
        #expect(metrics.contains(#"switchboard_http_requests_total{route="/webhooks/{provider}/{a}",status="200"} 6"#))
    }

    @Test func vapiAndBland_routedAndRefused_inTheirFormats() throws {
        let router = try TestRouter(seed: WebhookIntegrationTests.seed)
        defer { router.stop() }
        let vapi = try post(router, .vapi, body: WebhookBodies.inboundCall(.vapi, to: try E164("+14155550005"), from: "+12137771234", callID: "v1", phoneNumberID: "vapi-number-uuid-5"), key: WebhookIntegrationTests.vapiSecret)
        #expect(vapi.status == 200 && vapi.text == #"{"assistantId":"pa_vee"}"#)
        let vapiRefused = try post(router, .vapi, body: WebhookBodies.inboundCall(.vapi, to: try E164("+14155550001"), from: "+12137771234", callID: "v2"), key: WebhookIntegrationTests.vapiSecret)
        #expect(vapiRefused.status == 200 && (vapiRefused.json["error"] as? String)?.isEmpty == false)
        // Vapi naming the called number only by its id: looked up among synced numbers, off the loop.
        let byID = Array(#"{"message":{"type":"assistant-request","call":{"id":"v3","type":"inboundPhoneCall","phoneNumberId":"vapi-number-uuid-5"},"customer":{"number":"+12137771234"}}}"#.utf8)
        let viaID = try post(router, .vapi, body: byID, key: WebhookIntegrationTests.vapiSecret)
        #expect(viaID.status == 200 && viaID.text == #"{"assistantId":"pa_vee"}"#)
        let bland = try post(router, .bland, body: WebhookBodies.inboundCall(.bland, to: try E164("+14155550006"), from: "+12137771234", callID: "b1"), key: WebhookIntegrationTests.blandSecret)
        #expect(bland.status == 200 && bland.text == #"{"agent_id":"pa_bee"}"#)
        let blandRefused = try post(router, .bland, body: WebhookBodies.inboundCall(.bland, to: try E164("+14155550002"), from: "+12137771234", callID: "b2"), key: WebhookIntegrationTests.blandSecret)
        #expect(blandRefused.status == 200 && blandRefused.json["action"] as? String == "reject" && blandRefused.json["reason"] as? String == "unknown_number")
    }

    @Test func badCredentialsAndBodies_areRefusedAndRouteNothing() throws {
        let router = try TestRouter(seed: WebhookIntegrationTests.seed)
        defer { router.stop() }
        let body = WebhookBodies.inboundCall(.retell, to: try E164("+14155550001"), from: "+12137771234", callID: "c")
        #expect(try post(router, .retell, body: body, key: "wrong-key").status == 401)
        #expect(try post(router, .retell, body: body, key: WebhookIntegrationTests.retellKey, signed: false).status == 401)
        let old = WebhookSigner.retell(body: body, apiKey: WebhookIntegrationTests.retellKey, unixMillis: WebhookIntegrationTests.nowMillis - 600_000)
        #expect(try router.request("POST", "/webhooks/retell/acme", body: body, token: "", headers: [("Content-Type", "application/json")] + old.map { ($0.name, $0.value) }).status == 401)
        let truncated = Array(body.dropLast(5))
        #expect(try post(router, .retell, body: truncated, key: WebhookIntegrationTests.retellKey).status == 400)
        let signed = WebhookSigner.sign(.retell, body: body, key: WebhookIntegrationTests.retellKey, unixMillis: WebhookIntegrationTests.nowMillis)
        #expect(try router.request("POST", "/webhooks/retell/acme", body: body, token: "", headers: [("Content-Type", "text/plain")] + signed.map { ($0.name, $0.value) }).status == 415)
        #expect(try post(router, .retell, account: "ghost", body: body, key: WebhookIntegrationTests.retellKey).status == 404)
        #expect(try post(router, .retell, account: "beta", body: body, key: WebhookIntegrationTests.retellKey).status == 404)
        let wrongMethod = try router.request("GET", "/webhooks/retell/acme", token: "")
        #expect(wrongMethod.status == 405 && wrongMethod.headers["allow"] == "POST")
        #expect(try router.request("POST", "/webhooks/twilio/acme", body: body, token: "").status == 404)
        // Other events are acknowledged and counted, nothing routed.
        #expect(try post(router, .retell, body: WebhookBodies.callEnded(.retell, callID: "c"), key: WebhookIntegrationTests.retellKey).status == 204)
        let events = try router.request("GET", "/v1/accounts/acme/events").json["events"] as? [[String: Any]] ?? []
        #expect(events.isEmpty)
        let metrics = try router.request("GET", "/metrics").text
        #expect(metrics.contains(#"switchboard_webhooks_total{provider="retell",outcome="rejected",reason="unauthorized"} 3"#))
        #expect(metrics.contains(#"switchboard_webhooks_total{provider="retell",outcome="acknowledged",reason=""} 1"#))
    }

    /// Each event loop keeps its own copy of the accounts and connections its webhooks used: a new
    /// key or a new account counts from the moment the change is acknowledged, on every loop.
    @Test func changedKeyOrNewAccount_countsAtOnce_onEveryLoop() throws {
        let router = try TestRouter(seed: WebhookIntegrationTests.seed) { $0.threads = 2 }
        defer { router.stop() }
        let body = WebhookBodies.inboundCall(.retell, to: try E164("+14155550001"), from: "+12137771234", callID: "c")
        // Several requests, each on a connection of its own, so both loops fill their copies.
        for _ in 0..<6 { #expect(try post(router, .retell, body: body, key: WebhookIntegrationTests.retellKey).status == 200) }
        #expect(try router.request("PUT", "/v1/accounts/acme/providers/retell", json: #"{"api_key":"key_retell_rotated_42"}"#).status == 200)
        for _ in 0..<6 {
            #expect(try post(router, .retell, body: body, key: WebhookIntegrationTests.retellKey).status == 401, "the old key after the change")
            let routed = try post(router, .retell, body: body, key: "key_retell_rotated_42")
            #expect(routed.status == 200 && routed.text.contains("pa_front"))
        }
        // An account unknown to a loop's copy, then created: known at once.
        for _ in 0..<4 { #expect(try post(router, .retell, account: "gamma", body: body, key: "key_gamma_0123").status == 404) }
        #expect(try router.request("POST", "/v1/accounts", json: #"{"id":"gamma","name":"Gamma"}"#).status == 201)
        #expect([200, 201].contains(try router.request("PUT", "/v1/accounts/gamma/providers/retell", json: #"{"api_key":"key_gamma_0123"}"#).status))
        for _ in 0..<4 {
            let answer = try post(router, .retell, account: "gamma", body: body, key: "key_gamma_0123")
            #expect(answer.status == 200 && answer.text == #"{"call_inbound":{}}"#, "gamma has no such number: refused, not unknown")
        }
    }
}

@Suite struct WebhookPathTests {
    @Test func pathParts_onlyTheWebhookShape() {
        #expect(WebhookEndpoint.pathParts("/webhooks/retell/acme").map { "\($0.provider) \($0.account)" } == "retell acme")
        #expect(WebhookEndpoint.pathParts("/webhooks/vapi/acme?x=1").map { "\($0.provider) \($0.account)" } == "vapi acme")
        for bad in ["/webhooks/retell", "/webhooks/retell/", "/webhooks//acme", "/webhooks/retell/acme/x", "/webhook/retell/acme", "/webhooks/retell/?a"] {
            #expect(WebhookEndpoint.pathParts(bad) == nil, "\(bad)")
        }
    }
}
