import SwitchboardCore
import Testing

@testable import SwitchboardSimulator

@Suite struct RetellAPITests {
    @Test func listPhoneNumbers_oneNumber_answersDocumentedShape() async throws {
        let fixture = try Fixture()
        try fixture.simulator.addNumbers(
            [SimulatedNumber(e164("+14157774444"), agentID: "agent_in", outboundAgentID: "agent_out", name: "Front desk")],
            provider: .retell, apiKey: Fixture.retellKey)
        let reply = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=1000")
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type") == "application/json")
        let json = try #require(reply.json)
        #expect(keys(json) == ["items"])  // last page: no pagination_key
        let item = try #require(json["items"]?.elements?.first)
        #expect(keys(item) == ["phone_number", "phone_number_type", "inbound_agent_id", "outbound_agent_id", "nickname", "last_modification_timestamp"])
        #expect(item["phone_number"] == .string("+14157774444"))
        #expect(item["phone_number_type"] == .string("retell-twilio"))
        #expect(item["inbound_agent_id"] == .string("agent_in"))
        #expect(item["outbound_agent_id"] == .string("agent_out"))
        #expect(item["nickname"] == .string("Front desk"))
        #expect((item["last_modification_timestamp"]?.integerValue ?? 0) > 1_700_000_000_000)
    }

    @Test func listPhoneNumbers_severalPages_returnsEveryNumberOnce() async throws {
        let fixture = try Fixture()
        let added = try fixture.addNumbers(.retell, count: 25)
        var seen: [String] = []
        var key: String?
        var pages = 0
        repeat {
            let cursor = key.map { "&pagination_key=\($0.replacingOccurrences(of: "+", with: "%2B"))" } ?? ""
            let reply = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=7\(cursor)")
            #expect(reply.status == 200)
            let json = try #require(reply.json)
            let items = try #require(json["items"]?.elements)
            #expect(items.count <= 7)
            seen += items.compactMap { $0["phone_number"]?.stringValue }
            key = json["pagination_key"]?.stringValue
            pages += 1
        } while key != nil && pages < 10
        #expect(pages == 4)
        #expect(seen == added.map(\.number.description).sorted())
        #expect(Set(seen).count == 25)
    }

    @Test func listPhoneNumbers_exactMultipleOfLimit_lastFullPageHasNoKey() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 4)
        let first = try #require(try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2").json)
        let key = try #require(first["pagination_key"]?.stringValue)
        let second = try #require(
            try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2&pagination_key=\(key.replacingOccurrences(of: "+", with: "%2B"))").json)
        #expect(second["items"]?.elements?.count == 2)
        #expect(second["pagination_key"] == nil)
    }

    @Test func listPhoneNumbers_badLimitOrKey_answers400() async throws {
        let fixture = try Fixture()
        for query in ["limit=0", "limit=1001", "limit=ten", "pagination_key=abc", "limit=5&limit=6", "page=2"] {
            let reply = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?\(query)")
            #expect(reply.status == 400, "\(query)")
            #expect(reply.json?["status"] == .string("error"), "\(query)")
            #expect(reply.json?["message"]?.stringValue?.isEmpty == false, "\(query)")
        }
    }

    @Test func legacyList_answersBareArray() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 3)
        let reply = try await fixture.call(.retell, "GET", "/list-phone-numbers")
        #expect(reply.status == 200)
        let items = try #require(reply.json?.elements)
        #expect(items.compactMap { $0["phone_number"]?.stringValue } == ["+14155550100", "+14155550101", "+14155550102"])
    }

    @Test func auth_missingWrongOrNotBearer_answers401InRetellStyle() async throws {
        let fixture = try Fixture()
        let url = fixture.url(.retell, "/v2/list-phone-numbers")
        for headers in [[:], ["Authorization": "Bearer wrong"], ["Authorization": Fixture.retellKey], ["Authorization": "Basic abc"]] {
            let reply = try await Client.send("GET", url, headers: headers)
            #expect(reply.status == 401, "\(headers)")
            #expect(keys(reply.json) == ["status", "message"], "\(headers)")
        }
        // The Vapi key does not open the Retell account.
        let crossed = try await Client.send("GET", url, headers: Fixture.auth(.retell, key: Fixture.vapiKey))
        #expect(crossed.status == 401)
    }

    @Test func updatePhoneNumber_setsAgents_recordsChangeAndAnswersNumber() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 1)
        let body = #"{"inbound_agent_id":"agent_8f","outbound_agent_id":null}"#
        let reply = try await fixture.call(.retell, "PATCH", "/update-phone-number/%2B14155550100", body: body)
        #expect(reply.status == 200)
        #expect(reply.json?["inbound_agent_id"] == .string("agent_8f"))
        #expect(reply.json?["outbound_agent_id"] == .null)
        let number = try #require(try fixture.simulator.number(e164("+14155550100"), provider: .retell, apiKey: Fixture.retellKey))
        #expect(number.agentID == "agent_8f")
        let change = try #require(fixture.simulator.numberChanges().first)
        #expect(change.operation == .retellUpdate)
        #expect(change.numbers == [e164("+14155550100")])
        #expect(change.agentID == "agent_8f")
        #expect(String(decoding: change.body, as: UTF8.self) == body)
        #expect(change.apiKey == Fixture.retellKey)
    }

    @Test func updatePhoneNumber_unencodedPlusInPath_isTheSameNumber() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 1)
        let reply = try await fixture.call(.retell, "PATCH", "/update-phone-number/+14155550100", body: #"{"inbound_agent_id":null}"#)
        #expect(reply.status == 200)
    }

    @Test func updatePhoneNumber_badInput_refusedAndNothingChanges() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 1, agent: "agent_keep")
        let cases: [(String, String, Int)] = [
            ("/update-phone-number/%2B19995550000", #"{"inbound_agent_id":"a"}"#, 404),
            ("/update-phone-number/4155550100", #"{"inbound_agent_id":"a"}"#, 400),
            ("/update-phone-number/%2B14155550100", #"{"inbound_agent":"a"}"#, 400),
            ("/update-phone-number/%2B14155550100", #"{}"#, 400),
            ("/update-phone-number/%2B14155550100", #"{"inbound_agent_id":7}"#, 400),
            ("/update-phone-number/%2B14155550100", #"{"inbound_agent_id":"a""#, 400),
            ("/update-phone-number/%2B14155550100", #"["inbound_agent_id"]"#, 400),
        ]
        for (path, body, status) in cases {
            let reply = try await fixture.call(.retell, "PATCH", path, body: body)
            #expect(reply.status == status, "\(path) \(body)")
            #expect(reply.json?["message"]?.stringValue?.isEmpty == false, "\(path) \(body)")
        }
        let wrongType = try await fixture.call(
            .retell, "PATCH", "/update-phone-number/%2B14155550100", body: #"{"inbound_agent_id":"a"}"#, headers: ["Content-Type": "text/plain"])
        #expect(wrongType.status == 400)
        #expect(try fixture.simulator.number(e164("+14155550100"), provider: .retell, apiKey: Fixture.retellKey)?.agentID == "agent_keep")
        #expect(fixture.simulator.numberChanges().isEmpty)
        #expect(fixture.simulator.requests().count == cases.count + 1)
    }

    @Test func createPhoneCall_valid_answers201AndRecordsCall() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 1)
        let body = #"{"from_number":"+14155550100","to_number":"+12137771234","override_agent_id":"agent_8f","metadata":{"switchboard_agent_id":"front-desk"},"retell_llm_dynamic_variables":{"name":"Ada"}}"#
        let reply = try await fixture.call(.retell, "POST", "/v2/create-phone-call", body: body)
        #expect(reply.status == 201)
        let json = try #require(reply.json)
        #expect(json["call_status"] == .string("registered"))
        let callID = try #require(json["call_id"]?.stringValue)
        #expect(callID.hasPrefix("call_"))
        #expect(json["from_number"] == .string("+14155550100"))
        #expect(json["to_number"] == .string("+12137771234"))
        #expect(json["agent_id"] == .string("agent_8f"))
        #expect(json["metadata"]?["switchboard_agent_id"] == .string("front-desk"))
        let call = try #require(fixture.simulator.calls().first)
        #expect(call.callID == callID)
        #expect(call.provider == .retell)
        #expect(call.from == e164("+14155550100"))
        #expect(call.to == e164("+12137771234"))
        #expect(call.agentID == "agent_8f")
        #expect(String(decoding: call.body, as: UTF8.self) == body)
    }

    @Test func createPhoneCall_badInput_refusedAndNoCall() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 1)
        let cases: [(String, Int)] = [
            (#"{"from_number":"+19995550000","to_number":"+12137771234","override_agent_id":"a"}"#, 404),
            (#"{"to_number":"+12137771234","override_agent_id":"a"}"#, 400),
            (#"{"from_number":"+14155550100","override_agent_id":"a"}"#, 400),
            (#"{"from_number":"+14155550100","to_number":"2137771234x","override_agent_id":"a"}"#, 400),
            (#"{"from_number":"+14155550100","to_number":"+12137771234"}"#, 400),  // no agent anywhere
            (#"{"from_number":"+14155550100","to_number":"+12137771234","override_agent_id":"a","metadata":"x"}"#, 400),
            (#"{"from_number":"+14155550100","to_number":"+12137771234","override_agent_id":"a","retell_llm_dynamic_variables":{"n":1}}"#, 400),
            (#"{"from_number":"+14155550100","to_number":"+12137771234","override_agent_id":"a","voice":"x"}"#, 400),
            ("not json", 400),
        ]
        for (body, status) in cases {
            let reply = try await fixture.call(.retell, "POST", "/v2/create-phone-call", body: body)
            #expect(reply.status == status, "\(body)")
            #expect(reply.json?["status"] == .string("error"), "\(body)")
        }
        #expect(fixture.simulator.calls().isEmpty)
    }

    @Test func createPhoneCall_numberWithOutboundAgent_usesIt() async throws {
        let fixture = try Fixture()
        try fixture.simulator.addNumbers(
            [SimulatedNumber(e164("+14155550100"), outboundAgentID: "agent_out")], provider: .retell, apiKey: Fixture.retellKey)
        let reply = try await fixture.call(
            .retell, "POST", "/v2/create-phone-call", body: #"{"from_number":"+14155550100","to_number":"+12137771234"}"#)
        #expect(reply.status == 201)
        #expect(reply.json?["agent_id"] == .string("agent_out"))
    }

    @Test func unknownPathOrMethod_answers404Or405() async throws {
        let fixture = try Fixture()
        let missing = try await fixture.call(.retell, "GET", "/v3/list-phone-numbers")
        #expect(missing.status == 404)
        #expect(missing.json?["status"] == .string("error"))
        let method = try await fixture.call(.retell, "POST", "/v2/list-phone-numbers", body: "{}")
        #expect(method.status == 405)
        #expect(method.header("Allow") == "GET")
        let root = try await Client.send("GET", "http://127.0.0.1:\(fixture.simulator.port!)/twilio/x")
        #expect(root.status == 404)
    }
}
