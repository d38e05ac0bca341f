import SwitchboardCore
import Testing

@testable import SwitchboardSimulator

/// The `/_control/` JSON API over HTTP, as the standalone simulator is driven.
@Suite struct ControlAPITests {
    private func control(
        _ simulator: ProviderSimulator, _ method: String, _ path: String, body: String? = nil
    ) async throws -> Reply {
        try await Client.send(method, simulator.controlURL + path, body: body)
    }

    private func started() throws -> ProviderSimulator {
        let simulator = ProviderSimulator()
        try simulator.start()
        return simulator
    }

    @Test func overview_listsBaseURLsEndpointsAndFaultKinds() async throws {
        let simulator = try started()
        defer { simulator.stop() }
        let json = try #require(try await control(simulator, "GET", "").json)
        #expect(json["status"] == .string("ok"))
        #expect(json["base_urls"]?["retell"] == .string(simulator.baseURL(.retell)))
        #expect(json["base_urls"]?["bland"]?.stringValue == "http://127.0.0.1:\(simulator.port!)/bland")
        #expect(json["endpoints"]?.elements?.count == SimulatorEndpoint.allCases.count)
        #expect(json["fault_kinds"]?.elements?.count == 8)
    }

    @Test func accountsAndNumbers_createListAddRemove() async throws {
        let simulator = try started()
        defer { simulator.stop() }
        let created = try await control(simulator, "POST", "/accounts", body: #"{"provider":"vapi","api_key":"k1","webhook_secret":"s1"}"#)
        #expect(created.status == 201)
        #expect(created.json?["base_url"] == .string(simulator.baseURL(.vapi)))
        let duplicate = try await control(simulator, "POST", "/accounts", body: #"{"provider":"vapi","api_key":"k1"}"#)
        #expect(duplicate.status == 409)
        #expect(duplicate.json?["error"]?["code"] == .string("conflict"))

        let added = try await control(
            simulator, "POST", "/accounts/vapi/k1/numbers", body: #"{"numbers":[{"number":"+14155550100","agent_id":"asst_1","name":"Main"}]}"#)
        #expect(added.status == 201)
        let id = try #require(added.json?["numbers"]?.elements?.first?["id"]?.stringValue)
        let generated = try await control(simulator, "POST", "/accounts/vapi/k1/numbers", body: #"{"generate":{"first":"+14155560000","count":50}}"#)
        #expect(generated.json?["added"] == .integer(50))

        let accounts = try #require(try await control(simulator, "GET", "/accounts").json?["accounts"]?.elements)
        #expect(accounts.count == 1)
        #expect(accounts[0]["numbers"] == .integer(51))
        #expect(accounts[0]["webhook_secret"] == .string("s1"))

        let listed = try #require(try await control(simulator, "GET", "/accounts/vapi/k1/numbers").json?["numbers"]?.elements)
        #expect(listed.count == 51)
        #expect(listed.first?["id"] == .string(id))
        #expect(listed.first?["assistantId"] == .string("asst_1"))

        // The provider API sees the same numbers.
        let viaAPI = try await Client.send("GET", simulator.baseURL(.vapi) + "/phone-number?limit=1000", headers: ["Authorization": "Bearer k1"])
        #expect(viaAPI.json?.elements?.count == 51)

        #expect(try await control(simulator, "DELETE", "/accounts/vapi/k1/numbers/%2B14155550100").status == 204)
        #expect(try await control(simulator, "DELETE", "/accounts/vapi/k1/numbers/%2B14155550100").status == 404)
        #expect(try simulator.numbers(provider: .vapi, apiKey: "k1").count == 50)
        #expect(try await control(simulator, "DELETE", "/accounts/vapi/k1").status == 204)
        #expect(simulator.accounts().isEmpty)
    }

    @Test func badInput_refusedWithClearErrorAndNothingChanges() async throws {
        let simulator = try started()
        defer { simulator.stop() }
        try simulator.createAccount(.retell, apiKey: "k")
        let cases: [(String, String, String?, Int)] = [
            ("POST", "/accounts", #"{"provider":"twilio","api_key":"k"}"#, 400),
            ("POST", "/accounts", #"{"provider":"retell","api_key":"has space"}"#, 400),
            ("POST", "/accounts", #"{"provider":"retell"}"#, 400),
            ("POST", "/accounts", "nope", 400),
            ("POST", "/accounts", #"{"provider":"retell","api_key":"k2","extra":1}"#, 400),
            ("POST", "/accounts/retell/k/numbers", #"{"numbers":[{"number":"415 555 0100"}]}"#, 400),
            ("POST", "/accounts/retell/k/numbers", #"{"numbers":[{"number":"+14155550100"},{"number":"+14155550100"}]}"#, 409),
            ("POST", "/accounts/retell/k/numbers", #"{"numbers":[]}"#, 400),
            ("POST", "/accounts/retell/k/numbers", #"{"generate":{"first":"+99","count":2}}"#, 400),
            ("POST", "/accounts/retell/k/numbers", #"{"generate":{"first":"+999999999999999","count":2}}"#, 400),
            ("POST", "/accounts/retell/nobody/numbers", #"{"numbers":[{"number":"+14155550100"}]}"#, 404),
            ("POST", "/faults", #"{"endpoint":"retell.nope","fault":"garbage"}"#, 400),
            ("POST", "/faults", #"{"endpoint":"retell.create-phone-call","fault":"explode"}"#, 400),
            ("POST", "/faults", #"{"endpoint":"retell.create-phone-call","fault":"status","status":302}"#, 400),
            ("POST", "/faults", #"{"endpoint":"retell.create-phone-call","fault":"stall"}"#, 400),
            ("POST", "/faults", #"{"endpoint":"retell.create-phone-call","fault":"garbage","count":-1}"#, 400),
            ("POST", "/faults", #"{"endpoint":"retell.create-phone-call","fault":"garbage","after":-1}"#, 400),
            ("POST", "/faults", #"{"endpoint":"retell.create-phone-call","fault":"garbage","after":"one"}"#, 400),
            ("GET", "/calls?provider=twilio", nil, 400),
            ("POST", "/reset?scope=some", nil, 400),
            ("GET", "/nothing", nil, 404),
        ]
        for (method, path, body, status) in cases {
            let reply = try await control(simulator, method, path, body: body)
            #expect(reply.status == status, "\(method) \(path) \(body ?? "")")
            #expect(reply.json?["error"]?["message"]?.stringValue?.isEmpty == false, "\(method) \(path)")
        }
        #expect(simulator.accounts().count == 1)
        #expect(try simulator.numbers(provider: .retell, apiKey: "k").isEmpty)
        #expect(simulator.faults().isEmpty)
    }

    @Test func faults_armListClear() async throws {
        let simulator = try started()
        defer { simulator.stop() }
        try simulator.createAccount(.bland, apiKey: "bk")
        let armed = try await control(
            simulator, "POST", "/faults", body: #"{"endpoint":"bland.list-inbound","fault":"rate_limited","retry_after":3,"count":1}"#)
        #expect(armed.status == 201)
        #expect(armed.json?["remaining"] == .integer(1))
        _ = try await control(simulator, "POST", "/faults", body: #"{"endpoint":"bland.create-call","fault":"stall","millis":2000}"#)
        let listed = try #require(try await control(simulator, "GET", "/faults").json?["faults"]?.elements)
        #expect(listed.count == 2)
        #expect(listed[1]["millis"] == .integer(2000))
        #expect(listed[1]["remaining"] == .null)

        let limited = try await Client.send("GET", simulator.baseURL(.bland) + "/v1/inbound", headers: ["authorization": "bk"])
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == "3")
        #expect(simulator.faults().count == 1)
        #expect(try await control(simulator, "DELETE", "/faults/bland.create-call").status == 204)
        #expect(simulator.faults().isEmpty)
        _ = try await control(simulator, "POST", "/faults", body: #"{"endpoint":"bland.create-call","fault":"garbage"}"#)
        #expect(try await control(simulator, "DELETE", "/faults").status == 204)
        #expect(simulator.faults().isEmpty)
        // A fault from the second request on.
        let later = try await control(
            simulator, "POST", "/faults", body: #"{"endpoint":"bland.list-inbound","fault":"status","status":500,"count":1,"after":1}"#)
        #expect(later.status == 201 && later.json?["after"] == .integer(1))
        #expect(try await control(simulator, "GET", "/faults").json?["faults"]?.elements?.first?["after"] == .integer(1))
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try await Client.send("GET", simulator.baseURL(.bland) + "/v1/inbound", headers: ["authorization": "bk"]).status) }
        #expect(statuses == [200, 500, 200])
    }

    @Test func readBack_callsChangesRequests_inOrderWithBodies_thenReset() async throws {
        let simulator = try started()
        defer { simulator.stop() }
        try simulator.createAccount(.retell, apiKey: "rk")
        try simulator.addNumbers([SimulatedNumber(e164("+14155550100"))], provider: .retell, apiKey: "rk")
        let auth = ["Authorization": "Bearer rk"]
        _ = try await Client.send(
            "PATCH", simulator.baseURL(.retell) + "/update-phone-number/%2B14155550100", headers: auth, body: #"{"inbound_agent_id":"ag1"}"#)
        _ = try await Client.send(
            "POST", simulator.baseURL(.retell) + "/v2/create-phone-call", headers: auth,
            body: #"{"from_number":"+14155550100","to_number":"+12137771234","override_agent_id":"ag1","metadata":{"x":"y"}}"#)
        _ = try await Client.send("GET", simulator.baseURL(.retell) + "/v2/list-phone-numbers", headers: ["Authorization": "Bearer bad"])

        let calls = try #require(try await control(simulator, "GET", "/calls?provider=retell").json?["calls"]?.elements)
        #expect(calls.count == 1)
        #expect(calls[0]["from"] == .string("+14155550100"))
        #expect(calls[0]["body"]?["metadata"]?["x"] == .string("y"))
        #expect(try await control(simulator, "GET", "/calls?provider=vapi").json?["calls"]?.elements?.isEmpty == true)

        let changes = try #require(try await control(simulator, "GET", "/changes").json?["changes"]?.elements)
        #expect(changes.count == 1)
        #expect(changes[0]["operation"] == .string("update-phone-number"))
        #expect(changes[0]["agent_id"] == .string("ag1"))
        #expect(changes[0]["body"]?["inbound_agent_id"] == .string("ag1"))

        let requests = try #require(try await control(simulator, "GET", "/requests").json?["requests"]?.elements)
        #expect(requests.compactMap { $0["status"]?.integerValue } == [200, 201, 401])
        #expect(requests.compactMap { $0["sequence"]?.integerValue } == [1, 2, 3])
        #expect(requests[2]["api_key"] == .null)
        #expect(requests[0]["endpoint"] == .string("retell.update-phone-number"))

        #expect(try await control(simulator, "POST", "/reset?scope=records").status == 204)
        #expect(simulator.requests().isEmpty && simulator.calls().isEmpty && simulator.numberChanges().isEmpty)
        #expect(simulator.accounts().count == 1)
        #expect(try await control(simulator, "POST", "/reset").status == 204)
        #expect(simulator.accounts().isEmpty)
    }
}
