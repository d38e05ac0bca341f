import SwitchboardCrypto
import SwitchboardCore
import SwitchboardHTTP

extension ManagementAPI {
    func createAccount(_ body: [UInt8]) throws(APIError) -> APIResponse {
        let json = try JSONBody(body)
        try json.only(["id", "name"])
        let id = try json.identifier("id")
        let name = try json.string("name")
        // The token is shown once, here; only its hash is stored.
        let token = "sb_" + Crypto.randomHex(bytes: 24)
        let account = try directoryCall { try directory.createAccount(id: id, name: name, tokenSHA256: Crypto.sha256Hex(token.utf8)) }
        log.info("account_created", ["account": account.id.value, "name": account.name])
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("id", account.id.value)
        writer.member("name", account.name)
        writer.member("token", token)
        writer.endObject()
        return APIResponse(status: 201, json: writer.bytes)
    }

    /// Accounts sorted by id, after `cursor` (an account id), at most `limit` (SPEC §3 lists).
    /// The directory keeps accounts in creation order; tenants are few, so sorting a copy per
    /// listing costs less than keeping a sorted index in step.
    func listAccounts(_ query: Query) throws(APIError) -> APIResponse {
        let limit = try query.limit()
        let sorted = directory.accounts().sorted { $0.id < $1.id }
        var start = 0
        if let cursor = query.value("cursor") { start = sorted.firstIndex { $0.id.value > cursor } ?? sorted.count }
        let page = sorted[start..<min(sorted.count, start + limit)]
        var writer = JSONWriter(capacity: 64 + page.count * 64)
        writer.beginObject()
        writer.key("accounts")
        writer.beginArray()
        for account in page {
            writer.beginObject()
            writer.member("id", account.id.value)
            writer.member("name", account.name)
            writer.endObject()
        }
        writer.endArray()
        writer.member("next_cursor", page.endIndex < sorted.count ? page.last?.id.value : nil)
        writer.endObject()
        return APIResponse(status: 200, json: writer.bytes)
    }

    func putProvider(_ account: AccountID, _ provider: Provider, _ body: [UInt8]) throws(APIError) -> APIResponse {
        let json = try JSONBody(body)
        try json.only(["api_key", "webhook_secret", "base_url", "default_caller_id"])
        let connection = ProviderConnection(
            account: account, provider: provider, apiKey: try json.string("api_key"), webhookSecret: try json.optionalString("webhook_secret"),
            baseURL: try json.optionalString("base_url"), defaultCallerID: try json.number("default_caller_id")
        )
        let existed = directory.connection(account: account, provider: provider) != nil
        let stored = try directoryCall { try directory.putProvider(connection) }
        // Whether a secret is set, never the key or the secret (SPEC §1); nor the base URL, which
        // may carry credentials of its own.
        log.info(existed ? "provider_changed" : "provider_connected", [
            "account": account.value, "provider": provider.name, "webhook_secret": stored.webhookSecret == nil ? "none" : "set",
            "base_url": stored.baseURL == nil ? "default" : "custom", "default_caller_id": stored.defaultCallerID?.description,
        ])
        return APIResponse(status: existed ? 200 : 201, json: Shapes.connection(stored))
    }

    func numberFilter(_ query: Query) throws(APIError) -> NumberFilter {
        var filter = NumberFilter(provider: try query.provider())
        if let status = query.value("status") {
            guard let parsed = Status(name: status) else { throw APIError(400, "invalid_query", "status must be active or inactive") }
            filter.status = parsed
        }
        if let assigned = query.value("assigned") {
            guard assigned == "true" || assigned == "false" else { throw APIError(400, "invalid_query", "assigned must be true or false") }
            filter.assigned = assigned == "true"
        }
        return filter
    }

    func listNumbers(_ account: AccountID, _ query: Query, filter: NumberFilter) throws(APIError) -> APIResponse {
        var cursor: E164?
        if let text = query.value("cursor") {
            do { cursor = try E164(text) } catch { throw APIError(400, "invalid_query", "cursor: \(error.description)") }
        }
        let limit = try query.limit()
        let page = try directoryCall { try directory.numbers(account: account, filter: filter, after: cursor, limit: limit) }
        return APIResponse(status: 200, json: Shapes.numbers(page))
    }

    func putAgent(_ account: AccountID, _ id: AgentID, _ body: [UInt8]) throws(APIError) -> APIResponse {
        let json = try JSONBody(body)
        try json.only(["id", "name", "provider", "provider_agent_id", "status", "phone_number"])
        if json.has("id") {
            let bodyID = try json.string("id")
            guard bodyID == id.value else { throw APIError(400, "invalid_field", "field 'id' is '\(bodyID)' but the path names '\(id)': leave it out or make them agree") }
        }
        let spec = AgentSpec(
            account: account, id: id, name: try json.string("name"), provider: try json.provider("provider"),
            providerAgentID: try json.string("provider_agent_id"), status: try json.status("status", default: .active)
        )
        let phone: PhoneChange
        if !json.has("phone_number") {
            phone = .keep
        } else if json.isNull("phone_number") {
            phone = .unassign
        } else {
            phone = .assign(try json.number("phone_number")!)
        }
        let write = try directoryCall { try directory.putAgent(spec, phone: phone) }
        log.info(write.created ? "agent_created" : "agent_changed", [
            "account": account.value, "agent": id.value, "provider": spec.provider.name, "status": spec.status.name,
            "phone_number": write.agent.phoneNumber?.description, "previous_agent": write.previousAgentID?.value,
            "released_number": write.releasedNumber?.description,
        ])
        return APIResponse(status: write.created ? 201 : 200, json: Shapes.agent(write.agent))
    }

    func callerID(_ account: AccountID, agent: String, explicit: String?) throws(APIError) -> APIResponse {
        guard let slot = directory.index.accountSlot(account.value) else { throw APIError(DirectoryError(.unknownAccount, "account '\(account)' does not exist")) }
        var number: E164?
        if let explicit {
            do { number = try E164(explicit) } catch { throw APIError(400, "invalid_phone_number", "from: \(error.description)") }
        }
        switch directory.index.callerID(account: slot, agentID: agent, explicit: number) {
        case .chosen(let callerID, let source, let record):
            var writer = JSONWriter(capacity: 128)
            writer.beginObject()
            writer.member("agent_id", record.id.value)
            writer.member("caller_id", callerID.description)
            writer.member("source", source.description)
            writer.endObject()
            return APIResponse(status: 200, json: writer.bytes)
        case .refused(let reason):
            throw CallPlacer.error(reason, agent: agent, account: account, explicit: number)
        }
    }

    func listEvents(_ account: AccountID, _ query: Query) throws(APIError) -> APIResponse {
        guard let slot = directory.index.accountSlot(account.value) else { throw APIError(DirectoryError(.unknownAccount, "account '\(account)' does not exist")) }
        var before: EventLog.Cursor?
        if let text = query.value("cursor") {
            guard let cursor = EventLog.Cursor(text) else { throw APIError(400, "invalid_query", "cursor must be a next_cursor from an earlier answer") }
            before = cursor
        }
        let page = events.events(accountSlot: slot, limit: try query.limit(), before: before)
        return APIResponse(status: 200, json: Shapes.events(page.events, next: page.next?.text))
    }

    /// `POST …/sync` starts a sync (202, the statuses with `running`); `GET …/sync` the last results.
    func syncRoute(_ account: AccountID, method: String, query: Query) throws(APIError) -> APIResponse {
        guard let sync else { throw APIError(503, "sync_unavailable", "this router runs without provider integration: start it with `switchboard serve`") }
        guard method == "POST" else { return APIResponse(status: 200, json: Shapes.sync(sync.statuses(account: account))) }
        let provider = try query.provider()
        let connected = directory.connections(account: account).map(\.provider)
        if let provider, !connected.contains(provider) {
            throw APIError(404, "unknown_provider", "\(provider) is not connected to account '\(account)': PUT /v1/accounts/\(account)/providers/\(provider) first")
        }
        guard !connected.isEmpty else {
            throw APIError(422, "no_provider", "account '\(account)' has no provider connection to sync: connect one with PUT /v1/accounts/\(account)/providers/{provider}")
        }
        return APIResponse(status: 202, json: Shapes.sync(sync.trigger(account: account, provider: provider).statuses))
    }

    /// When a sync last listed the number, and how the connection's last sync went.
    func lastSyncCheck(_ account: AccountID, _ number: PhoneNumber) -> (name: StaticString, ok: Bool, detail: String) {
        var detail = number.lastSyncedAt.map { "listed by the sync at \($0.rfc3339)" } ?? "never seen by a sync"
        var ok = number.lastSyncedAt != nil
        if let status = sync?.status(account: account, provider: number.provider) {
            if status.running { detail += "; a sync is running now" }
            if status.ok == false {
                ok = false
                detail += "; the last sync of \(number.provider) failed at \(status.lastFinishedAt?.rfc3339 ?? "?"): \(status.error ?? "unknown error")"
            } else if status.ok == true, let finished = status.lastFinishedAt {
                detail += "; the last sync of \(number.provider) succeeded at \(finished.rfc3339)"
            }
        }
        return ("last_sync", ok, detail)
    }

    /// Whether the provider's own per-number agent setting matches ours (nil when never pushed).
    func pushCheck(_ account: AccountID, _ number: PhoneNumber) -> (name: StaticString, ok: Bool, detail: String)? {
        guard let status = push?.status(account: account, number: number.number) else { return nil }
        switch status.state {
        case .ok: return ("provider_push", true, "\(number.provider) has the number's agent setting")
        case .pending: return ("provider_push", true, "updating \(number.provider)'s agent setting for the number")
        case .notConnected: return ("provider_push", false, "\(number.provider) is not connected: its own agent setting for the number was not updated")
        case .failed:
            return ("provider_push", false, "updating \(number.provider) failed \(status.attempts) time(s), retrying with back-off: \(status.lastError ?? "unknown error")")
        }
    }

    func diagnosis(_ account: AccountID, _ number: E164) -> [UInt8] {
        var checks: [(name: StaticString, ok: Bool, detail: String)] = []
        let found = directory.number(account: account, number: number)
        checks.append(("number_known", found != nil, found != nil ? "\(number) is a \(found!.provider) number of '\(account)'" : "\(number) is not a number of '\(account)': sync its provider"))
        if let found {
            checks.append(("number_active", found.status == .active, found.status == .active ? "the provider lists it" : "the provider no longer lists it"))
            checks.append(("assigned", found.agentID != nil, found.agentID.map { "assigned to agent '\($0)'" } ?? "no agent: assign one"))
            if let agentID = found.agentID, let agent = directory.agent(account: account, id: agentID) {
                checks.append(("agent_active", agent.spec.status == .active, agent.spec.status == .active ? "agent '\(agentID)' is active" : "agent '\(agentID)' is inactive: calls are refused"))
            }
            let connected = directory.connection(account: account, provider: found.provider) != nil
            checks.append(("provider_connected", connected, connected ? "\(found.provider) is connected" : "\(found.provider) is not connected to '\(account)'"))
            checks.append(lastSyncCheck(account, found))
            if let pushCheck = pushCheck(account, found) { checks.append(pushCheck) }
        }
        let reaches = checks.prefix(4).count == 4 && checks.prefix(4).allSatisfy(\.ok)
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("number", number.description)
        writer.member("reaches_agent", reaches)
        writer.key("checks")
        writer.beginArray()
        for check in checks {
            writer.beginObject()
            writer.key("name")
            writer.string(check.name.description)
            writer.member("ok", check.ok)
            writer.member("detail", check.detail)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}

/// A request's query parameters, decoded once.
struct Query {
    let items: [HTTPRequestTarget.QueryItem]

    init(_ target: HTTPRequestTarget) throws(APIError) {
        do { items = try target.queryItems() } catch { throw APIError(400, "invalid_query", "the query string has a malformed %-escape") }
    }

    func value(_ name: String) -> String? { items.first { $0.name == name }?.value }

    func provider() throws(APIError) -> Provider? {
        guard let text = value("provider") else { return nil }
        guard let provider = Provider(name: text) else { throw APIError(400, "invalid_query", "provider must be \(Provider.accepted)") }
        return provider
    }

    func limit() throws(APIError) -> Int {
        guard let text = value("limit") else { return 100 }
        guard let limit = Int(text), (1...1000).contains(limit) else { throw APIError(400, "invalid_query", "limit must be a whole number from 1 to 1000") }
        return limit
    }
}
