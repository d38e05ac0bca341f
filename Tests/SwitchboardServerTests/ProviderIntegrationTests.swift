import Foundation
import SwitchboardCore
import SwitchboardSimulator
import Testing

@testable import SwitchboardServer

/// The router against the provider simulator over loopback: sync, outbound calls and push, with
/// every injected fault. Each test has its own simulator and router.
@Suite(.serialized) struct ProviderIntegrationTests {
    static let keys: [Provider: String] = [.retell: "key_retell_int", .vapi: "key_vapi_int", .bland: "key_bland_int"]

    final class Rig {
        let simulator = ProviderSimulator()
        let router: TestRouter

        /// `prepare` runs on the simulator before the router starts (a fault the first periodic
        /// sync must meet); `seed` adds to the router's data directory after the standard seed.
        init(numbers: [Provider: [UInt64]] = [.retell: [14155550101, 14155550102, 14155550103], .vapi: [14155550201], .bland: [14155550301]],
             defaultCallerID: String? = nil, syncInterval: Duration? = nil, prepare: (ProviderSimulator) throws -> Void = { _ in },
             seed extra: @escaping (Directory, ProviderSimulator) throws -> Void = { _, _ in }) throws {
            try simulator.start()
            for provider in Provider.allCases {
                let key = ProviderIntegrationTests.keys[provider]!
                try simulator.createAccount(provider, apiKey: key, webhookSecret: "whsec_\(provider.name)")
                try simulator.addNumbers((numbers[provider] ?? []).map { SimulatedNumber(E164(key: $0)!) }, provider: provider, apiKey: key)
            }
            try prepare(simulator)
            let simulator = simulator
            router = try TestRouter(seed: { directory in
                let acme = try Identifier("acme")
                _ = try directory.createAccount(id: acme, name: "Acme")
                for provider in Provider.allCases {
                    try directory.putProvider(ProviderConnection(
                        account: acme, provider: provider, apiKey: ProviderIntegrationTests.keys[provider]!, webhookSecret: "whsec_\(provider.name)",
                        baseURL: simulator.baseURL(provider), defaultCallerID: provider == .retell ? defaultCallerID.map { try E164($0) } : nil))
                    try directory.putAgent(AgentSpec(account: acme, id: try Identifier("\(provider.name)-agent"), name: provider.name, provider: provider, providerAgentID: "pa_\(provider.name)", status: .active))
                }
                try extra(directory, simulator)
            }, configure: { options in
                options.providerTimeout = .seconds(1)
                if let syncInterval { options.syncInterval = syncInterval }
            })
        }

        func stop() {
            router.stop()
            simulator.stop()
        }

        /// Starts a sync and waits (bounded) for it to finish; returns the provider's status.
        func sync(_ provider: Provider) throws -> [String: Any] {
            #expect(try router.request("POST", "/v1/accounts/acme/sync?provider=\(provider.name)").status == 202)
            for _ in 0..<200 {
                let statuses = try router.request("GET", "/v1/accounts/acme/sync").json["providers"] as? [[String: Any]] ?? []
                if let status = statuses.first(where: { $0["provider"] as? String == provider.name }), status["running"] as? Bool == false,
                    status["result"] is String
                {
                    return status
                }
                usleep(20_000)
            }
            Issue.record("sync of \(provider) did not finish")
            return [:]
        }

        /// Every number of `account`, every field, page after page: the state a refused or failed
        /// request must leave as it was.
        func allNumbers(account: String = "acme") throws -> [String] {
            var lines: [String] = []
            var cursor: String?
            for _ in 0..<100 {
                let query = cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
                let page = try router.request("GET", "/v1/accounts/\(account)/numbers?limit=1000\(query)")
                #expect(page.status == 200, "\(page.text)")
                let numbers = page.json["numbers"] as? [[String: Any]] ?? []
                lines += numbers.map { number in number.keys.sorted().map { "\($0)=\(number[$0] ?? "nil")" }.joined(separator: " ") }
                guard let next = page.json["next_cursor"] as? String else { return lines }
                cursor = next
            }
            Issue.record("the numbers of \(account) did not end within 100 pages")
            return lines
        }

        /// The provider requests the simulator received for `endpoint`.
        func requests(_ endpoint: SimulatorEndpoint) -> [RecordedRequest] {
            simulator.requests().filter { $0.endpoint == endpoint }
        }

        func numbers() throws -> [String] {
            (try router.request("GET", "/v1/accounts/acme/numbers").json["numbers"] as? [[String: Any]] ?? []).map {
                "\($0["number"] as? String ?? "?") \($0["status"] as? String ?? "?") \($0["agent_id"] as? String ?? "-")"
            }
        }
    }

    // MARK: Sync

    @Test func sync_addsUpdatesDeactivates_andAssignmentsSurvive() throws {
        let rig = try Rig()
        defer { rig.stop() }
        var status = try rig.sync(.retell)
        #expect(status["result"] as? String == "ok" && status["added"] as? Int == 3)
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550102/agent", json: #"{"agent_id":"retell-agent"}"#).status == 200)
        try rig.simulator.removeNumber(E164(key: 14155550101)!, provider: .retell, apiKey: ProviderIntegrationTests.keys[.retell]!)
        try rig.simulator.addNumbers([SimulatedNumber(E164(key: 14155550104)!)], provider: .retell, apiKey: ProviderIntegrationTests.keys[.retell]!)
        status = try rig.sync(.retell)
        #expect(status["result"] as? String == "ok" && status["added"] as? Int == 1 && status["deactivated"] as? Int == 1 && status["updated"] as? Int == 0)
        #expect(try rig.numbers() == ["+14155550101 inactive -", "+14155550102 active retell-agent", "+14155550103 active -", "+14155550104 active -"])
        // Vapi and Bland too, through their own listings.
        #expect(try rig.sync(.vapi)["added"] as? Int == 1)
        #expect(try rig.sync(.bland)["added"] as? Int == 1)
    }

    @Test(arguments: [
        (SimulatorFault.status(500, jsonBody: true), "500"), (.status(503, jsonBody: false), "503"), (.rateLimited(retryAfterSeconds: 7), "429"),
        (.stall(.seconds(3)), "no answer within"), (.garbage, "not what its API documents"), (.wrongShape, "not what its API documents"),
        (.truncatedBody, "cut short"), (.repeatedCursor, "repeat"),
    ])
    func sync_everyFault_changesNothingAndSaysWhy(fault: SimulatorFault, says: String) throws {
        // Enough numbers for two pages, so the repeated cursor has a page to repeat.
        let rig = try Rig(numbers: [.retell: (0..<1200).map { 14155560000 + UInt64($0) }])
        defer { rig.stop() }
        #expect(try rig.sync(.retell)["added"] as? Int == 1200)
        try rig.simulator.removeNumber(E164(key: 14155560000)!, provider: .retell, apiKey: ProviderIntegrationTests.keys[.retell]!)
        let before = try rig.router.request("GET", "/v1/accounts/acme/numbers?limit=1000").text
        try rig.simulator.injectFault(fault, on: .retellListPhoneNumbers)
        let status = try rig.sync(.retell)
        #expect(status["result"] as? String == "error")
        let error = status["error"] as? String ?? ""
        #expect(error.contains(says), "\(error)")
        #expect(error.components(separatedBy: "nothing was changed").count == 2, "said once: \(error)")
        #expect(!error.contains(ProviderIntegrationTests.keys[.retell]!))
        #expect(try rig.router.request("GET", "/v1/accounts/acme/numbers?limit=1000").text == before)
        if case .stall = fault { #expect(error == "retell failed to list numbers: no answer within 1 s; try again later; nothing was changed") }
    }

    static func says(_ fault: SimulatorFault) -> String {
        switch fault {
        case .status(let status, _): "it answered \(status)"
        case .rateLimited(let seconds?): "retry after \(seconds) s"
        case .rateLimited(nil): "rate limiting requests (429)"
        case .stall: "no answer within 1 s"
        case .garbage, .wrongShape: "not what its API documents"
        case .truncatedBody: "cut short"
        case .repeatedCursor: "repeat"
        case .nonE164Numbers: ""
        }
    }

    static func listingEndpoint(_ provider: Provider) -> SimulatorEndpoint {
        switch provider {
        case .retell: .retellListPhoneNumbers
        case .vapi: .vapiListPhoneNumbers
        case .bland: .blandListInbound
        }
    }

    /// Vapi's and Bland's listings fail as Retell's do: state kept, the status says why (once that
    /// nothing changed), and the same sync without the fault applies what was waiting.
    @Test(arguments: [Provider.vapi, .bland], [
        SimulatorFault.status(500, jsonBody: true), .rateLimited(retryAfterSeconds: 7), .stall(.seconds(3)), .garbage,
    ])
    func sync_vapiAndBlandFaults_changeNothingAndSayWhy(provider: Provider, fault: SimulatorFault) throws {
        let first: UInt64 = provider == .vapi ? 14155550201 : 14155550301
        let rig = try Rig(numbers: [provider: [first, first + 1, first + 2]])
        defer { rig.stop() }
        let key = ProviderIntegrationTests.keys[provider]!
        #expect(try rig.sync(provider)["added"] as? Int == 3)
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+\(first + 1)/agent", json: #"{"agent_id":"\#(provider.name)-agent"}"#).status == 200)
        // What a good listing would now change: one number gone, one new.
        try rig.simulator.removeNumber(E164(key: first)!, provider: provider, apiKey: key)
        try rig.simulator.addNumbers([SimulatedNumber(E164(key: first + 50)!)], provider: provider, apiKey: key)
        let before = try rig.allNumbers()
        try rig.simulator.injectFault(fault, on: ProviderIntegrationTests.listingEndpoint(provider))
        let status = try rig.sync(provider)
        let error = status["error"] as? String ?? ""
        #expect(status["result"] as? String == "error", "\(status)")
        #expect(error.hasPrefix("\(provider) failed to list numbers: ") && error.contains(ProviderIntegrationTests.says(fault)), "\(error)")
        #expect(error.hasSuffix("; nothing was changed") && error.components(separatedBy: "nothing was changed").count == 2, "\(error)")
        #expect(!error.contains(key))
        #expect(status["added"] as? Int == 0 && status["deactivated"] as? Int == 0)
        #expect(try rig.allNumbers() == before)
        // The fault was the only reason: without it the waiting changes apply.
        rig.simulator.clearFaults()
        let after = try rig.sync(provider)
        #expect(after["result"] as? String == "ok" && after["added"] as? Int == 1 && after["deactivated"] as? Int == 1, "\(after)")
        #expect(try rig.numbers().contains("+\(first + 1) active \(provider.name)-agent"))
    }

    /// `updated` counts numbers still listed whose provider id changed (Vapi gives a number bought
    /// again a new id) or that were gone and are back.
    @Test func sync_changedProviderIDOrReturningNumber_countsAsUpdated() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let vapiKey = ProviderIntegrationTests.keys[.vapi]!
        let retellKey = ProviderIntegrationTests.keys[.retell]!
        let vapiNumber = E164(key: 14155550201)!
        #expect(try rig.sync(.vapi)["added"] as? Int == 1)
        let oldID = try #require(try rig.simulator.number(vapiNumber, provider: .vapi, apiKey: vapiKey)?.id)
        #expect(try rig.router.request("GET", "/v1/accounts/acme/numbers/+14155550201").json["provider_number_id"] as? String == oldID)
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550201/agent", json: #"{"agent_id":"vapi-agent"}"#).status == 200)
        try rig.simulator.removeNumber(vapiNumber, provider: .vapi, apiKey: vapiKey)
        let newID = try #require(try rig.simulator.addNumbers([SimulatedNumber(vapiNumber)], provider: .vapi, apiKey: vapiKey).first?.id)
        #expect(newID != oldID)
        let vapi = try rig.sync(.vapi)
        #expect(vapi["result"] as? String == "ok" && vapi["added"] as? Int == 0 && vapi["updated"] as? Int == 1 && vapi["deactivated"] as? Int == 0, "\(vapi)")
        let number = try rig.router.request("GET", "/v1/accounts/acme/numbers/+14155550201").json
        #expect(number["provider_number_id"] as? String == newID && number["agent_id"] as? String == "vapi-agent", "\(number)")
        // Retell: a number gone (inactive) and listed again.
        #expect(try rig.sync(.retell)["added"] as? Int == 3)
        try rig.simulator.removeNumber(E164(key: 14155550101)!, provider: .retell, apiKey: retellKey)
        #expect(try rig.sync(.retell)["deactivated"] as? Int == 1)
        try rig.simulator.addNumbers([SimulatedNumber(E164(key: 14155550101)!)], provider: .retell, apiKey: retellKey)
        let retell = try rig.sync(.retell)
        #expect(retell["added"] as? Int == 0 && retell["updated"] as? Int == 1 && retell["deactivated"] as? Int == 0, "\(retell)")
        #expect(try rig.numbers().first == "+14155550101 active -")
    }

    /// A listing that fails on its second page, after a good first one, applies nothing: not the
    /// first page's numbers, not the deactivation of what page 2 would have listed.
    @Test(arguments: [Provider.retell, .vapi], [SimulatorFault.status(500, jsonBody: true), .garbage, .stall(.seconds(3))])
    func sync_faultOnPage2_afterAGoodPage1_appliesNothing(provider: Provider, fault: SimulatorFault) throws {
        let first: UInt64 = 14155560000
        let rig = try Rig(numbers: [provider: (0..<1200).map { first + UInt64($0) }])
        defer { rig.stop() }
        let key = ProviderIntegrationTests.keys[provider]!
        let endpoint = ProviderIntegrationTests.listingEndpoint(provider)
        #expect(try rig.sync(provider)["added"] as? Int == 1200)
        // What a complete listing would change: a number gone from page 1, a new one on page 2
        // (after every other by number at Retell, created last at Vapi).
        try rig.simulator.removeNumber(E164(key: first)!, provider: provider, apiKey: key)
        try rig.simulator.addNumbers([SimulatedNumber(E164(key: first + 5000)!)], provider: provider, apiKey: key)
        let before = try rig.allNumbers()
        #expect(before.count == 1200)
        rig.simulator.resetRecords()
        try rig.simulator.injectFault(fault, on: endpoint, count: 1, after: 1)
        let status = try rig.sync(provider)
        let error = status["error"] as? String ?? ""
        #expect(status["result"] as? String == "error" && error.contains(ProviderIntegrationTests.says(fault)), "\(status)")
        #expect(try rig.allNumbers() == before)
        let pages = rig.requests(endpoint)
        #expect(pages.map(\.fault) == [nil, fault], "\(pages.map(\.target))")
        #expect(pages.first?.status == 200)
        #expect(pages.last?.target.contains(provider == .retell ? "pagination_key=" : "createdAtGt=") == true, "\(pages.map(\.target))")
        let after = try rig.sync(provider)
        #expect(after["result"] as? String == "ok" && after["added"] as? Int == 1 && after["deactivated"] as? Int == 1, "\(after)")
    }

    /// With a sub-second interval the router syncs every connection by itself, again and again;
    /// rounds come no sooner than the interval less 10% after each other; a listing slower than the
    /// interval is never joined by a second one for the same connection.
    @Test func sync_periodic_runsByItself_neverTwoAtOncePerConnection() throws {
        let interval = 0.1
        let stall = 0.8
        let rig = try Rig(syncInterval: .milliseconds(100), prepare: { simulator in
            try simulator.injectFault(.stall(.milliseconds(800)), on: .retellListPhoneNumbers)
        })
        defer { rig.stop() }
        let sync = try #require(rig.router.service.workers.withLock { $0?.sync })
        let acme = try Identifier("acme")
        func counts() -> (retell: Int, vapi: Int, bland: Int) {
            (rig.requests(.retellListPhoneNumbers).count, rig.requests(.vapiListPhoneNumbers).count, rig.requests(.blandListInbound).count)
        }
        // Watch Retell's sync state (millisecond times): a sync that starts while the one seen
        // running has not finished is a second one at once.
        let windowStart = Date()
        let first = counts()
        var previous = sync.status(account: acme, provider: .retell)
        var overlaps: [String] = []
        var runningSeen = 0
        for _ in 0..<1000 where counts().retell < first.retell + 3 || counts().vapi < first.vapi + 3 {
            usleep(5_000)
            let now = sync.status(account: acme, provider: .retell)
            if let before = previous, let now, before.running {
                runningSeen += 1
                if now.lastStartedAt != before.lastStartedAt && now.lastFinishedAt == before.lastFinishedAt {
                    overlaps.append("started \(now.lastStartedAt?.milliseconds ?? 0) while \(before.lastStartedAt?.milliseconds ?? 0) ran")
                }
            }
            previous = now
        }
        let last = counts()
        let window = Date().timeIntervalSince(windowStart)
        let retell = last.retell - first.retell
        let vapi = last.vapi - first.vapi
        #expect(retell >= 3 && vapi >= 3 && last.bland >= 2, "listings: retell \(last.retell), vapi \(last.vapi), bland \(last.bland)")
        #expect(runningSeen > 10)
        #expect(overlaps.isEmpty, "\(overlaps)")
        // k Retell listings, one at a time and each taking the stall, need (k - 1) stalls at least.
        #expect(Double(retell) <= window / stall + 1, "\(retell) Retell listings in \(window) s")
        // Rounds (each lists Vapi: it answers at once) come no sooner than 0.9 × the interval.
        #expect(Double(vapi) <= window / (0.9 * interval) + 1, "\(vapi) Vapi listings in \(window) s")
        let statuses = try rig.router.request("GET", "/v1/accounts/acme/sync").json["providers"] as? [[String: Any]] ?? []
        for provider in ["retell", "vapi", "bland"] {
            let status = statuses.first { $0["provider"] as? String == provider } ?? [:]
            #expect(status["result"] as? String == "ok", "\(status)")
        }
        #expect(try rig.numbers().count == 5)
    }

    @Test func sync_nonE164Entries_areSkippedAndCounted() throws {
        let rig = try Rig()
        defer { rig.stop() }
        try rig.simulator.injectFault(.nonE164Numbers, on: .retellListPhoneNumbers)
        let status = try rig.sync(.retell)
        #expect(status["result"] as? String == "ok" && status["added"] as? Int == 3 && status["skipped"] as? Int == 3)
    }

    // MARK: Outbound calls

    @Test func calls_eachCallerIDSource_andTheRequestTheProviderSaw() throws {
        let rig = try Rig(defaultCallerID: "+14155550103")
        defer { rig.stop() }
        _ = try rig.sync(.retell)
        _ = try rig.sync(.vapi)
        // default: the agent has no number yet.
        var answer = try rig.router.request("POST", "/v1/accounts/acme/calls", json: #"{"agent_id":"retell-agent","to":"+12137771234"}"#)
        #expect(answer.status == 201 && answer.json["from"] as? String == "+14155550103")
        // assigned.
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550101/agent", json: #"{"agent_id":"retell-agent"}"#).status == 200)
        answer = try rig.router.request("POST", "/v1/accounts/acme/calls", json: #"{"agent_id":"retell-agent","to":"+1 213 777 1234","metadata":{"crm":42}}"#)
        #expect(answer.status == 201 && answer.json["from"] as? String == "+14155550101" && answer.json["to"] as? String == "+12137771234")
        let callID = try #require(answer.json["call_id"] as? String)
        // explicit.
        answer = try rig.router.request("POST", "/v1/accounts/acme/calls", json: #"{"agent_id":"retell-agent","to":"+12137771234","from":"+14155550102"}"#)
        #expect(answer.status == 201 && answer.json["from"] as? String == "+14155550102")
        let calls = rig.simulator.calls(provider: .retell)
        #expect(calls.map(\.from?.description) == ["+14155550103", "+14155550101", "+14155550102"])
        #expect(calls[1].callID == callID && calls[1].agentID == "pa_retell" && calls[1].to.description == "+12137771234")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(calls[1].body)) as? [String: Any])
        #expect(body["override_agent_id"] as? String == "pa_retell")
        #expect((body["metadata"] as? [String: Any])?["crm"] as? Int == 42)
        // Vapi names the caller ID by its number id.
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550201/agent", json: #"{"agent_id":"vapi-agent"}"#).status == 200)
        answer = try rig.router.request("POST", "/v1/accounts/acme/calls", json: #"{"agent_id":"vapi-agent","to":"+12137771234"}"#)
        #expect(answer.status == 201)
        let vapiCall = try #require(rig.simulator.calls(provider: .vapi).last)
        let vapiNumber = try #require(try rig.simulator.number(E164(key: 14155550201)!, provider: .vapi, apiKey: ProviderIntegrationTests.keys[.vapi]!))
        #expect(vapiCall.phoneNumberID == vapiNumber.id && vapiCall.agentID == "pa_vapi")
        // Each call is an outbound event.
        let events = try rig.router.request("GET", "/v1/accounts/acme/events").json["events"] as? [[String: Any]] ?? []
        #expect(events.filter { $0["direction"] as? String == "outbound" && $0["outcome"] as? String == "routed" }.count == 4)
    }

    @Test func calls_refusals_sendNothing() throws {
        let rig = try Rig()
        defer { rig.stop() }
        _ = try rig.sync(.retell)
        _ = try rig.sync(.vapi)
        let cases: [(String, Int, String)] = [
            (#"{"agent_id":"retell-agent","to":"+12137771234"}"#, 422, "no_caller_id"),
            (#"{"agent_id":"ghost","to":"+12137771234"}"#, 404, "unknown_agent"),
            (#"{"agent_id":"retell-agent","to":"+12137771234","from":"+14155550201"}"#, 422, "provider_mismatch"),
            (#"{"agent_id":"retell-agent","to":"+12137771234","from":"+19995550000"}"#, 404, "unknown_number"),
            (#"{"agent_id":"retell-agent","to":"+0123"}"#, 400, "invalid_phone_number"),
            (#"{"agent_id":"retell-agent"}"#, 400, "invalid_field"),
            (#"{"agent_id":"retell-agent","to":"+12137771234","metadata":[1]}"#, 400, "invalid_field"),
            (#"{"agent_id":"retell-agent","to":"+12137771234","extra":1}"#, 400, "invalid_field"),
        ]
        for (body, status, code) in cases {
            let answer = try rig.router.request("POST", "/v1/accounts/acme/calls", json: body)
            #expect(answer.status == status && (answer.json["error"] as? [String: Any])?["code"] as? String == code, "\(body): \(answer.status) \(answer.text)")
        }
        #expect(rig.simulator.calls().isEmpty)
    }

    /// Every rule-7 refusal and the agent's own state, through the real router: the right status
    /// and code, no request to the provider, no change; the same agent with a valid caller ID
    /// then gets through (so the refusals were the rules, not a broken rig).
    @Test func calls_refusedByTheRules_sendNothingAndChangeNothing() throws {
        let rig = try Rig(seed: { directory, simulator in
            let acme = try Identifier("acme")
            try directory.putAgent(AgentSpec(account: acme, id: try Identifier("retell-off"), name: "Off", provider: .retell, providerAgentID: "pa_off", status: .inactive))
            _ = try directory.putNumber(NumberSpec(account: acme, number: try E164("+14155550109"), provider: .retell, providerNumberID: "+14155550109", status: .inactive, agentID: nil))
            // Another account: Retell connected, Vapi not; one number of its own.
            let globex = try Identifier("globex")
            _ = try directory.createAccount(id: globex, name: "Globex")
            try directory.putProvider(ProviderConnection(account: globex, provider: .retell, apiKey: "key_globex", baseURL: simulator.baseURL(.retell)))
            try directory.putAgent(AgentSpec(account: globex, id: try Identifier("globex-vapi"), name: "V", provider: .vapi, providerAgentID: "pa_gv", status: .active))
            _ = try directory.putNumber(NumberSpec(account: globex, number: try E164("+14155550901"), provider: .retell, providerNumberID: "+14155550901", status: .active, agentID: nil))
        })
        defer { rig.stop() }
        _ = try rig.sync(.retell)
        _ = try rig.sync(.vapi)
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550101/agent", json: #"{"agent_id":"retell-agent"}"#).status == 200)
        let before = (try rig.allNumbers(), try rig.allNumbers(account: "globex"), try rig.router.request("GET", "/v1/accounts/acme/agents").text,
                      try rig.router.request("GET", "/v1/accounts/globex/agents").text)
        let cases: [(account: String, body: String, status: Int, code: String)] = [
            ("acme", #"{"agent_id":"retell-off","to":"+12137771234"}"#, 422, "agent_inactive"),
            ("globex", #"{"agent_id":"globex-vapi","to":"+12137771234"}"#, 422, "provider_not_connected"),
            ("acme", #"{"agent_id":"retell-agent","to":"+12137771234","from":"+14155550109"}"#, 422, "number_inactive"),
            ("acme", #"{"agent_id":"retell-agent","to":"+12137771234","from":"+14155550201"}"#, 422, "provider_mismatch"),
            ("acme", #"{"agent_id":"retell-agent","to":"+12137771234","from":"+14155550901"}"#, 404, "unknown_number"),
            ("acme", #"{"agent_id":"retell-agent","to":"+12137771234","from":"+19995550000"}"#, 404, "unknown_number"),
        ]
        for (account, body, status, code) in cases {
            let answer = try rig.router.request("POST", "/v1/accounts/\(account)/calls", json: body)
            #expect(answer.status == status && (answer.json["error"] as? [String: Any])?["code"] as? String == code, "\(body): \(answer.status) \(answer.text)")
        }
        let createCalls: Set<SimulatorEndpoint> = [.retellCreatePhoneCall, .vapiCreateCall, .blandCreateCall]
        #expect(rig.simulator.calls().isEmpty)
        #expect(!rig.simulator.requests().contains { $0.endpoint.map(createCalls.contains) == true })
        let after = (try rig.allNumbers(), try rig.allNumbers(account: "globex"), try rig.router.request("GET", "/v1/accounts/acme/agents").text,
                     try rig.router.request("GET", "/v1/accounts/globex/agents").text)
        #expect(after == before)
        // Each refusal is an outbound event with its reason.
        let events = try rig.router.request("GET", "/v1/accounts/acme/events").json["events"] as? [[String: Any]] ?? []
        let refused = events.filter { $0["direction"] as? String == "outbound" && $0["outcome"] as? String == "refused" }.compactMap { $0["reason"] as? String }
        #expect(refused.sorted() == cases.filter { $0.account == "acme" }.map(\.code).sorted())
        let placed = try rig.router.request("POST", "/v1/accounts/acme/calls", json: #"{"agent_id":"retell-agent","to":"+12137771234"}"#)
        #expect(placed.status == 201 && rig.simulator.calls(provider: .retell).count == 1, "\(placed.text)")
    }

    @Test(arguments: [
        (SimulatorFault.status(500, jsonBody: true), 502, "provider_error"), (.status(401, jsonBody: false), 502, "provider_error"),
        (.rateLimited(retryAfterSeconds: 9), 502, "provider_rate_limited"), (.rateLimited(retryAfterSeconds: nil), 502, "provider_rate_limited"),
        (.stall(.seconds(3)), 504, "provider_timeout"),
        (.garbage, 502, "provider_bad_answer"), (.wrongShape, 502, "provider_bad_answer"), (.truncatedBody, 502, "provider_bad_answer"),
    ])
    func calls_providerFailure_mapsToOurStatus(fault: SimulatorFault, status: Int, code: String) throws {
        let rig = try Rig()
        defer { rig.stop() }
        _ = try rig.sync(.retell)
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550101/agent", json: #"{"agent_id":"retell-agent"}"#).status == 200)
        try rig.simulator.injectFault(fault, on: .retellCreatePhoneCall)
        let answer = try rig.router.request("POST", "/v1/accounts/acme/calls", json: #"{"agent_id":"retell-agent","to":"+12137771234"}"#)
        let error = answer.json["error"] as? [String: Any] ?? [:]
        #expect(answer.status == status && error["code"] as? String == code, "\(answer.status) \(answer.text)")
        #expect(!answer.text.contains(ProviderIntegrationTests.keys[.retell]!))
        if case .rateLimited(let seconds) = fault {
            #expect(answer.headers["retry-after"] == seconds.map(String.init))
            #expect(error["provider_status"] as? Int == 429)
        }
        if case .status(let providerStatus, _) = fault { #expect(error["provider_status"] as? Int == providerStatus) }
        if case .stall = fault {
            // The simulator placed the call before it stalled: the message must not say nothing happened.
            #expect(rig.simulator.calls(provider: .retell).count == 1)
            #expect(error["message"] as? String
                == "retell failed to create a call: no answer within 1 s; the call may have been placed all the same: check retell's call list before retrying, so that nobody is dialled twice")
        }
    }

    // MARK: Push

    @Test func push_assignmentReachesTheProvider_andAFailingProviderIsRetried() throws {
        let rig = try Rig()
        defer { rig.stop() }
        _ = try rig.sync(.retell)
        _ = try rig.sync(.bland)
        let retellKey = ProviderIntegrationTests.keys[.retell]!
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550101/agent", json: #"{"agent_id":"retell-agent"}"#).status == 200)
        func retellAgent(_ key: UInt64) throws -> String? { try rig.simulator.number(E164(key: key)!, provider: .retell, apiKey: retellKey)?.agentID }
        func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
            for _ in 0..<300 {
                if try condition() { return true }
                usleep(20_000)
            }
            return try condition()
        }
        #expect(try eventually { try retellAgent(14155550101) == "pa_retell" })
        // The agent moves to another number: the old one is cleared at the provider.
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550102/agent", json: #"{"agent_id":"retell-agent"}"#).status == 200)
        #expect(try eventually { try retellAgent(14155550102) == "pa_retell" && retellAgent(14155550101) == nil })
        // Bland attaches to the agent.
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550301/agent", json: #"{"agent_id":"bland-agent"}"#).status == 200)
        #expect(eventually { rig.simulator.numberChanges(provider: .bland).contains { $0.operation == .blandAttach } })
        // A failing provider: the assignment stands, diagnosis says so, the retry gets through.
        try rig.simulator.injectFault(.status(500, jsonBody: true), on: .retellUpdatePhoneNumber, count: 1)
        #expect(try rig.router.request("DELETE", "/v1/accounts/acme/numbers/+14155550102/agent").status == 200)
        #expect(try eventually {
            let checks = try rig.router.request("GET", "/v1/accounts/acme/numbers/+14155550102/diagnosis").json["checks"] as? [[String: Any]] ?? []
            return checks.contains { $0["name"] as? String == "provider_push" && $0["ok"] as? Bool == false && ($0["detail"] as? String)?.contains("500") == true }
        })
        #expect(try eventually { try retellAgent(14155550102) == nil })
        let checks = try rig.router.request("GET", "/v1/accounts/acme/numbers/+14155550102/diagnosis").json["checks"] as? [[String: Any]] ?? []
        #expect(checks.contains { $0["name"] as? String == "provider_push" && $0["ok"] as? Bool == true })
    }

    // MARK: Command line

    @Test func commandLine_syncAndCalls_againstTheRouter() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let common = ["--server", "http://127.0.0.1:\(rig.router.port)", "--token", rig.router.adminToken, "--account", "acme"]
        let sync = try APICommandLineIntegrationTests.run(["sync", "--provider", "retell"] + common)
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stdout.contains("retell") && sync.stdout.contains("ok"), "\(sync.stdout)")
        #expect(sync.stdout.split(separator: "\n").count == 2)
        #expect(try rig.router.request("PUT", "/v1/accounts/acme/numbers/+14155550101/agent", json: #"{"agent_id":"retell-agent"}"#).status == 200)
        let call = try APICommandLineIntegrationTests.run(["calls", "retell-agent", "+1 (213) 777-1234"] + common)
        #expect(call.status == 0, "\(call.stderr)")
        #expect(call.stdout.contains("from +14155550101") && call.stdout.contains("calls +12137771234"), "\(call.stdout)")
        #expect(rig.simulator.calls(provider: .retell).count == 1)
        let refused = try APICommandLineIntegrationTests.run(["calls", "vapi-agent", "+12137771234"] + common)
        #expect(refused.status == 1 && refused.stderr.contains("no_caller_id"), "\(refused.stderr)")
        let bad = try APICommandLineIntegrationTests.run(["calls", "retell-agent"] + common)
        #expect(bad.status == 64)
        // A failed sync says why and exits 0: the command did its job, the result is the report.
        try rig.simulator.injectFault(.status(500, jsonBody: true), on: .retellListPhoneNumbers)
        let failed = try APICommandLineIntegrationTests.run(["sync", "--provider", "retell"] + common)
        #expect(failed.stdout.contains("error") && failed.stdout.contains("500"), "\(failed.stdout)")
    }
}
