import SwitchboardCore
import SwitchboardHTTP
@testable import SwitchboardProviders
import Testing

/// ProviderClient over the in-memory transport: the three operations end to end, without sockets.
@Suite struct ProviderClientTests {
    static let retell = Fixtures.connection(.retell, baseURL: "http://127.0.0.1:1/retell")

    @Test func listNumbers_followsPagesAndUsesTheTimeout() async throws {
        let transport = InMemoryTransport([
            .respond(.json(200, #"{"items":[{"phone_number":"+14155550001"},{"phone_number":"bogus"}],"pagination_key":"p2"}"#)),
            .respond(.json(200, #"{"items":[{"phone_number":"+14155550002"}]}"#)),
        ])
        let client = ProviderClient(transport: transport, timeout: .milliseconds(2500))
        let result = try await client.listNumbers(ProviderClientTests.retell)
        #expect(result.numbers.map(\.number.description) == ["+14155550001", "+14155550002"])
        #expect(result.skipped.count == 1)
        #expect(result.pages == 2)
        #expect(transport.requests.map(\.url) == [
            "http://127.0.0.1:1/retell/v2/list-phone-numbers?limit=1000",
            "http://127.0.0.1:1/retell/v2/list-phone-numbers?limit=1000&pagination_key=p2",
        ])
        #expect(transport.timeouts == [.milliseconds(2500), .milliseconds(2500)])
        #expect(ProviderClient(transport: transport).timeout == .seconds(10))
    }

    @Test func listNumbers_transportFaultOnSecondPage_throwsNoPartialList() async {
        let transport = InMemoryTransport([
            .respond(.json(200, #"{"items":[{"phone_number":"+14155550001"}],"pagination_key":"p2"}"#)),
            .fail(.truncatedBody("the connection ended")),
        ])
        await #expect(throws: ProviderFailure(provider: .retell, operation: .listNumbers, kind: .truncatedAnswer(detail: "the connection ended"))) {
            try await ProviderClient(transport: transport).listNumbers(ProviderClientTests.retell)
        }
    }

    @Test func listNumbers_endlessPagination_stopsAtMaxPages() async {
        let counter = Locked(0)
        let transport = InMemoryTransport { _ in
            let page = counter.withLock { value -> Int in
                value += 1
                return value
            }
            return .respond(.json(200, #"{"items":[],"pagination_key":"p\#(page)"}"#))
        }
        let error = await #expect(throws: ProviderFailure.self) {
            try await ProviderClient(transport: transport, maxPages: 7).listNumbers(ProviderClientTests.retell)
        }
        #expect(error?.code == "provider_listing_incomplete")
        #expect(transport.requests.count == 7)
    }

    @Test func push_blandMove_sendsDetachThenAttach_andStopsAtFirstFailure() async throws {
        let bland = Fixtures.connection(.bland)
        let move = AssignmentPush(number: Fixtures.e164("+14155550123"), providerNumberID: "+14155550123", previousProviderAgentID: "a", providerAgentID: "b")
        let ok = InMemoryTransport([.respond(.json(200, #"{"status":"success"}"#)), .respond(.json(200, #"{"status":"success"}"#))])
        try ProviderClient(transport: ok).push(move, connection: bland)
        #expect(ok.requests.map(\.url) == ["https://api.bland.ai/v2/agents/a/inbound/detach", "https://api.bland.ai/v2/agents/b/inbound/attach"])

        let failing = InMemoryTransport([.respond(ProviderResponse(status: 500)), .respond(.json(200, "{}"))])
        #expect(throws: ProviderFailure(provider: .bland, operation: .pushAssignment, kind: .status(500, providerMessage: nil))) {
            try ProviderClient(transport: failing).push(move, connection: bland)
        }
        #expect(failing.requests.count == 1)
    }

    @Test func createCall_vapi_returnsTheProviderCallID() async throws {
        let transport = InMemoryTransport([.respond(.json(201, #"{"id":"call-77","status":"queued"}"#))])
        let call = OutboundCall(providerAgentID: "asst-1", from: Fixtures.e164("+14155550123"), fromProviderNumberID: "pn-1", to: Fixtures.e164("+12137771234"))
        let created = try await ProviderClient(transport: transport).createCall(call, connection: Fixtures.connection(.vapi))
        #expect(created == CreatedCall(providerCallID: "call-77"))
        #expect(transport.requests.first?.bodyText == #"{"assistantId":"asst-1","phoneNumberId":"pn-1","customer":{"number":"+12137771234"},"metadata":{}}"#)
    }

    @Test func createCall_transportFaults_mapToGatewayStatuses() async {
        let call = OutboundCall(providerAgentID: "agent_1", from: Fixtures.e164("+14155550123"), fromProviderNumberID: "+14155550123", to: Fixtures.e164("+12137771234"))
        let cases: [(TransportError, Int, String)] = [
            (.timedOut, 504, "provider_timeout"), (.unreachable("connection refused"), 502, "provider_unreachable"),
            (.truncatedBody("cut"), 502, "provider_bad_answer"), (.invalidRequest("bad url"), 422, "provider_request_invalid"),
            (.cancelled, 502, "provider_unreachable"),
        ]
        for (fault, status, code) in cases {
            let transport = InMemoryTransport([.fail(fault)])
            let error = await #expect(throws: ProviderFailure.self) {
                try await ProviderClient(transport: transport, timeout: .seconds(3)).createCall(call, connection: Fixtures.connection(.retell))
            }
            #expect(error?.httpStatus == status, "\(fault)")
            #expect(error?.code == code, "\(fault)")
            #expect(error?.message.contains(Fixtures.apiKey) == false)
        }
    }

    @Test func inMemoryTransport_withoutScript_failsUnreachable() async throws {
        let transport = InMemoryTransport()
        transport.enqueue(.respond(ProviderResponse(status: 204)))
        let request = ProviderRequest(method: .get, url: "http://x/", headers: [:])
        #expect(try await transport.send(request, timeout: .seconds(1)).status == 204)
        await #expect(throws: TransportError.self) { try await transport.send(request, timeout: .seconds(1)) }
        #expect(transport.requests.count == 2)
    }
}
