import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardProviders
import Testing

@testable import SwitchboardServer

/// The router's structured log through a real run: one JSON object a line, a line per change,
/// none per read or webhook, and never a token, an API key or a webhook secret.
@Suite(.serialized) struct StructuredLogIntegrationTests {
    static let gammaKey = "key_GAMMA_recognisable_4c1d9f"
    static let gammaSecret = "whsec_GAMMA_recognisable_e7a2"

    /// The fields of the only `event` line, checked to be exactly one.
    static func only(_ capture: LogCapture, _ event: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
        let lines = capture.events(event)
        #expect(lines.count == 1, "\(event): \(lines.count) lines in\n\(capture.text)", sourceLocation: sourceLocation)
        return lines.first ?? [:]
    }

    @Test func log_changesThroughTheAPI_oneJSONLineEachAndNoSecrets() throws {
        let capture = LogCapture()
        let router = try IntegrationRouter(configure: { $0.log = capture.log })
        defer { router.stop() }
        let admin = try router.admin

        // Account creation (admin), then the new account's own token connects a provider, twice.
        let gamma = try admin.createAccount(id: "gamma", name: "Gamma Inc")
        let gammaClient = try router.client(token: gamma.token)
        _ = try gammaClient.putProvider(
            account: "gamma", provider: "retell",
            ProviderSettings(apiKey: Self.gammaKey, webhookSecret: Self.gammaSecret, baseURL: "http://127.0.0.1:9"))
        _ = try gammaClient.putProvider(
            account: "gamma", provider: "retell",
            ProviderSettings(apiKey: Self.gammaKey + "_v2", webhookSecret: nil, baseURL: nil, defaultCallerID: "+14155550999"))
        _ = try gammaClient.putAgent(account: "gamma", id: "g-agent", AgentSettings(name: "G", provider: "retell", providerAgentID: "agent_g"))
        try gammaClient.deleteProvider(account: "gamma", provider: "retell")

        // Assignments with acme's token: a fresh one, a move that takes a number from another agent
        // and releases the mover's own, an unassignment; then the agent editor and a deletion.
        let acme = try router.acme
        _ = try acme.assign(account: "acme", number: "+14155550101", agent: "sales")
        _ = try acme.assign(account: "acme", number: "+14155550100", agent: "sales")
        _ = try acme.unassign(account: "acme", number: "+14155550100")
        _ = try acme.putAgent(
            account: "acme", id: "front-desk",
            AgentSettings(name: "Front desk", provider: "retell", providerAgentID: "agent_fd", phone: .assign("+14155550101")))
        try acme.deleteAgent(account: "acme", id: "vapi-bot")

        router.stop(keepData: true)
        defer { try? FileManager.default.removeItem(atPath: router.data) }

        // Every chunk the sink got is one line, and every line one JSON object with at, level, event.
        for chunk in capture.chunkList {
            #expect(chunk.last == UInt8(ascii: "\n") && chunk.filter { $0 == UInt8(ascii: "\n") }.count == 1, "\(String(decoding: chunk, as: UTF8.self))")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(chunk)) as? [String: Any], "\(String(decoding: chunk, as: UTF8.self))")
            #expect(object["at"] is String && object["level"] is String && object["event"] is String)
        }
        #expect(capture.events.count == capture.chunkList.count)

        let created = Self.only(capture, "account_created")
        #expect(created["account"] as? String == "gamma" && created["name"] as? String == "Gamma Inc")
        let connected = Self.only(capture, "provider_connected")
        #expect(connected["account"] as? String == "gamma" && connected["provider"] as? String == "retell")
        #expect(connected["webhook_secret"] as? String == "set" && connected["base_url"] as? String == "custom")
        let changed = Self.only(capture, "provider_changed")
        #expect(changed["webhook_secret"] as? String == "none" && changed["default_caller_id"] as? String == "+14155550999")
        #expect(changed["base_url"] as? String == "default")
        let disconnected = Self.only(capture, "provider_disconnected")
        #expect(disconnected["account"] as? String == "gamma" && disconnected["provider"] as? String == "retell")
        let agentCreated = Self.only(capture, "agent_created")
        #expect(agentCreated["account"] as? String == "gamma" && agentCreated["agent"] as? String == "g-agent")
        #expect(agentCreated["phone_number"] is NSNull, "absent values are null")

        let assigned = capture.events("number_assigned")
        #expect(assigned.count == 2)
        if assigned.count == 2 {
            #expect(assigned[0]["number"] as? String == "+14155550101" && assigned[0]["agent"] as? String == "sales")
            #expect(assigned[0]["previous_agent"] is NSNull && assigned[0]["released_number"] is NSNull)
            #expect(assigned[1]["number"] as? String == "+14155550100" && assigned[1]["agent"] as? String == "sales")
            #expect(assigned[1]["previous_agent"] as? String == "front-desk" && assigned[1]["released_number"] as? String == "+14155550101")
            #expect(assigned[1]["account"] as? String == "acme")
        }
        let unassigned = Self.only(capture, "number_unassigned")
        #expect(unassigned["number"] as? String == "+14155550100" && unassigned["previous_agent"] as? String == "sales")
        let agentChanged = Self.only(capture, "agent_changed")
        #expect(agentChanged["agent"] as? String == "front-desk" && agentChanged["phone_number"] as? String == "+14155550101")
        let agentDeleted = Self.only(capture, "agent_deleted")
        #expect(agentDeleted["agent"] as? String == "vapi-bot" && agentDeleted["released_number"] is NSNull)

        // Lifecycle lines are there too, and the admin token's source without the token.
        for event in ["listening", "state_loaded", "admin_token", "ready", "stopping", "stopped"] {
            #expect(!capture.events(event).isEmpty, "\(event) missing from\n\(capture.text)")
        }

        // No secret anywhere: tokens (admin, account, the new account's), API keys and webhook
        // secrets (the seed's and the recognisable ones), not even their distinctive parts.
        let text = capture.text
        let secrets = [
            router.adminToken, IntegrationRouter.acmeToken, IntegrationRouter.betaToken, gamma.token, Self.gammaKey, Self.gammaSecret,
            "GAMMA_recognisable", "key_acme_secret_retell", "key_beta_secret_retell", "whsec_acme",
        ]
        for secret in secrets { #expect(!text.contains(secret), "'\(secret)' is in the log:\n\(text)") }
        #expect(!text.contains("sb_"), "no account token, whole or in part")
    }

    @Test func log_readsAndWebhooks_writeNoLines() throws {
        let capture = LogCapture()
        let router = try IntegrationRouter(configure: { $0.log = capture.log })
        defer { router.stop() }
        let before = capture.chunkList.count
        let acme = try router.acme
        for _ in 0..<3 {
            _ = try acme.numbers(account: "acme")
            _ = try acme.agents(account: "acme")
            _ = try acme.number(account: "acme", number: "+14155550100")
            _ = try acme.diagnosis(account: "acme", number: "+14155550100")
            _ = try acme.callerID(account: "acme", agent: "front-desk")
            _ = try acme.eventsPage(account: "acme")
            _ = try router.admin.accounts()
            _ = try acme.send("GET", "/metrics")
            _ = try acme.send("GET", "/v1/accounts/acme/nothing-here")
        }
        // Inbound calls, routed and refused, signed and not.
        let webhooks = try router.client(token: nil)
        for (to, signed) in [("+14155550100", true), ("+14155550101", true), ("+14155550100", false)] {
            let body = WebhookBodies.inboundCall(.retell, to: try E164(to), from: "+12137771234", callID: "c-\(to)")
            var headers = ["Content-Type": "application/json"]
            if signed {
                let millis = Int64(Date().timeIntervalSince1970 * 1000)
                for header in WebhookSigner.sign(.retell, body: body, key: "key_acme_secret_retell", unixMillis: millis) { headers[header.name] = header.value }
            }
            let answer = try webhooks.send("POST", "/webhooks/retell/acme", body: Data(body), headers: headers)
            #expect(answer.status == (signed ? 200 : 401), "\(answer.status) \(answer.text)")
        }
        #expect(try acme.eventsPage(account: "acme").events.count == 2, "the webhooks were routed and recorded, not logged")
        #expect(capture.chunkList.count == before, "reads and webhooks logged:\n\(capture.text)")
    }

    @Test func log_connectionCapRejections_atMostOneLineASecondWithCount() throws {
        let capture = LogCapture()
        let router = try IntegrationRouter(configure: { options in
            options.log = capture.log
            options.maxConnections = 2
        })
        defer { router.stop() }
        var held = [try RawConnection(port: router.port), try RawConnection(port: router.port)]
        // Both are held by the server before the next arrive (a request answered on each).
        for connection in held {
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(RawConnection.status(connection.readResponse()) == 200)
        }
        func burst(_ count: Int) throws {
            for _ in 0..<count {
                let answer = try RawConnection.exchange(port: router.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(RawConnection.status(answer) == 503 && answer.contains("over_capacity"), "\(answer)")
            }
        }
        try burst(3)
        #expect(capture.wait { !$0.filter { $0["event"] as? String == "connections_rejected" }.isEmpty }, "the first rejection is reported at once")
        // A second burst within the second after that line: folded into one more line, a second later.
        try burst(3)
        func reported() -> Int { capture.events("connections_rejected").reduce(0) { $0 + (Int($1["count"] as? String ?? "") ?? 0) } }
        #expect(capture.wait { _ in reported() == 6 }, "\(capture.text)")
        usleep(1_300_000)  // no further line may come
        let lines = capture.events("connections_rejected")
        #expect(lines.count == 2, "\(capture.text)")
        #expect(lines.last?["total"] as? String == "6" && lines.last?["max_connections"] as? String == "2")
        #expect(lines.allSatisfy { $0["level"] as? String == "warning" })
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if lines.count == 2, let first = lines[0]["at"] as? String, let second = lines[1]["at"] as? String,
            let a = formatter.date(from: first), let b = formatter.date(from: second)
        {
            #expect(b.timeIntervalSince(a) >= 0.9, "lines at least a second apart: \(first) \(second)")
        } else {
            Issue.record("unreadable times in \(lines)")
        }
        held.removeAll()
        // Once a slot is free, the 503s show in /metrics.
        var series: [String: Double] = [:]
        for _ in 0..<100 where series.isEmpty {
            if let scraped = try? HTTPLayerIntegrationTests.metrics(port: router.port), !scraped.isEmpty { series = scraped } else { usleep(20_000) }
        }
        #expect(series[HTTPLayerIntegrationTests.refused(503)] == 6)
    }
}
