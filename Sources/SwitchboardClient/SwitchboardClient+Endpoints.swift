import Foundation

/// The typed calls: one method per route of SPEC §3 that the router serves today. `account`,
/// numbers and ids are sent percent-encoded, so any form SPEC §1 accepts for a number works.
extension SwitchboardClient {
    // MARK: Health and accounts

    /// `GET /healthz`: whether the process answers at all (no token needed).
    public func isAlive() throws(ClientError) -> Bool {
        try send("GET", "/healthz").status == 200
    }

    /// `GET /readyz`: true once the state is loaded, false while the server says 503.
    public func isReady() throws(ClientError) -> Bool {
        let response = try send("GET", "/readyz")
        if response.status == 503 { return false }
        _ = try response.checked()
        return true
    }

    /// `POST /v1/accounts` (admin): the answer holds the account's token, shown once.
    public func createAccount(id: String, name: String) throws(ClientError) -> CreatedAccount {
        try send("POST", "/v1/accounts", body: JSONBodies.encode(["id": id, "name": name])).checked().decode(CreatedAccount.self)
    }

    /// One page of `GET /v1/accounts` (admin), sorted by id.
    public func accountsPage(limit: Int? = nil, cursor: String? = nil) throws(ClientError) -> AccountPage {
        try send("GET", "/v1/accounts", query: paging(limit, cursor)).checked().decode(AccountPage.self)
    }

    /// Every account (admin), sorted by id, following `next_cursor` to the end.
    public func accounts(pageSize: Int = 1000) throws(ClientError) -> [AccountRecord] {
        try allPages { cursor throws(ClientError) in
            let page = try accountsPage(limit: pageSize, cursor: cursor)
            return (page.accounts, page.nextCursor)
        }
    }

    // MARK: Provider connections

    public func putProvider(account: String, provider: String, _ settings: ProviderSettings) throws(ClientError) -> ProviderConnectionRecord {
        try send("PUT", providerPath(account, provider), body: settings.json).checked().decode(ProviderConnectionRecord.self)
    }

    public func provider(account: String, provider: String) throws(ClientError) -> ProviderConnectionRecord {
        try send("GET", providerPath(account, provider)).checked().decode(ProviderConnectionRecord.self)
    }

    public func deleteProvider(account: String, provider: String) throws(ClientError) {
        _ = try send("DELETE", providerPath(account, provider)).checked()
    }

    // MARK: Numbers

    /// One page of the Phone Numbers list, sorted by number.
    public func numbersPage(account: String, filter: NumberFilter = NumberFilter(), limit: Int? = nil, cursor: String? = nil) throws(ClientError) -> NumberPage {
        try send("GET", accountPath(account) + "/numbers", query: filter.queryItems + paging(limit, cursor)).checked().decode(NumberPage.self)
    }

    /// Every number that matches, following `next_cursor` to the end.
    public func numbers(account: String, filter: NumberFilter = NumberFilter(), pageSize: Int = 1000) throws(ClientError) -> [NumberRecord] {
        try allPages { cursor throws(ClientError) in
            let page = try numbersPage(account: account, filter: filter, limit: pageSize, cursor: cursor)
            return (page.numbers, page.nextCursor)
        }
    }

    /// One page of the available numbers (active, unassigned), optionally of one provider.
    public func availableNumbersPage(account: String, provider: String? = nil, limit: Int? = nil, cursor: String? = nil) throws(ClientError) -> NumberPage {
        let filter = provider.map { [(name: "provider", value: $0)] } ?? []
        return try send("GET", accountPath(account) + "/numbers/available", query: filter + paging(limit, cursor)).checked().decode(NumberPage.self)
    }

    /// Every available number, following `next_cursor` to the end.
    public func availableNumbers(account: String, provider: String? = nil, pageSize: Int = 1000) throws(ClientError) -> [NumberRecord] {
        try allPages { cursor throws(ClientError) in
            let page = try availableNumbersPage(account: account, provider: provider, limit: pageSize, cursor: cursor)
            return (page.numbers, page.nextCursor)
        }
    }

    public func number(account: String, number: String) throws(ClientError) -> NumberRecord {
        try send("GET", numberPath(account, number)).checked().decode(NumberRecord.self)
    }

    /// `PUT …/numbers/{number}/agent`: moves the number to `agent` in one atomic step.
    public func assign(account: String, number: String, agent: String) throws(ClientError) -> AssignResult {
        try send("PUT", numberPath(account, number) + "/agent", body: JSONBodies.encode(["agent_id": agent])).checked().decode(AssignResult.self)
    }

    /// `DELETE …/numbers/{number}/agent`: the number returns to the pool.
    public func unassign(account: String, number: String) throws(ClientError) -> UnassignResult {
        try send("DELETE", numberPath(account, number) + "/agent").checked().decode(UnassignResult.self)
    }

    public func diagnosis(account: String, number: String) throws(ClientError) -> Diagnosis {
        try send("GET", numberPath(account, number) + "/diagnosis").checked().decode(Diagnosis.self)
    }

    // MARK: Agents

    public func agentsPage(account: String, limit: Int? = nil, cursor: String? = nil) throws(ClientError) -> AgentPage {
        try send("GET", accountPath(account) + "/agents", query: paging(limit, cursor)).checked().decode(AgentPage.self)
    }

    /// Every agent of the account, following `next_cursor` to the end.
    public func agents(account: String, pageSize: Int = 1000) throws(ClientError) -> [AgentRecord] {
        try allPages { cursor throws(ClientError) in
            let page = try agentsPage(account: account, limit: pageSize, cursor: cursor)
            return (page.agents, page.nextCursor)
        }
    }

    public func agent(account: String, id: String) throws(ClientError) -> AgentRecord {
        try send("GET", agentPath(account, id)).checked().decode(AgentRecord.self)
    }

    /// Creates or replaces the agent; `created` is true when it did not exist before (201).
    public func putAgent(account: String, id: String, _ settings: AgentSettings) throws(ClientError) -> (agent: AgentRecord, created: Bool) {
        let response = try send("PUT", agentPath(account, id), body: settings.json).checked()
        return (try response.decode(AgentRecord.self), response.status == 201)
    }

    public func deleteAgent(account: String, id: String) throws(ClientError) {
        _ = try send("DELETE", agentPath(account, id)).checked()
    }

    /// The caller ID an outbound call by `agent` would use now; `from` asks for a given number.
    public func callerID(account: String, agent: String, from: String? = nil) throws(ClientError) -> CallerIDAnswer {
        try send("GET", agentPath(account, agent) + "/caller-id", query: from.map { [(name: "from", value: $0)] } ?? []).checked()
            .decode(CallerIDAnswer.self)
    }

    // MARK: Events

    public func eventsPage(account: String, limit: Int? = nil, cursor: String? = nil) throws(ClientError) -> EventPage {
        try send("GET", accountPath(account) + "/events", query: paging(limit, cursor)).checked().decode(EventPage.self)
    }

    // MARK: Paths and paging

    public static func accountPath(_ account: String) -> String { "/v1/accounts/" + segment(account) }

    func accountPath(_ account: String) -> String { Self.accountPath(account) }
    func providerPath(_ account: String, _ provider: String) -> String { accountPath(account) + "/providers/" + Self.segment(provider) }
    func numberPath(_ account: String, _ number: String) -> String { accountPath(account) + "/numbers/" + Self.segment(number) }
    func agentPath(_ account: String, _ id: String) -> String { accountPath(account) + "/agents/" + Self.segment(id) }

    func paging(_ limit: Int?, _ cursor: String?) -> [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        if let limit { items.append(("limit", String(limit))) }
        if let cursor { items.append(("cursor", cursor)) }
        return items
    }

    /// Follows `next_cursor` until it is null. A server that repeats a cursor would loop forever;
    /// that is refused as an invalid answer instead.
    func allPages<Item>(_ fetch: (String?) throws(ClientError) -> ([Item], String?)) throws(ClientError) -> [Item] {
        var items: [Item] = []
        var cursor: String?
        var seen: Set<String> = []
        repeat {
            let (page, next) = try fetch(cursor)
            items += page
            if let next {
                guard seen.insert(next).inserted, !page.isEmpty else {
                    throw .invalidAnswer(status: 200, reason: "next_cursor '\(next)' does not advance")
                }
            }
            cursor = next
        } while cursor != nil
        return items
    }
}
