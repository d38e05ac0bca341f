import SwitchboardCore
import SwitchboardHTTP
import SwitchboardProviders
import Testing

@testable import SwitchboardSimulator

/// The real adapters (`ProviderClient` over `URLSessionTransport`) against the simulator: the
/// two sides were written from providers.md separately, so agreement here is the check that both
/// read it the same way. Also the other direction: `WebhookSender`'s bodies and signatures pass
/// the adapters' own verification.
@Suite struct AdapterInteropTests {
    private func connection(_ fixture: Fixture, _ provider: Provider) throws -> ProviderConnection {
        let secret: String? = provider == .vapi ? Fixture.vapiSecret : provider == .bland ? Fixture.blandSecret : nil
        return ProviderConnection(
            account: try AccountID("acme"), provider: provider, apiKey: Fixture.key(provider), webhookSecret: secret,
            baseURL: fixture.simulator.baseURL(provider))
    }

    private func withClient<T>(timeout: Duration = .seconds(5), _ body: (ProviderClient) async throws -> T) async rethrows -> T {
        let transport = URLSessionTransport()
        defer { transport.shutdown() }
        return try await body(ProviderClient(transport: transport, timeout: timeout))
    }

    @Test(arguments: Provider.allCases)
    func listNumbers_manyPages_everyNumberOnceWithTheRightID(provider: Provider) async throws {
        let fixture = try Fixture()
        let added = try fixture.addNumbers(provider, first: 14_150_000_000, count: 2_500)
        // A generous timeout: this checks agreement, not speed (CI also runs it under TSan).
        let listing = try await withClient(timeout: .seconds(30)) { client in try await client.listNumbers(try connection(fixture, provider)) }
        #expect(listing.numbers.count == 2_500)
        #expect(Set(listing.numbers.map(\.number)) == Set(added.map(\.number)))
        #expect(listing.skipped.isEmpty)
        let ids = Dictionary(uniqueKeysWithValues: added.map { ($0.number, $0.id) })
        #expect(listing.numbers.allSatisfy { ids[$0.number] == $0.providerNumberID })
        #expect(listing.pages == (provider == .bland ? 1 : 3) || (provider == .vapi && listing.pages == 4))
    }

    @Test(arguments: Provider.allCases)
    func listNumbers_nonE164Entries_skippedAndReported(provider: Provider) async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(provider, count: 3)
        let endpoint: SimulatorEndpoint = provider == .retell ? .retellListPhoneNumbers : provider == .vapi ? .vapiListPhoneNumbers : .blandListInbound
        try fixture.simulator.injectFault(.nonE164Numbers, on: endpoint, count: 1)
        let listing = try await withClient { client in try await client.listNumbers(try connection(fixture, provider)) }
        #expect(listing.numbers.count == 3)
        #expect(listing.skipped.count == 3)
    }

    @Test(arguments: [Provider.retell, .vapi])
    func listNumbers_repeatedCursor_failsAsIncomplete(provider: Provider) async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(provider, count: 2_100)
        try fixture.simulator.injectFault(.repeatedCursor, on: provider == .retell ? .retellListPhoneNumbers : .vapiListPhoneNumbers)
        await #expect {
            _ = try await withClient { client in try await client.listNumbers(try connection(fixture, provider)) }
        } throws: { error in
            guard case .incompleteListing = (error as? ProviderFailure)?.kind else { return false }
            return true
        }
    }

    static let listingFaults: [(SimulatorFault, String)] = [
        (.status(500, jsonBody: true), "status"), (.status(503, jsonBody: false), "status"),
        (.rateLimited(retryAfterSeconds: 7), "rate"), (.garbage, "malformed"), (.wrongShape, "malformed"),
        (.truncatedBody, "truncated"), (.stall(.seconds(3)), "timeout"),
    ]

    @Test(arguments: listingFaults)
    func listNumbers_fault_mapsToTheRightFailure(fault: SimulatorFault, expected: String) async throws {
        let fixture = try Fixture()
        try fixture.addNumbers(.retell, count: 5)
        try fixture.simulator.injectFault(fault, on: .retellListPhoneNumbers, count: 1)
        let outcome: Result<NumberListingResult, ProviderFailure> = await withClient(timeout: .seconds(1)) { client in
            do {
                return .success(try await client.listNumbers(try connection(fixture, .retell)))
            } catch let failure as ProviderFailure {
                return .failure(failure)
            } catch {
                Issue.record("unexpected \(error)")
                return .failure(ProviderFailure(provider: .retell, operation: .listNumbers, kind: .unreachable(detail: "")))
            }
        }
        guard case .failure(let failure) = outcome else {
            Issue.record("\(fault) listed successfully")
            return
        }
        switch (expected, failure.kind) {
        case ("status", .status(let code, _)): #expect(code == 500 || code == 503)
        case ("rate", .rateLimited(let seconds, _)): #expect(seconds == 7)
        case ("malformed", .malformedAnswer): break
        case ("truncated", .truncatedAnswer), ("truncated", .unreachable): break
        case ("timeout", .timeout): break
        default: Issue.record("\(fault) became \(failure.kind)")
        }
        // And the simulator is fine afterwards.
        let listing = try await withClient { client in try await client.listNumbers(try connection(fixture, .retell)) }
        #expect(listing.numbers.count == 5)
    }

    @Test(arguments: Provider.allCases)
    func push_assignThenReassign_reachesTheNumberConfig(provider: Provider) async throws {
        let fixture = try Fixture()
        let number = try #require(try fixture.addNumbers(provider, count: 1).first)
        let connection = try connection(fixture, provider)
        try await withClient { client in
            try client.push(
                AssignmentPush(number: number.number, providerNumberID: number.id, previousProviderAgentID: nil, providerAgentID: "agent_a"),
                connection: connection)
            #expect(try fixture.simulator.number(number.number, provider: provider, apiKey: Fixture.key(provider))?.agentID == "agent_a")
            try client.push(
                AssignmentPush(number: number.number, providerNumberID: number.id, previousProviderAgentID: "agent_a", providerAgentID: "agent_b"),
                connection: connection)
            #expect(try fixture.simulator.number(number.number, provider: provider, apiKey: Fixture.key(provider))?.agentID == "agent_b")
            try client.push(
                AssignmentPush(number: number.number, providerNumberID: number.id, previousProviderAgentID: "agent_b", providerAgentID: nil),
                connection: connection)
        }
        #expect(try fixture.simulator.number(number.number, provider: provider, apiKey: Fixture.key(provider))?.agentID == nil)
        #expect(fixture.simulator.requests().allSatisfy { (200...299).contains($0.status) })
        #expect(fixture.simulator.numberChanges().count >= 3)
    }

    @Test(arguments: Provider.allCases)
    func createCall_simulatorSawTheDocumentedRequest(provider: Provider) async throws {
        let fixture = try Fixture()
        let number = try #require(try fixture.addNumbers(provider, count: 1).first)
        let call = OutboundCall(
            providerAgentID: "agent_x", from: number.number, fromProviderNumberID: number.id, to: e164("+12137771234"),
            metadata: try CallMetadata(jsonObject: Array(#"{"switchboard_agent_id":"front-desk"}"#.utf8)))
        let created = try await withClient { client in try await client.createCall(call, connection: try connection(fixture, provider)) }
        let seen = try #require(fixture.simulator.calls().first)
        #expect(seen.callID == created.providerCallID)
        #expect(seen.from == number.number)
        #expect(seen.to == e164("+12137771234"))
        #expect(seen.agentID == "agent_x")
        if provider == .vapi { #expect(seen.phoneNumberID == number.id) }
        let body = try SimulatorJSON.parse(seen.body)
        #expect(body["metadata"]?["switchboard_agent_id"] == .string("front-desk"))
    }

    @Test func createCall_blandFromNotOwned_refused() async throws {
        let fixture = try Fixture()
        let call = OutboundCall(providerAgentID: "agent_x", from: e164("+14155550999"), fromProviderNumberID: "+14155550999", to: e164("+12137771234"))
        await #expect {
            _ = try await withClient { client in try await client.createCall(call, connection: try connection(fixture, .bland)) }
        } throws: { error in
            guard case .refused = (error as? ProviderFailure)?.kind else { return false }
            return true
        }
    }

    @Test(arguments: Provider.allCases)
    func webhookSender_inboundCall_passesTheAdaptersVerification(provider: Provider) throws {
        let fixture = try Fixture()
        let account = try #require(fixture.simulator.accounts().first { $0.provider == provider })
        let connection = try connection(fixture, provider)
        let now = WebhookSender.nowMillis()
        let body = WebhookBodies.inboundCall(provider, to: e164("+14155550123"), from: "+12137771234", callID: "c1", phoneNumberID: "pn", unixMillis: now)
        var headers = HTTPHeaders()
        headers.append(name: "Content-Type", value: "application/json")
        for header in WebhookSender.signatureHeaders(provider, body: body, signature: WebhookSender.signature(for: account), unixMillis: now) {
            headers.append(name: header.name, value: header.value)
        }
        let event = try ProviderAdapters.adapter(for: provider).receive(headers: headers, body: body, connection: connection, nowMillis: now)
        guard case .inboundCall(let call) = event else {
            Issue.record("not an inbound call: \(event)")
            return
        }
        #expect(call.called == .number(e164("+14155550123")))
        // A body changed after signing is refused.
        var tampered = body
        tampered[tampered.count - 2] = UInt8(ascii: " ")
        #expect(throws: WebhookError.self) {
            try ProviderAdapters.adapter(for: provider).receive(headers: headers, body: tampered, connection: connection, nowMillis: now)
        }
    }
}
