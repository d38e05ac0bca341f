import Foundation
import SwitchboardCore
import SwitchboardPosix
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import SwitchboardSimulator

@Suite struct FaultTests {
    @Test func status500_json_thenNormalAnswer() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 2)
        try fixture.simulator.injectFault(.status(500, jsonBody: true), on: .retellListPhoneNumbers, count: 1)
        let failed = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers")
        #expect(failed.status == 500)
        #expect(failed.json?["status"] == .string("error"))
        let next = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers")
        #expect(next.status == 200)
        #expect(next.json?["items"]?.elements?.count == 2)
        #expect(fixture.simulator.faults().isEmpty)
        #expect(fixture.simulator.requests().map(\.status) == [500, 200])
        #expect(fixture.simulator.requests().first?.fault == .status(500, jsonBody: true))
    }

    @Test func status503_text_bodyIsNotJSON() async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.status(503, jsonBody: false), on: .vapiListPhoneNumbers, count: 1)
        let reply = try await fixture.call(.vapi, "GET", "/phone-number")
        #expect(reply.status == 503)
        #expect(reply.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(reply.json == nil)
        #expect(try await fixture.call(.vapi, "GET", "/phone-number").status == 200)
    }

    @Test func status4xx_onCreateCall_changesNothing() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 1)
        try fixture.simulator.injectFault(.status(422, jsonBody: true), on: .retellCreatePhoneCall, count: 1)
        let body = #"{"from_number":"+14155550100","to_number":"+12137771234","override_agent_id":"a"}"#
        #expect(try await fixture.call(.retell, "POST", "/v2/create-phone-call", body: body).status == 422)
        #expect(fixture.simulator.calls().isEmpty)
        #expect(try await fixture.call(.retell, "POST", "/v2/create-phone-call", body: body).status == 201)
        #expect(fixture.simulator.calls().count == 1)
    }

    @Test func rateLimited_withAndWithoutRetryAfter() async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.rateLimited(retryAfterSeconds: 2), on: .blandCreateCall, count: 1)
        try fixture.simulator.injectFault(.rateLimited(retryAfterSeconds: nil), on: .blandCreateCall, count: 1)
        let body = #"{"phone_number":"+12137771234","agent_id":"a"}"#
        let first = try await fixture.call(.bland, "POST", "/v1/calls", body: body)
        #expect(first.status == 429)
        #expect(first.header("Retry-After") == "2")
        #expect(first.json?["status"] == .string("error"))
        let second = try await fixture.call(.bland, "POST", "/v1/calls", body: body)
        #expect(second.status == 429)
        #expect(second.header("Retry-After") == nil)
        let third = try await fixture.call(.bland, "POST", "/v1/calls", body: body)
        #expect(third.status == 200)
        #expect(third.json?["status"] == .string("success"))
    }

    @Test func stall_longerThanClientTimeout_timesOutWithoutBlockingOthers() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.vapi, count: 1)
        try fixture.simulator.injectFault(.stall(.seconds(8)), on: .vapiListPhoneNumbers, count: 1)
        let started = ContinuousClock.now
        async let stalled: Reply = fixture.call(.vapi, "GET", "/phone-number", timeout: 1)
        // While that one waits, the server answers others (the loop is not blocked): well before
        // the stall would end. (Bounds are loose: CI may run this under ThreadSanitizer.)
        #expect(await eventually { fixture.simulator.handler.stalls.count == 1 })
        let other = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers", timeout: 3)
        #expect(other.status == 200)
        #expect(ContinuousClock.now - started < .seconds(5))
        do {
            _ = try await stalled
            Issue.record("the stalled request was answered within the client's 1 s timeout")
        } catch let error as URLError {
            #expect(error.code == .timedOut)
        }
        #expect(ContinuousClock.now - started < .seconds(6))
        #expect(fixture.simulator.handler.stalls.count == 1)  // the answer is still held back
        let next = try await fixture.call(.vapi, "GET", "/phone-number", timeout: 3)
        #expect(next.status == 200)
        #expect(next.json?.elements?.count == 1)
    }

    @Test func stall_shorterThanClientTimeout_answersNormallyLater() async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.stall(.milliseconds(600)), on: .blandListInbound, count: 1)
        let started = ContinuousClock.now
        let reply = try await fixture.call(.bland, "GET", "/v1/inbound", timeout: 5)
        #expect(reply.status == 200)
        #expect(ContinuousClock.now - started >= .milliseconds(550))
        #expect(reply.json?["inbound_numbers"]?.elements != nil)
    }

    @Test func stop_withStalledRequest_doesNotWaitOutTheStall() throws {
        let simulator = ProviderSimulator()
        try simulator.start()
        try simulator.createAccount(.retell, apiKey: "k")
        try simulator.injectFault(.stall(.seconds(60)), on: .retellListPhoneNumbers)
        let port = try #require(simulator.port)
        let client = Thread {
            _ = try? LoopbackHTTPClient.send(
                host: "127.0.0.1", port: port, method: "GET", path: "/retell/v2/list-phone-numbers",
                headers: [("Authorization", "Bearer k")], timeout: .seconds(10))
        }
        client.start()
        #expect(waitUntil { simulator.handler.stalls.count == 1 })
        let started = ContinuousClock.now
        simulator.stop()
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func garbage_isNotJSON() async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.garbage, on: .retellListPhoneNumbers, count: 1)
        let reply = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers")
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type") == "application/json")
        #expect(reply.json == nil)
        #expect(try await fixture.call(.retell, "GET", "/v2/list-phone-numbers").json != nil)
    }

    @Test(arguments: SimulatorEndpoint.allCases)
    func wrongShape_isValidJSONWithoutTheNeededField(endpoint: SimulatorEndpoint) async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.wrongShape, on: endpoint, count: 1)
        let reply = try await send(fixture, endpoint)
        #expect(reply.status == FaultAnswers.successStatus(endpoint))
        let json = try #require(reply.json)
        switch endpoint {
        case .retellListPhoneNumbers: #expect(json["items"]?.elements == nil)
        case .retellListPhoneNumbersLegacy, .vapiListPhoneNumbers: #expect(json.elements == nil)
        case .blandListInbound: #expect(json["inbound_numbers"]?.elements == nil)
        case .retellCreatePhoneCall, .blandCreateCall: #expect(json["call_id"]?.stringValue == nil)
        case .vapiCreateCall: #expect(json["id"]?.stringValue == nil)
        case .retellUpdatePhoneNumber, .vapiUpdatePhoneNumber, .blandAttachInbound, .blandDetachInbound:
            #expect(json.members == nil)
        }
        #expect(fixture.simulator.calls().isEmpty && fixture.simulator.numberChanges().isEmpty)
    }

    @Test func truncatedBody_urlSessionFails_loopbackClientSeesShortBody() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 20)
        try fixture.simulator.injectFault(.truncatedBody, on: .retellListPhoneNumbers, count: 2)
        await #expect(throws: (any Error).self) {
            _ = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers", timeout: 3)
        }
        let port = try #require(fixture.simulator.port)
        #expect {
            _ = try LoopbackHTTPClient.send(
                host: "127.0.0.1", port: port, method: "GET", path: "/retell/v2/list-phone-numbers",
                headers: [("Authorization", "Bearer \(Fixture.retellKey)")], timeout: .seconds(3))
        } throws: { error in
            guard case .incomplete(let message) = error as? HTTPExchangeError else { return false }
            return message.contains("cut short")
        }
        let whole = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers")
        #expect(whole.status == 200)
        #expect(whole.json?["items"]?.elements?.count == 20)
    }

    @Test func truncatedBody_onCreateCall_callIsStillCreated() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 1)
        try fixture.simulator.injectFault(.truncatedBody, on: .retellCreatePhoneCall, count: 1)
        let body = #"{"from_number":"+14155550100","to_number":"+12137771234","override_agent_id":"a"}"#
        await #expect(throws: (any Error).self) {
            _ = try await fixture.call(.retell, "POST", "/v2/create-phone-call", body: body, timeout: 3)
        }
        #expect(fixture.simulator.calls().count == 1)
    }

    @Test func repeatedCursor_retell_secondPageRepeatsTheKey() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 6)
        try fixture.simulator.injectFault(.repeatedCursor, on: .retellListPhoneNumbers, count: 1)
        // The first page has no cursor: served normally, the fault waits.
        let first = try #require(try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2").json)
        let key = try #require(first["pagination_key"]?.stringValue)
        #expect(fixture.simulator.faults().count == 1)
        let encoded = key.replacingOccurrences(of: "+", with: "%2B")
        let second = try #require(try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2&pagination_key=\(encoded)").json)
        #expect(second["pagination_key"]?.stringValue == key)
        #expect(second["items"] == first["items"])
        let third = try #require(try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2&pagination_key=\(encoded)").json)
        #expect(third["pagination_key"]?.stringValue != key)
    }

    @Test func repeatedCursor_vapi_pageEndsAtTheSameCreatedAt() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.vapi, count: 6)
        try fixture.simulator.injectFault(.repeatedCursor, on: .vapiListPhoneNumbers, count: 1)
        let first = try #require(try await fixture.call(.vapi, "GET", "/phone-number?limit=3").json?.elements)
        let cursor = try #require(first.last?["createdAt"]?.stringValue)
        let second = try #require(try await fixture.call(.vapi, "GET", "/phone-number?limit=3&createdAtGt=\(cursor)").json?.elements)
        #expect(second.count == 3)
        #expect(second.last?["createdAt"]?.stringValue == cursor)
        let third = try #require(try await fixture.call(.vapi, "GET", "/phone-number?limit=3&createdAtGt=\(cursor)").json?.elements)
        #expect(third.first?["createdAt"]?.stringValue != cursor)
        #expect(Set(first.compactMap { $0["id"] } + third.compactMap { $0["id"] }).count == 6)
    }

    @Test(arguments: [SimulatorEndpoint.retellListPhoneNumbers, .retellListPhoneNumbersLegacy, .vapiListPhoneNumbers, .blandListInbound])
    func nonE164Numbers_listingCarriesThreeBadEntries(endpoint: SimulatorEndpoint) async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(endpoint.provider, count: 2)
        try fixture.simulator.injectFault(.nonE164Numbers, on: endpoint, count: 1)
        let json = try #require(try await send(fixture, endpoint).json)
        let items = try #require(json.elements ?? json["items"]?.elements ?? json["inbound_numbers"]?.elements)
        let field = endpoint.provider == .vapi ? "number" : "phone_number"
        let texts = items.compactMap { $0[field]?.stringValue }
        #expect(texts.count == 5)
        let invalid = texts.filter { text in (try? E164(text)).map { !$0.isWritten(as: text) } ?? true }
        #expect(invalid.count == 3)
        #expect(try await send(fixture, endpoint).status == 200)
    }

    @Test func untilCleared_failsEveryRequestUntilCleared() async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.status(502, jsonBody: true), on: .blandListInbound)
        for _ in 0..<3 { #expect(try await fixture.call(.bland, "GET", "/v1/inbound").status == 502) }
        // Other endpoints are not affected.
        #expect(try await fixture.call(.retell, "GET", "/list-phone-numbers").status == 200)
        fixture.simulator.clearFaults(on: .blandListInbound)
        #expect(try await fixture.call(.bland, "GET", "/v1/inbound").status == 200)
    }

    @Test func faults_onOneEndpoint_playInArmingOrder() async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.status(500, jsonBody: true), on: .vapiListPhoneNumbers, count: 2)
        try fixture.simulator.injectFault(.rateLimited(retryAfterSeconds: 1), on: .vapiListPhoneNumbers, count: 1)
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await fixture.call(.vapi, "GET", "/phone-number").status) }
        #expect(statuses == [500, 500, 429, 200])
    }

    @Test func after_letsThatManyRequestsByThenApplies() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 3)
        try fixture.simulator.injectFault(.status(503, jsonBody: true), on: .retellListPhoneNumbers, count: 1, after: 2)
        #expect(fixture.simulator.faults().first?.after == 2)
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await fixture.call(.retell, "GET", "/v2/list-phone-numbers").status) }
        #expect(statuses == [200, 200, 503, 200])
        #expect(fixture.simulator.faults().isEmpty)
    }

    @Test func after_countsRequestsThatAnEarlierRuleAnswers() async throws {
        let fixture = try Fixture()
        try fixture.simulator.injectFault(.status(500, jsonBody: true), on: .vapiListPhoneNumbers, count: 1)
        try fixture.simulator.injectFault(.rateLimited(retryAfterSeconds: 1), on: .vapiListPhoneNumbers, count: 1, after: 2)
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await fixture.call(.vapi, "GET", "/phone-number").status) }
        #expect(statuses == [500, 200, 429, 200])
    }

    @Test func after_failsThePageAfterAGoodOne() async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 3)
        try fixture.simulator.injectFault(.garbage, on: .retellListPhoneNumbers, count: 1, after: 1)
        let first = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2")
        #expect(first.status == 200)
        let key = try #require(first.json?["pagination_key"]?.stringValue)
        let second = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2&pagination_key=\(key.replacingOccurrences(of: "+", with: "%2B"))")
        #expect(second.status == 200 && second.json == nil)
        #expect(fixture.simulator.requests().map(\.fault) == [nil, .garbage])
    }

    @Test func injectFault_invalid_refusedWithReason() throws {
        let fixture = try Fixture()
        #expect(throws: SimulatorError.self) { try fixture.simulator.injectFault(.status(200, jsonBody: true), on: .vapiCreateCall) }
        #expect(throws: SimulatorError.self) { try fixture.simulator.injectFault(.repeatedCursor, on: .blandListInbound) }
        #expect(throws: SimulatorError.self) { try fixture.simulator.injectFault(.nonE164Numbers, on: .vapiCreateCall) }
        #expect(throws: SimulatorError.self) { try fixture.simulator.injectFault(.garbage, on: .vapiCreateCall, count: 0) }
        #expect(throws: SimulatorError.self) { try fixture.simulator.injectFault(.stall(.zero), on: .vapiCreateCall) }
        #expect(throws: SimulatorError.self) { try fixture.simulator.injectFault(.garbage, on: .vapiCreateCall, after: -1) }
        #expect(fixture.simulator.faults().isEmpty)
    }

    static let oneOfEach: [SimulatorFault] = [
        .status(500, jsonBody: true), .status(404, jsonBody: false), .rateLimited(retryAfterSeconds: 1), .rateLimited(retryAfterSeconds: nil),
        .stall(.milliseconds(300)), .garbage, .wrongShape, .truncatedBody, .nonE164Numbers, .repeatedCursor,
    ]

    /// No fault crashes or wedges the simulator: after each, on each listing, a normal request
    /// still succeeds.
    @Test(arguments: oneOfEach)
    func everyFault_thenNormalRequestSucceeds(fault: SimulatorFault) async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 3)
        try fixture.simulator.injectFault(fault, on: .retellListPhoneNumbers, count: 1)
        _ = try? await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2", timeout: 2)
        _ = try? await fixture.call(.retell, "GET", "/v2/list-phone-numbers?limit=2&pagination_key=%2B14155550101", timeout: 2)
        fixture.simulator.clearFaults()
        let reply = try await fixture.call(.retell, "GET", "/v2/list-phone-numbers", timeout: 2)
        #expect(reply.status == 200)
        #expect(reply.json?["items"]?.elements?.count == 3)
    }

    /// A request to `endpoint` that succeeds without faults (numbers and bodies that exist).
    private func send(_ fixture: Fixture, _ endpoint: SimulatorEndpoint) async throws -> Reply {
        let numbers = try fixture.simulator.numbers(provider: endpoint.provider, apiKey: Fixture.key(endpoint.provider))
        let first = try numbers.first ?? fixture.addNumbers(endpoint.provider, first: 14_155_550_500, count: 1)[0]
        switch endpoint {
        case .retellListPhoneNumbers: return try await fixture.call(.retell, "GET", "/v2/list-phone-numbers")
        case .retellListPhoneNumbersLegacy: return try await fixture.call(.retell, "GET", "/list-phone-numbers")
        case .retellUpdatePhoneNumber:
            return try await fixture.call(.retell, "PATCH", "/update-phone-number/%2B\(first.number.key)", body: #"{"inbound_agent_id":"a"}"#)
        case .retellCreatePhoneCall:
            return try await fixture.call(
                .retell, "POST", "/v2/create-phone-call", body: #"{"from_number":"\#(first.number)","to_number":"+12137771234","override_agent_id":"a"}"#)
        case .vapiListPhoneNumbers: return try await fixture.call(.vapi, "GET", "/phone-number")
        case .vapiUpdatePhoneNumber: return try await fixture.call(.vapi, "PATCH", "/phone-number/\(first.id)", body: #"{"assistantId":"a"}"#)
        case .vapiCreateCall:
            return try await fixture.call(
                .vapi, "POST", "/call", body: #"{"assistantId":"a","phoneNumberId":"\#(first.id)","customer":{"number":"+12137771234"}}"#)
        case .blandListInbound: return try await fixture.call(.bland, "GET", "/v1/inbound")
        case .blandAttachInbound:
            return try await fixture.call(.bland, "POST", "/v2/agents/a/inbound/attach", body: #"{"inbound_numbers":["\#(first.number)"]}"#)
        case .blandDetachInbound:
            return try await fixture.call(.bland, "POST", "/v2/agents/a/inbound/detach", body: #"{"inbound_numbers":["\#(first.number)"]}"#)
        case .blandCreateCall:
            return try await fixture.call(.bland, "POST", "/v1/calls", body: #"{"phone_number":"+12137771234","agent_id":"a"}"#)
        }
    }
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes.
func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// `waitUntil` for async tests: sleeps the task, not the thread.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
