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

        init(numbers: [Provider: [UInt64]] = [.retell: [14155550101, 14155550102, 14155550103], .vapi: [14155550201], .bland: [14155550301]],
             defaultCallerID: String? = nil) throws {
            try simulator.start()
            for provider in Provider.allCases {
                let key = ProviderIntegrationTests.keys[provider]!
                try simulator.createAccount(provider, apiKey: key, webhookSecret: "whsec_\(provider.name)")
                try simulator.addNumbers((numbers[provider] ?? []).map { SimulatedNumber(E164(key: $0)!) }, provider: provider, apiKey: key)
            }
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
            }, configure: { $0.providerTimeout = .seconds(1) })
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
        #expect(error.contains("nothing was changed"))
        #expect(!error.contains(ProviderIntegrationTests.keys[.retell]!))
        #expect(try rig.router.request("GET", "/v1/accounts/acme/numbers?limit=1000").text == before)
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
        #expect(try eventually { rig.simulator.numberChanges(provider: .bland).contains { $0.operation == .blandAttach } })
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
