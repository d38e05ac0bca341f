import Foundation
import SwitchboardClient
import Testing

/// Every error status of SPEC §3 the router gives today, over the wire, each in the documented
/// format and each leaving the state exactly as it was.
@Suite(.serialized) struct APIErrorsIntegrationTests {
    static func json(_ text: String) -> Data { Data(text.utf8) }

    @Test func status400_malformedBodies_nameTheField() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        let assign = "/v1/accounts/acme/numbers/%2B14155550101/agent"
        let cases: [(path: String, body: String, code: String, fragment: String)] = [
            (assign, "{not json", "invalid_json", "not valid JSON"),
            (assign, "", "invalid_json", "JSON object"),
            (assign, #"["sales"]"#, "invalid_json", "JSON object"),
            (assign, "{}", "invalid_field", "'agent_id' is required"),
            (assign, #"{"agent_id":7}"#, "invalid_field", "'agent_id' must be a string"),
            (assign, #"{"agent_id":"sales","force":true}"#, "invalid_field", "'force' is not accepted"),
            (assign, #"{"agent_id":"no spaces allowed"}"#, "invalid_id", "agent_id"),
            ("/v1/accounts/acme/agents/night", #"{"provider":"retell","provider_agent_id":"a"}"#, "invalid_field", "'name' is required"),
            ("/v1/accounts/acme/agents/night", #"{"name":"N","provider":"twilio","provider_agent_id":"a"}"#, "unknown_provider", "'provider'"),
            ("/v1/accounts/acme/agents/night", #"{"name":"N","provider":"retell","provider_agent_id":"a","status":"asleep"}"#, "invalid_field", "'status'"),
            ("/v1/accounts/acme/agents/night", #"{"name":"N","provider":"retell","provider_agent_id":"a","phone_number":"+0415"}"#, "invalid_phone_number", "'phone_number'"),
            ("/v1/accounts/acme/agents/night", #"{"id":"day","name":"N","provider":"retell","provider_agent_id":"a"}"#, "invalid_field", "'id'"),
            ("/v1/accounts/acme/providers/vapi", #"{"webhook_secret":"s"}"#, "invalid_field", "'api_key' is required"),
        ]
        for item in cases {
            try router.expectRefusal(400, item.code, containing: item.fragment) {
                _ = try acme.send("PUT", item.path, body: Self.json(item.body)).checked()
            }
        }
        try router.expectRefusal(400, "invalid_field", containing: "'name' is required") {
            _ = try router.admin.send("POST", "/v1/accounts", body: Self.json(#"{"id":"gamma"}"#)).checked()
        }
    }

    @Test func status400_badNumbersAndQueries_sayWhatIsWrong() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        for bad in ["+0415555", "4155550101x12", "+1415555ABCD", "+1234567890123456", "+1 (415 555"] {
            try router.expectRefusal(400, "invalid_phone_number") { _ = try acme.number(account: "acme", number: bad) }
            try router.expectRefusal(400, "invalid_phone_number") { _ = try acme.assign(account: "acme", number: bad, agent: "sales") }
        }
        for query in ["status=asleep", "assigned=yes", "limit=0", "limit=1001", "limit=ten", "provider=twilio", "cursor=abc"] {
            let item = query.split(separator: "=").map(String.init)
            try router.expectRefusal(400, "invalid_query") { _ = try acme.send("GET", "/v1/accounts/acme/numbers", query: [(item[0], item[1])]).checked() }
        }
        try router.expectRefusal(400, "invalid_phone_number", containing: "from") { _ = try acme.callerID(account: "acme", agent: "front-desk", from: "not-a-number") }
        try router.expectRefusal(400, "invalid_id") { _ = try acme.agent(account: "acme", id: "bad id") }
    }

    @Test func status401_missingOrBadToken() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        for token in [nil, "wrong-token", router.adminToken + "x", String(repeating: "a", count: 300)] as [String?] {
            let client = try router.client(token: token)
            try router.expectRefusal(401, "unauthorized", containing: "Bearer") { _ = try client.numbers(account: "acme") }
            try router.expectRefusal(401, "unauthorized") { _ = try client.assign(account: "acme", number: "+14155550101", agent: "sales") }
            try router.expectRefusal(401, "unauthorized") { _ = try client.createAccount(id: "gamma", name: "Gamma") }
        }
        // Another scheme, through curl.
        let before = try router.export()
        let basic = try router.curl(["-H", "Authorization: Basic \(router.adminToken)", router.server + "/v1/accounts/acme/agents"])
        #expect(basic.status == 401 && basic.body.contains(#""code":"unauthorized""#))
        #expect(try router.export() == before)
    }

    @Test func status403_accountTokenOnAdminRoutes() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        try router.expectRefusal(403, "forbidden", containing: "admin") { _ = try acme.accounts() }
        try router.expectRefusal(403, "forbidden", containing: "admin") { _ = try acme.createAccount(id: "gamma", name: "Gamma") }
    }

    @Test func status404_unknownRouteAccountNumberAgentProvider() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let admin = try router.admin
        let acme = try router.acme
        for path in ["/", "/v1", "/v1/nothing", "/v1/accounts/acme/whatever", "/v1/accounts/acme/numbers/%2B14155550100/owner", "/healthz/extra"] {
            try router.expectRefusal(404, "not_found", containing: "no such route") { _ = try admin.send("GET", path).checked() }
        }
        try router.expectRefusal(404, "unknown_account") { _ = try admin.numbers(account: "nope") }
        try router.expectRefusal(404, "unknown_account") { _ = try admin.assign(account: "nope", number: "+14155550101", agent: "sales") }
        try router.expectRefusal(404, "unknown_number") { _ = try acme.number(account: "acme", number: "+19995550000") }
        try router.expectRefusal(404, "unknown_number") { _ = try acme.assign(account: "acme", number: "+19995550000", agent: "sales") }
        try router.expectRefusal(404, "unknown_number") { _ = try acme.unassign(account: "acme", number: "+19995550000") }
        try router.expectRefusal(404, "unknown_agent") { _ = try acme.assign(account: "acme", number: "+14155550101", agent: "nobody") }
        try router.expectRefusal(404, "unknown_agent") { _ = try acme.agent(account: "acme", id: "nobody") }
        try router.expectRefusal(404, "unknown_agent") { try acme.deleteAgent(account: "acme", id: "nobody") }
        try router.expectRefusal(404, "unknown_agent") { _ = try acme.callerID(account: "acme", agent: "nobody") }
        try router.expectRefusal(404, "unknown_provider") { _ = try acme.provider(account: "acme", provider: "twilio") }
        try router.expectRefusal(404, "unknown_provider") { _ = try acme.provider(account: "acme", provider: "bland") }
        try router.expectRefusal(404, "unknown_provider") { try acme.deleteProvider(account: "acme", provider: "bland") }
        // A number of another account is unknown here, not a leak of its existence.
        try router.expectRefusal(404, "unknown_number") { _ = try admin.number(account: "acme", number: "+14155550200") }
    }

    @Test func status405_wrongMethod_listsAllow() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let auth = "Authorization: Bearer \(router.adminToken)"
        let cases: [(method: String, path: String, allow: String)] = [
            ("PATCH", "/v1/accounts/acme/numbers", "GET"),
            ("POST", "/v1/accounts/acme/numbers/%2B14155550101/agent", "PUT, DELETE"),
            ("GET", "/v1/accounts/acme/numbers/%2B14155550101/agent", "PUT, DELETE"),
            ("POST", "/v1/accounts/acme/agents/sales", "GET, PUT, DELETE"),
            ("DELETE", "/v1/accounts", "GET, POST"),
            ("PUT", "/v1/accounts/acme/providers/retell/x", ""),
            ("DELETE", "/v1/accounts/acme/agents/sales/caller-id", "GET"),
            ("POST", "/healthz", "GET"),
        ]
        for item in cases {
            let before = try router.export()
            let answer = try router.curl(["-X", item.method, "-H", auth, router.server + item.path])
            if item.allow.isEmpty {
                #expect(answer.status == 404, "\(item.method) \(item.path)")
            } else {
                #expect(answer.status == 405, "\(item.method) \(item.path)")
                #expect(answer.headers["allow"] == item.allow, "\(item.method) \(item.path): \(answer.headers)")
                #expect(answer.body.contains(#""code":"method_not_allowed""#))
            }
            #expect(try router.export() == before)
        }
    }

    @Test func status409_accountThatExists() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        try router.expectRefusal(409, "account_exists") { _ = try router.admin.createAccount(id: "acme", name: "Acme again") }
    }

    @Test func status413_bodyOverTheLimit() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-413-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        // A JSON object just over 1 MiB: valid but too large.
        let body = #"{"agent_id":"sales","pad":""# + String(repeating: "x", count: 1 << 20) + #""}"#
        try Data(body.utf8).write(to: file)
        let before = try router.export()
        for expect in ["100-continue", ""] {
            let answer = try router.curl([
                "-X", "PUT", "-H", "Authorization: Bearer \(router.adminToken)", "-H", "Content-Type: application/json", "-H", "Expect: \(expect)",
                "--data-binary", "@" + file.path, router.server + "/v1/accounts/acme/numbers/%2B14155550101/agent",
            ])
            #expect(answer.status == 413, "Expect: \(expect)")
            #expect(answer.body.contains("\"error\""), "\(answer.body)")
        }
        #expect(try router.export() == before)
        // The router still serves after refusing.
        #expect(try router.acme.number(account: "acme", number: "+14155550101").agentID == nil)
    }

    @Test func status431_headerBlockOverTheLimit() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let before = try router.export()
        let answer = try router.curl([
            "-X", "PUT", "-H", "Authorization: Bearer \(router.adminToken)", "-H", "X-Padding: " + String(repeating: "p", count: 17 * 1024),
            "--data-binary", #"{"agent_id":"sales"}"#, router.server + "/v1/accounts/acme/numbers/%2B14155550101/agent",
        ])
        #expect(answer.status == 431)
        #expect(answer.body.contains("\"error\""), "\(answer.body)")
        #expect(try router.export() == before)
        // Many small headers over the count limit are refused the same way.
        var many: [String] = []
        for index in 0..<120 { many += ["-H", "X-H\(index): v"] }
        let counted = try router.curl(many + ["-H", "Authorization: Bearer \(router.adminToken)", router.server + "/v1/accounts/acme/agents"])
        #expect(counted.status == 431)
        #expect(try router.export() == before)
    }

    @Test func status422_rulesBroken_changeNothing() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        // A vapi number to a retell agent, and a retell number to a vapi agent.
        try router.expectRefusal(422, "provider_mismatch", containing: "retell") { _ = try acme.assign(account: "acme", number: "+14155550102", agent: "sales") }
        try router.expectRefusal(422, "provider_mismatch") { _ = try acme.assign(account: "acme", number: "+14155550100", agent: "vapi-bot") }
        // An inactive number.
        try router.expectRefusal(422, "number_inactive", containing: "inactive") { _ = try acme.assign(account: "acme", number: "+14155550103", agent: "sales") }
        // Through the agent editor: the same rules.
        try router.expectRefusal(422, "provider_mismatch") {
            _ = try acme.putAgent(account: "acme", id: "sales", AgentSettings(name: "Sales", provider: "retell", providerAgentID: "agent_sales", phone: .assign("+14155550102")))
        }
        try router.expectRefusal(422, "number_inactive") {
            _ = try acme.putAgent(account: "acme", id: "fresh", AgentSettings(name: "Fresh", provider: "retell", providerAgentID: "agent_f", phone: .assign("+14155550103")))
        }
        // Changing front-desk's provider while it holds a retell number.
        try router.expectRefusal(422, "provider_mismatch") {
            _ = try acme.putAgent(account: "acme", id: "front-desk", AgentSettings(name: "Front desk", provider: "vapi", providerAgentID: "asst_fd"))
        }
        // Caller IDs: another provider's number, an inactive one, and none at all.
        try router.expectRefusal(422, "provider_mismatch") { _ = try acme.callerID(account: "acme", agent: "front-desk", from: "+14155550102") }
        try router.expectRefusal(422, "number_inactive") { _ = try acme.callerID(account: "acme", agent: "front-desk", from: "+14155550103") }
        try router.expectRefusal(422, "no_caller_id") { _ = try acme.callerID(account: "acme", agent: "sales") }
    }
}
