import SwitchboardCore
import Testing

@testable import SwitchboardSimulator

@Suite struct BlandAPITests {
    @Test func listInbound_answersDocumentedShape_agentIDAbsentWhenUnset() async throws {
        let fixture = try Fixture()
        try fixture.simulator.addNumbers(
            [
                SimulatedNumber(e164("+14155550123"), agentID: "agent_b1", pathwayID: "pw_1", webhook: "https://example.invalid/hook"),
                SimulatedNumber(e164("+14155550124")),
            ], provider: .bland, apiKey: Fixture.blandKey)
        let reply = try await fixture.call(.bland, "GET", "/v1/inbound")
        #expect(reply.status == 200)
        #expect(keys(reply.json) == ["inbound_numbers"])
        let items = try #require(reply.json?["inbound_numbers"]?.elements)
        #expect(items.count == 2)
        #expect(keys(items[0]) == ["phone_number", "created_at", "pathway_id", "agent_id", "webhook"])
        #expect(items[0]["agent_id"] == .string("agent_b1"))
        #expect(items[0]["pathway_id"] == .string("pw_1"))
        #expect(keys(items[1]) == ["phone_number", "created_at", "pathway_id", "webhook"])
        #expect(ISOTime.parse(items[1]["created_at"]?.stringValue ?? "") != nil)
    }

    @Test func auth_bearerMissingOrWrong_answers401InBlandStyle() async throws {
        let fixture = try Fixture()
        let url = fixture.url(.bland, "/v1/inbound")
        for headers in [[:], ["authorization": "Bearer \(Fixture.blandKey)"], ["authorization": "wrong"]] {
            let reply = try await Client.send("GET", url, headers: headers)
            #expect(reply.status == 401, "\(headers)")
            #expect(reply.json?["status"] == .string("error"))
        }
        let bearer = try await Client.send("GET", url, headers: ["authorization": "Bearer \(Fixture.blandKey)"])
        #expect(bearer.json?["message"]?.stringValue?.contains("without Bearer") == true)
    }

    @Test func attachThenDetach_movesAgentAndRecordsInOrder() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.bland, count: 2)
        let body = #"{"inbound_numbers":["+14155550100","+14155550101"]}"#
        let attach = try await fixture.call(.bland, "POST", "/v2/agents/agent_b1/inbound/attach", body: body)
        #expect(attach.status == 200)
        #expect(attach.json?["status"] == .string("success"))
        let listed = try #require(try await fixture.call(.bland, "GET", "/v1/inbound").json?["inbound_numbers"]?.elements)
        #expect(listed.map { $0["agent_id"] } == [.string("agent_b1"), .string("agent_b1")])
        let detach = try await fixture.call(
            .bland, "POST", "/v2/agents/agent_b1/inbound/detach", body: #"{"inbound_numbers":["+14155550101"]}"#)
        #expect(detach.status == 200)
        // Detaching from an agent the number is not attached to changes nothing, and succeeds.
        let other = try await fixture.call(
            .bland, "POST", "/v2/agents/agent_zz/inbound/detach", body: #"{"inbound_numbers":["+14155550100"]}"#)
        #expect(other.status == 200)
        let numbers = try fixture.simulator.numbers(provider: .bland, apiKey: Fixture.blandKey)
        #expect(numbers.map(\.agentID) == ["agent_b1", nil])
        let changes = fixture.simulator.numberChanges(provider: .bland)
        #expect(changes.map(\.operation) == [.blandAttach, .blandDetach, .blandDetach])
        #expect(changes.map(\.agentID) == ["agent_b1", "agent_b1", "agent_zz"])
        #expect(String(decoding: changes[0].body, as: UTF8.self) == body)
        #expect(changes[0].sequence < changes[1].sequence)
    }

    @Test func attach_unknownOrInvalidNumber_refusedAndNothingChanges() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.bland, count: 1)
        let cases: [(String, Int)] = [
            (#"{"inbound_numbers":["+14155550100","+19995550000"]}"#, 404),
            (#"{"inbound_numbers":["415-555-0100"]}"#, 400),
            (#"{"inbound_numbers":[]}"#, 400),
            (#"{"inbound_numbers":"+14155550100"}"#, 400),
            (#"{"inbound_numbers":["+14155550100","+14155550100"]}"#, 400),
            (#"{"numbers":["+14155550100"]}"#, 400),
            (#"{"inbound_numbers":[14155550100]}"#, 400),
        ]
        for (body, status) in cases {
            let reply = try await fixture.call(.bland, "POST", "/v2/agents/agent_b1/inbound/attach", body: body)
            #expect(reply.status == status, "\(body)")
            #expect(reply.json?["status"] == .string("error"), "\(body)")
        }
        #expect(try fixture.simulator.numbers(provider: .bland, apiKey: Fixture.blandKey).map(\.agentID) == [nil])
        #expect(fixture.simulator.numberChanges().isEmpty)
    }

    @Test func createCall_valid_answersSuccessAndRecordsCall() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.bland, count: 1)
        let body = #"{"phone_number":"+12137771234","from":"+14155550100","pathway_id":"pw_1","metadata":{"a":1}}"#
        let reply = try await fixture.call(.bland, "POST", "/v1/calls", body: body)
        #expect(reply.status == 200)
        #expect(reply.json?["status"] == .string("success"))
        let id = try #require(reply.json?["call_id"]?.stringValue)
        let call = try #require(fixture.simulator.calls(provider: .bland).first)
        #expect(call.callID == id)
        #expect(call.agentID == "pw_1")
        #expect(call.from == e164("+14155550100"))
        #expect(call.to == e164("+12137771234"))
    }

    @Test func createCall_fromNotOwned_answers200WithStatusError() async throws {
        let fixture = try Fixture()
        let reply = try await fixture.call(
            .bland, "POST", "/v1/calls", body: #"{"phone_number":"+12137771234","from":"+14155550100","agent_id":"agent_b1"}"#)
        #expect(reply.status == 200)
        #expect(reply.json?["status"] == .string("error"))
        #expect(reply.json?["message"]?.stringValue?.contains("+14155550100") == true)
        #expect(fixture.simulator.calls().isEmpty)
    }

    @Test func createCall_badInput_answers400StatusError() async throws {
        let fixture = try Fixture()
        let cases = [
            #"{"from":"+14155550100","agent_id":"a"}"#,
            #"{"phone_number":"12","agent_id":"a"}"#,
            #"{"phone_number":"+12137771234"}"#,
            #"{"phone_number":"+12137771234","agent_id":"a","pathway_id":"p"}"#,
            #"{"phone_number":"+12137771234","agent_id":"a","task":"say hi"}"#,
            #"{"phone_number":"+12137771234","agent_id":"a","metadata":[1]}"#,
            "{",
        ]
        for body in cases {
            let reply = try await fixture.call(.bland, "POST", "/v1/calls", body: body)
            #expect(reply.status == 400, "\(body)")
            #expect(keys(reply.json) == ["status", "message"], "\(body)")
        }
        #expect(fixture.simulator.calls().isEmpty)
    }
}
