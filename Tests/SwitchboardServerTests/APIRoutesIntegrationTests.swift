import Foundation
import SwitchboardClient
import Testing

/// Every route of SPEC §3 that the router serves today, through SwitchboardClient (URLSession)
/// against the real server, and curl where the raw answer matters.
@Suite(.serialized) struct APIRoutesIntegrationTests {
    @Test func accounts_createAndList_tokenShownOnceAndWorks() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let created = try router.admin.createAccount(id: "gamma", name: "Gamma Inc")
        #expect(created.id == "gamma" && created.name == "Gamma Inc" && created.token.hasPrefix("sb_"))
        #expect(try router.admin.accounts().map(\.id) == ["acme", "beta", "gamma"])
        // The token acts on its own account at once, and is never shown again.
        let gamma = try router.client(token: created.token)
        #expect(try gamma.agents(account: "gamma").isEmpty)
        #expect(try router.admin.send("GET", "/v1/accounts").text.contains(created.token) == false)
        #expect(try router.export().contains(created.token) == false, "only the hash is stored")
    }

    @Test func accounts_createdOutOfOrder_listedSortedByIDAndPaged() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let admin = try router.admin
        for id in ["zeta", "alpha", "mid-1", "Caps", "0first"] { _ = try admin.createAccount(id: id, name: id.uppercased()) }
        let sorted = ["0first", "Caps", "acme", "alpha", "beta", "mid-1", "zeta"]  // by id, byte order
        #expect(try admin.accounts().map(\.id) == sorted)

        // Pages of two: each page continues after the cursor, the last has a null next_cursor.
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try admin.accountsPage(limit: 2, cursor: cursor)
            #expect(page.accounts.count == (seen.count + 2 <= sorted.count ? 2 : sorted.count - seen.count))
            seen += page.accounts.map(\.id)
            #expect(page.nextCursor == (seen.count < sorted.count ? seen.last : nil))
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == sorted && pages == 4)
        #expect(try admin.accounts(pageSize: 3).map(\.id) == sorted, "the client merges the pages")
        #expect(try admin.accountsPage(limit: 7).nextCursor == nil, "a page that reaches the end says so")

        // The raw answer has next_cursor null at the end, not missing; a cursor between ids works.
        let raw = try admin.send("GET", "/v1/accounts", query: [("cursor", "b"), ("limit", "1")])
        #expect(raw.text == #"{"accounts":[{"id":"beta","name":"Beta"}],"next_cursor":"beta"}"#)
        let end = try admin.send("GET", "/v1/accounts", query: [("cursor", "zeta")])
        #expect(end.text == #"{"accounts":[],"next_cursor":null}"#)
        for bad in ["0", "1001", "x"] {
            try router.expectRefusal(400, "invalid_query") { _ = try admin.accountsPage(limit: Int(bad) ?? -1) }
        }
        let badText = try admin.send("GET", "/v1/accounts", query: [("limit", "x")])
        #expect(badText.status == 400 && badText.apiError.code == "invalid_query")
    }

    @Test func provider_putGetDelete_keyNeverEchoed() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        let settings = ProviderSettings(apiKey: "vapi_key_0123456789", webhookSecret: "vapi_whsec", baseURL: "http://127.0.0.1:9", defaultCallerID: "1 (415) 555-0102")
        let created = try acme.send("PUT", "/v1/accounts/acme/providers/vapi", body: Data(#"{"api_key":"vapi_key_0123456789","webhook_secret":"vapi_whsec","base_url":"http://127.0.0.1:9","default_caller_id":"1 (415) 555-0102"}"#.utf8))
        #expect(created.status == 201)
        let replaced = try acme.putProvider(account: "acme", provider: "vapi", settings)
        #expect(replaced.defaultCallerID == "+14155550102", "the default caller ID is normalised")
        #expect(replaced.baseURL == "http://127.0.0.1:9")
        let fetched = try acme.provider(account: "acme", provider: "vapi")
        #expect(fetched == replaced)
        for shown in [created.text, try acme.send("GET", "/v1/accounts/acme/providers/vapi").text] {
            #expect(!shown.contains("vapi_key_0123456789") && !shown.contains("vapi_whsec"), "secrets are masked: \(shown)")
        }
        #expect(fetched.apiKey != "vapi_key_0123456789" && fetched.webhookSecret != "vapi_whsec")
        try acme.deleteProvider(account: "acme", provider: "vapi")
        try router.expectRefusal(404, "unknown_provider") { _ = try acme.provider(account: "acme", provider: "vapi") }
    }

    @Test func numbers_filtersAndPaging_followCursorToTheEnd() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        let all = try acme.numbers(account: "acme")
        #expect(all.map(\.number) == ["+14155550100", "+14155550101", "+14155550102", "+14155550103", "+14155550104"])
        let first = all[0]
        #expect(first.provider == "retell" && first.providerNumberID == "pn_100" && first.status == "active")
        #expect(first.agentID == "front-desk" && first.agentName == "Front desk" && first.lastSyncedAt == "2026-11-25T10:00:00Z")
        // One per page: the same list, in order, through next_cursor.
        #expect(try acme.numbers(account: "acme", pageSize: 1) == all)
        let page = try acme.numbersPage(account: "acme", limit: 2)
        #expect(page.numbers.count == 2 && page.nextCursor != nil)
        #expect(try acme.numbersPage(account: "acme", limit: 10).nextCursor == nil)

        #expect(try acme.numbers(account: "acme", filter: NumberFilter(provider: "vapi")).map(\.number) == ["+14155550102"])
        #expect(try acme.numbers(account: "acme", filter: NumberFilter(status: "inactive")).map(\.number) == ["+14155550103"])
        #expect(try acme.numbers(account: "acme", filter: NumberFilter(assigned: true)).map(\.number) == ["+14155550100", "+14155550104"])
        #expect(try acme.numbers(account: "acme", filter: NumberFilter(provider: "retell", status: "active", assigned: false)).map(\.number) == ["+14155550101"])
    }

    @Test func availableNumbers_activeAndUnassigned_filterByProvider() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        #expect(try acme.availableNumbers(account: "acme").map(\.number) == ["+14155550101", "+14155550102"])
        #expect(try acme.availableNumbers(account: "acme", provider: "retell").map(\.number) == ["+14155550101"])
        #expect(try acme.availableNumbers(account: "acme", provider: "bland").isEmpty)
        #expect(try acme.availableNumbers(account: "acme", pageSize: 1).map(\.number) == ["+14155550101", "+14155550102"])
    }

    @Test func number_anyAcceptedForm_findsTheSameNumber() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        for form in ["+14155550101", "14155550101", "+1 (415) 555-0101", "+1.415.555.0101", "%2B14155550101"] {
            #expect(try acme.number(account: "acme", number: form).number == "+14155550101", "\(form)")
        }
        // curl with the + encoded by hand, and raw (a + in a path is not a space).
        let auth = "Authorization: Bearer \(IntegrationRouter.acmeToken)"
        for path in ["/v1/accounts/acme/numbers/%2B14155550101", "/v1/accounts/acme/numbers/+14155550101"] {
            let answer = try router.curl(["-H", auth, router.server + path])
            #expect(answer.status == 200 && answer.body.contains(#""number":"+14155550101""#))
            #expect(answer.headers["content-type"] == "application/json")
        }
    }

    @Test func assign_moveAndRelease_saysWhoLostWhat() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        // sales has no number; +14155550101 is free.
        let fromPool = try acme.assign(account: "acme", number: "14155550101", agent: "sales")
        #expect(fromPool.number.agentID == "sales" && fromPool.number.agentName == "Sales")
        #expect(fromPool.previousAgentID == nil && fromPool.releasedNumber == nil)
        // front-desk's number moves to sales: front-desk loses it, sales' +14155550101 returns to the pool.
        let moved = try acme.assign(account: "acme", number: "+14155550100", agent: "sales")
        #expect(moved.number.number == "+14155550100" && moved.number.agentID == "sales")
        #expect(moved.previousAgentID == "front-desk" && moved.releasedNumber == "+14155550101")
        #expect(try acme.agent(account: "acme", id: "front-desk").phoneNumber == nil)
        #expect(try acme.agent(account: "acme", id: "sales").phoneNumber == "+14155550100")
        #expect(try acme.availableNumbers(account: "acme", provider: "retell").map(\.number) == ["+14155550101"])
        #expect(try acme.callerID(account: "acme", agent: "sales").callerID == "+14155550100")
        // The same assignment again changes nothing and says so.
        let before = try router.export()
        let again = try acme.assign(account: "acme", number: "+14155550100", agent: "sales")
        #expect(again.previousAgentID == nil && again.releasedNumber == nil)
        #expect(try router.export() == before)
    }

    @Test func unassign_returnsTheNumberToThePool() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        let result = try acme.unassign(account: "acme", number: "+14155550100")
        #expect(result.previousAgentID == "front-desk" && result.number.agentID == nil && result.number.agentName == nil)
        #expect(try acme.availableNumbers(account: "acme", provider: "retell").map(\.number) == ["+14155550100", "+14155550101"])
        #expect(try acme.agent(account: "acme", id: "front-desk").phoneNumber == nil)
        let twice = try acme.unassign(account: "acme", number: "+14155550100")
        #expect(twice.previousAgentID == nil)
    }

    @Test func diagnosis_eachCheckWithOkAndDetail() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        let good = try acme.diagnosis(account: "acme", number: "+14155550100")
        #expect(good.reachesAgent)
        #expect(good.checks.map(\.name) == ["number_known", "number_active", "assigned", "agent_active", "provider_connected", "last_sync"])
        #expect(good.checks.allSatisfy { $0.ok })
        let inactiveAgent = try acme.diagnosis(account: "acme", number: "+14155550104")
        #expect(!inactiveAgent.reachesAgent)
        #expect(inactiveAgent.checks.first { $0.name == "agent_active" }?.ok == false)
        let free = try acme.diagnosis(account: "acme", number: "+14155550101")
        #expect(!free.reachesAgent && free.checks.first { $0.name == "assigned" }?.ok == false)
        let vapi = try acme.diagnosis(account: "acme", number: "+14155550102")
        #expect(vapi.checks.first { $0.name == "provider_connected" }?.ok == false, "acme has no vapi connection")
        let unknown = try acme.diagnosis(account: "acme", number: "+19995550000")
        #expect(!unknown.reachesAgent && unknown.checks.map(\.name) == ["number_known"] && !unknown.checks[0].ok)
    }

    @Test func agents_listGetPutDelete_phoneNumberAssignsUnassignsOrKeeps() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        #expect(try acme.agents(account: "acme").map(\.id) == ["front-desk", "sales", "sleepy", "vapi-bot"])
        #expect(try acme.agents(account: "acme", pageSize: 1).map(\.id) == ["front-desk", "sales", "sleepy", "vapi-bot"])
        let frontDesk = try acme.agent(account: "acme", id: "front-desk")
        #expect(frontDesk.name == "Front desk" && frontDesk.provider == "retell" && frontDesk.providerAgentID == "agent_fd")
        #expect(frontDesk.status == "active" && frontDesk.phoneNumber == "+14155550100")

        let created = try acme.putAgent(account: "acme", id: "night", AgentSettings(name: "Night line", provider: "retell", providerAgentID: "agent_n", phone: .assign("+1 415 555 0101")))
        #expect(created.created && created.agent.phoneNumber == "+14155550101")
        // Absent phone_number keeps it; the rename is an update (200).
        let renamed = try acme.putAgent(account: "acme", id: "night", AgentSettings(name: "Night", provider: "retell", providerAgentID: "agent_n", status: "inactive"))
        #expect(!renamed.created && renamed.agent.name == "Night" && renamed.agent.status == "inactive" && renamed.agent.phoneNumber == "+14155550101")
        let cleared = try acme.putAgent(account: "acme", id: "night", AgentSettings(name: "Night", provider: "retell", providerAgentID: "agent_n", phone: .unassign))
        #expect(cleared.agent.phoneNumber == nil && cleared.agent.status == "active")
        #expect(try acme.number(account: "acme", number: "+14155550101").agentID == nil)

        // Deleting an agent returns its number to the pool.
        _ = try acme.putAgent(account: "acme", id: "night", AgentSettings(name: "Night", provider: "retell", providerAgentID: "agent_n", phone: .assign("+14155550101")))
        let deleted = try acme.send("DELETE", "/v1/accounts/acme/agents/night")
        #expect(deleted.status == 204 && deleted.body.isEmpty)
        try router.expectRefusal(404, "unknown_agent") { _ = try acme.agent(account: "acme", id: "night") }
        #expect(try acme.number(account: "acme", number: "+14155550101").agentID == nil)
    }

    @Test func callerID_explicitAssignedDefaultAndNone() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let acme = try router.acme
        let assigned = try acme.callerID(account: "acme", agent: "front-desk")
        #expect(assigned.agentID == "front-desk" && assigned.callerID == "+14155550100" && assigned.source == "assigned")
        let explicit = try acme.callerID(account: "acme", agent: "front-desk", from: "+1 (415) 555-0101")
        #expect(explicit.callerID == "+14155550101" && explicit.source == "explicit")
        try router.expectRefusal(422, "no_caller_id") { _ = try acme.callerID(account: "acme", agent: "sales") }
        // beta's retell connection has a default caller ID.
        let beta = try router.beta
        _ = try beta.putAgent(account: "beta", id: "spare", AgentSettings(name: "Spare", provider: "retell", providerAgentID: "agent_s"))
        let fallback = try beta.callerID(account: "beta", agent: "spare")
        #expect(fallback.callerID == "+14155550201" && fallback.source == "default")
    }

    @Test func events_listNewestFirst_emptyToStart() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        let page = try router.acme.eventsPage(account: "acme", limit: 10)
        #expect(page.events.isEmpty && page.nextCursor == nil)
        #expect(try router.acme.send("GET", "/v1/accounts/acme/events").text == #"{"events":[],"next_cursor":null}"#)
    }

    @Test func metrics_countRequestsByRouteAndStatus() throws {
        let router = try IntegrationRouter()
        defer { router.stop() }
        _ = try router.acme.agents(account: "acme")
        _ = try? router.acme.agent(account: "acme", id: "nobody")
        let text = try router.curl([router.server + "/metrics"])
        #expect(text.status == 200)
        #expect(text.body.contains(#"route="/v1/accounts/{a}/agents""#))
        #expect(text.body.contains(#"status="404""#))
    }
}
