import Foundation
import SwitchboardCore
import SwitchboardHTTP
import Testing

@testable import SwitchboardServer

/// The management API in memory: every route, every error code, tenant isolation, and that a
/// refused request changes nothing.
@Suite struct ManagementAPITests {
    let api: ManagementAPI
    let admin = "Bearer admin-secret"
    var acmeToken = ""
    var otherToken = ""

    init() throws {
        api = ManagementAPI(directory: Directory(), adminToken: "admin-secret", clock: { Timestamp(milliseconds: 1_764_064_800_000) })
        acmeToken = try Self.token(api.handle(method: "POST", target: "/v1/accounts", authorization: admin, body: Array(#"{"id":"acme","name":"Acme"}"#.utf8)))
        otherToken = try Self.token(api.handle(method: "POST", target: "/v1/accounts", authorization: admin, body: Array(#"{"id":"other","name":"Other"}"#.utf8)))
        let acme = try Identifier("acme")
        for key in [15550001, 15550002, 15550003] as [UInt64] {
            try api.directory.putNumber(NumberSpec(account: acme, number: E164(key: key)!, provider: .retell, providerNumberID: "pn\(key)", status: .active, agentID: nil))
        }
        try api.directory.putNumber(NumberSpec(account: acme, number: E164(key: 15550004)!, provider: .retell, providerNumberID: "pn4", status: .inactive, agentID: nil))
        try api.directory.putNumber(NumberSpec(account: try Identifier("other"), number: E164(key: 15559999)!, provider: .retell, providerNumberID: "pn9", status: .active, agentID: nil))
    }

    static func token(_ response: APIResponse) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return try #require(object["token"] as? String)
    }

    func call(_ method: String, _ target: String, _ body: String = "", token: String? = nil) -> (status: Int, json: [String: Any], response: APIResponse) {
        let response = api.handle(method: method, target: target, authorization: token.map { "Bearer \($0)" } ?? admin, body: Array(body.utf8))
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return (response.status.code, json, response)
    }

    func errorCode(_ result: (status: Int, json: [String: Any], response: APIResponse)) -> String? {
        (result.json["error"] as? [String: Any])?["code"] as? String
    }

    let agentBody = #"{"name":"Front desk","provider":"retell","provider_agent_id":"agent_8f"}"#

    @Test func agentEditorAndAssignments_followTheSeedFlows() throws {
        #expect(call("PUT", "/v1/accounts/acme/agents/front-desk", agentBody).status == 201)
        #expect(call("PUT", "/v1/accounts/acme/agents/back-office", #"{"name":"Back","provider":"retell","provider_agent_id":"agent_9","phone_number":"+1 555-0001"}"#).status == 201)
        let moved = call("PUT", "/v1/accounts/acme/numbers/%2B15550001/agent", #"{"agent_id":"front-desk"}"#)
        #expect(moved.status == 200)
        #expect(moved.json["previous_agent_id"] as? String == "back-office")
        #expect((moved.json["number"] as? [String: Any])?["agent_name"] as? String == "Front desk")
        let again = call("PUT", "/v1/accounts/acme/numbers/+15550002/agent", #"{"agent_id":"front-desk"}"#)
        #expect(again.json["released_number"] as? String == "+15550001")
        let caller = call("GET", "/v1/accounts/acme/agents/front-desk/caller-id")
        #expect(caller.json["caller_id"] as? String == "+15550002" && caller.json["source"] as? String == "assigned")
        #expect(call("GET", "/v1/accounts/acme/agents/front-desk/caller-id?from=%2B15550003").json["source"] as? String == "explicit")
        #expect(errorCode(call("GET", "/v1/accounts/acme/agents/back-office/caller-id")) == "no_caller_id")
        let available = call("GET", "/v1/accounts/acme/numbers/available?provider=retell")
        #expect((available.json["numbers"] as? [[String: Any]])?.compactMap { $0["number"] as? String } == ["+15550001", "+15550003"])
        let unassigned = call("DELETE", "/v1/accounts/acme/numbers/+15550002/agent")
        #expect(unassigned.json["previous_agent_id"] as? String == "front-desk")
        let agent = call("GET", "/v1/accounts/acme/agents/front-desk")
        #expect(agent.json["phone_number"] is NSNull)
        #expect(call("PUT", "/v1/accounts/acme/agents/front-desk", #"{"name":"Front desk","provider":"retell","provider_agent_id":"agent_8f","phone_number":"+15550003"}"#).json["phone_number"] as? String == "+15550003")
        #expect(call("PUT", "/v1/accounts/acme/agents/front-desk", #"{"name":"Front desk","provider":"retell","provider_agent_id":"agent_8f","phone_number":null}"#).json["phone_number"] is NSNull)
        #expect((call("GET", "/v1/accounts/acme/agents").json["agents"] as? [[String: Any]])?.count == 2)
        #expect(call("DELETE", "/v1/accounts/acme/agents/back-office").status == 204)
        #expect(call("GET", "/v1/accounts/acme/agents/back-office").status == 404)
    }

    @Test func numbersPage_filtersAndPages() {
        let all = call("GET", "/v1/accounts/acme/numbers?limit=2")
        #expect((all.json["numbers"] as? [[String: Any]])?.count == 2)
        #expect(all.json["next_cursor"] as? String == "+15550002")
        let next = call("GET", "/v1/accounts/acme/numbers?cursor=%2B15550002")
        #expect((next.json["numbers"] as? [[String: Any]])?.compactMap { $0["number"] as? String } == ["+15550003", "+15550004"])
        #expect(next.json["next_cursor"] is NSNull)
        let inactive = call("GET", "/v1/accounts/acme/numbers?status=inactive")
        #expect((inactive.json["numbers"] as? [[String: Any]])?.count == 1)
        let one = call("GET", "/v1/accounts/acme/numbers/+15550004")
        #expect(one.json["status"] as? String == "inactive" && one.json["agent_id"] is NSNull && one.json["last_synced_at"] is NSNull)
        for bad in ["?limit=0", "?limit=x", "?status=maybe", "?assigned=yes", "?provider=twilio", "?cursor=abc"] {
            #expect(errorCode(call("GET", "/v1/accounts/acme/numbers" + bad)) == "invalid_query", "\(bad)")
        }
    }

    @Test func providers_storeAndMaskTheKey() {
        let put = call("PUT", "/v1/accounts/acme/providers/retell", #"{"api_key":"key_secret_1234","webhook_secret":"whsec","default_caller_id":"+15550003"}"#)
        #expect(put.status == 201)
        #expect(put.json["api_key"] as? String == "••••1234")
        #expect(!String(decoding: put.response.body, as: UTF8.self).contains("key_secret") && !String(decoding: put.response.body, as: UTF8.self).contains("whsec"))
        #expect(call("GET", "/v1/accounts/acme/providers/retell").json["default_caller_id"] as? String == "+15550003")
        #expect(call("PUT", "/v1/accounts/acme/agents/a", agentBody).status == 201)
        #expect(call("GET", "/v1/accounts/acme/agents/a/caller-id").json["source"] as? String == "default")
        #expect(call("DELETE", "/v1/accounts/acme/providers/retell").status == 204)
        #expect(errorCode(call("GET", "/v1/accounts/acme/providers/retell")) == "unknown_provider")
        #expect(errorCode(call("GET", "/v1/accounts/acme/providers/twilio")) == "unknown_provider")
        #expect(errorCode(call("PUT", "/v1/accounts/acme/providers/vapi", #"{"api_key":""}"#)) == "invalid_field")
    }

    @Test func diagnosis_saysWhyCallsDoNotArrive() {
        _ = call("PUT", "/v1/accounts/acme/agents/a", #"{"name":"A","provider":"retell","provider_agent_id":"p","status":"inactive","phone_number":"+15550001"}"#)
        let diagnosis = call("GET", "/v1/accounts/acme/numbers/+15550001/diagnosis")
        #expect(diagnosis.json["reaches_agent"] as? Bool == false)
        let checks = diagnosis.json["checks"] as? [[String: Any]] ?? []
        #expect(checks.compactMap { $0["name"] as? String } == ["number_known", "number_active", "assigned", "agent_active", "provider_connected", "last_sync"])
        #expect(checks.first { $0["name"] as? String == "agent_active" }?["ok"] as? Bool == false)
        let unknown = call("GET", "/v1/accounts/acme/numbers/+15557777/diagnosis")
        #expect(unknown.json["reaches_agent"] as? Bool == false)
    }

    @Test func auth_refusesMissingAndBadTokens() {
        #expect(api.handle(method: "GET", target: "/v1/accounts/acme/numbers", authorization: nil, body: []).status.code == 401)
        #expect(call("GET", "/v1/accounts/acme/numbers", token: "wrong").status == 401)
        #expect(api.handle(method: "GET", target: "/v1/accounts/acme/numbers", authorization: "Basic abc", body: []).status.code == 401)
        #expect(call("GET", "/v1/accounts/acme/numbers", token: acmeToken).status == 200)
        #expect(call("GET", "/v1/accounts", token: acmeToken).status == 403, "listing accounts is for the admin")
        #expect(call("POST", "/v1/accounts", #"{"id":"x","name":"X"}"#, token: acmeToken).status == 403)
        #expect(call("GET", "/v1/accounts/nobody/numbers").status == 404, "unknown account: 404 for the admin")
        #expect(call("GET", "/v1/accounts/nobody/numbers", token: acmeToken).status == 403, "but 403 for an account token")
        #expect(call("GET", "/healthz", token: "anything").status == 200)
    }

    /// Account A's token against B's numbers and agents, every method: 403, and nothing changes.
    @Test func tenantIsolation_everyMethodOnAnotherAccount() throws {
        _ = call("PUT", "/v1/accounts/other/agents/o1", agentBody)
        _ = call("PUT", "/v1/accounts/other/numbers/+15559999/agent", #"{"agent_id":"o1"}"#)
        let before = api.directory.image()
        let attempts: [(String, String, String)] = [
            ("GET", "/v1/accounts/other/numbers", ""), ("GET", "/v1/accounts/other/numbers/available", ""),
            ("GET", "/v1/accounts/other/numbers/+15559999", ""), ("PUT", "/v1/accounts/other/numbers/+15559999/agent", #"{"agent_id":"o1"}"#),
            ("DELETE", "/v1/accounts/other/numbers/+15559999/agent", ""), ("GET", "/v1/accounts/other/numbers/+15559999/diagnosis", ""),
            ("GET", "/v1/accounts/other/agents", ""), ("GET", "/v1/accounts/other/agents/o1", ""), ("PUT", "/v1/accounts/other/agents/o1", agentBody),
            ("DELETE", "/v1/accounts/other/agents/o1", ""), ("GET", "/v1/accounts/other/agents/o1/caller-id", ""),
            ("PUT", "/v1/accounts/other/providers/retell", #"{"api_key":"k"}"#), ("GET", "/v1/accounts/other/providers/retell", ""),
            ("DELETE", "/v1/accounts/other/providers/retell", ""),
        ]
        for (method, target, body) in attempts {
            #expect(call(method, target, body, token: acmeToken).status == 403, "\(method) \(target)")
        }
        // Through its own account, A cannot reach B's number either: it is unknown there.
        #expect(errorCode(call("PUT", "/v1/accounts/acme/numbers/+15559999/agent", #"{"agent_id":"o1"}"#, token: acmeToken)) == "unknown_number")
        #expect(errorCode(call("GET", "/v1/accounts/acme/agents/o1", token: acmeToken)) == "unknown_agent")
        #expect(api.directory.image() == before)
    }

    @Test func refusals_haveTheirCodesAndChangeNothing() {
        _ = call("PUT", "/v1/accounts/acme/agents/a", agentBody)
        _ = call("PUT", "/v1/accounts/acme/agents/v", #"{"name":"V","provider":"vapi","provider_agent_id":"asst_1"}"#)
        let before = api.directory.image()
        let cases: [(String, String, String, Int, String)] = [
            ("PUT", "/v1/accounts/acme/numbers/+15550001/agent", #"{"agent_id":"v"}"#, 422, "provider_mismatch"),
            ("PUT", "/v1/accounts/acme/numbers/+15550004/agent", #"{"agent_id":"a"}"#, 422, "number_inactive"),
            ("PUT", "/v1/accounts/acme/numbers/+15557777/agent", #"{"agent_id":"a"}"#, 404, "unknown_number"),
            ("PUT", "/v1/accounts/acme/numbers/+15550001/agent", #"{"agent_id":"ghost"}"#, 404, "unknown_agent"),
            ("PUT", "/v1/accounts/acme/numbers/+15550001/agent", #"{"agent":"a"}"#, 400, "invalid_field"),
            ("PUT", "/v1/accounts/acme/numbers/+15550001/agent", #"{"agent_id":7}"#, 400, "invalid_field"),
            ("PUT", "/v1/accounts/acme/numbers/+15550001/agent", #"{"agent_id":"a""#, 400, "invalid_json"),
            ("PUT", "/v1/accounts/acme/numbers/+15550001/agent", "[1]", 400, "invalid_json"),
            ("PUT", "/v1/accounts/acme/numbers/+15550001/agent", "", 400, "invalid_json"),
            ("PUT", "/v1/accounts/acme/numbers/0044123/agent", #"{"agent_id":"a"}"#, 400, "invalid_phone_number"),
            ("PUT", "/v1/accounts/acme/agents/a", #"{"name":"A","provider":"twilio","provider_agent_id":"p"}"#, 400, "unknown_provider"),
            ("PUT", "/v1/accounts/acme/agents/a", #"{"name":"A","provider":"retell"}"#, 400, "invalid_field"),
            ("PUT", "/v1/accounts/acme/agents/a", #"{"name":"A","provider":"retell","provider_agent_id":"p","phone_number":"+1 555 000x1"}"#, 400, "invalid_phone_number"),
            ("PUT", "/v1/accounts/acme/agents/a", #"{"name":"A","provider":"vapi","provider_agent_id":"p","phone_number":"+15550001"}"#, 422, "provider_mismatch"),
            ("PUT", "/v1/accounts/acme/agents/bad%20id", agentBody, 400, "invalid_id"),
            ("POST", "/v1/accounts", #"{"id":"acme","name":"Again"}"#, 409, "account_exists"),
            ("POST", "/v1/accounts", #"{"id":"-x","name":"X"}"#, 400, "invalid_id"),
            ("GET", "/v1/nothing", "", 404, "not_found"),
            ("PATCH", "/v1/accounts/acme/agents/a", "", 405, "method_not_allowed"),
            ("GET", "/v1/accounts/acme/sync", "", 503, "sync_unavailable"),
        ]
        for (method, target, body, status, code) in cases {
            let result = call(method, target, body)
            #expect(result.status == status && errorCode(result) == code, "\(method) \(target) \(body): \(result.status) \(String(describing: errorCode(result)))")
            let message: String = ((result.json["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(!message.isEmpty)
        }
        #expect(api.directory.image() == before)
        let notAllowed = call("PATCH", "/v1/accounts/acme/agents/a")
        #expect(notAllowed.response.headers["allow"] == "GET, PUT, DELETE")
    }

    @Test func healthReadinessAndMetrics() {
        #expect(call("GET", "/healthz").status == 200)
        let notReady = ManagementAPI(directory: Directory(), adminToken: "x", readiness: { false }, clock: { Timestamp(milliseconds: 0) })
        #expect(notReady.handle(method: "GET", target: "/readyz", authorization: nil, body: []).status.code == 503)
        _ = call("GET", "/v1/accounts/acme/numbers")
        let metrics = String(decoding: api.handle(method: "GET", target: "/metrics", authorization: nil, body: [], started: Metrics.now()).body, as: UTF8.self)
        #expect(metrics.contains(#"switchboard_http_requests_total{route="/v1/accounts/{a}/numbers",status="200"}"#))
        #expect(metrics.contains("switchboard_index_numbers 5"))
        #expect(metrics.contains("switchboard_http_request_duration_seconds_bucket"))
    }
}
