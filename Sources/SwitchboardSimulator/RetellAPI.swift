import SwitchboardCore
import SwitchboardCrypto

/// Retell's number and call APIs (providers.md, Retell AI).
///
/// Our choices where Retell's docs are silent, in one place:
/// - `pagination_key` is the last number of the page (opaque to clients); the next page starts
///   after it in E.164 string order, so a number removed between pages does not break paging.
/// - `limit` is 1 to 1000, default 1000.
/// - Agent ids are not checked against agents (the simulator keeps none): any non-empty string.
/// - Unknown body fields are refused (400), so a misspelt field cannot be silently ignored.
enum RetellAPI {
    static func handle(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        switch request.endpoint {
        case .retellListPhoneNumbers: return try list(request, state: state)
        case .retellListPhoneNumbersLegacy: return try listLegacy(request, state: state)
        case .retellUpdatePhoneNumber: return try update(request, state: state)
        case .retellCreatePhoneCall: return try createCall(request, state: state)
        default: preconditionFailure("\(request.endpoint) is not a Retell endpoint")
        }
    }

    /// `GET /v2/list-phone-numbers?limit=N[&pagination_key=K]`.
    static func list(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        let parameters = try request.queryParameters(accepted: ["limit", "pagination_key"])
        let limit = try request.limit(parameters, range: 1...1000, defaultValue: 1000)
        var after: E164?
        if let key = parameters["pagination_key"] {
            guard let number = try? E164(key), number.isWritten(as: key) else {
                throw APIFailure(400, "pagination_key \"\(key)\" was not given out by this API: pass back the pagination_key of the previous page")
            }
            after = number
        }
        let repeatCursor = request.listingFault == .repeatedCursor && after != nil
        let (page, more) = try state.reading(request) { book in
            let sorted = book.sortedByNumber()
            let pageRange: Range<Int>
            if let after, repeatCursor {
                // The page that ended at the cursor, served again with the same cursor.
                let end = sorted.partitioningIndex { !($0 < after || $0 == after) }
                pageRange = max(0, end - limit)..<end
            } else {
                let start = after.map { after in sorted.partitioningIndex { after < $0 } } ?? 0
                pageRange = start..<min(sorted.count, start + limit)
            }
            let more = repeatCursor || pageRange.upperBound < sorted.count
            return (sorted[pageRange].compactMap { book.numbers[$0] }, more)
        }
        var items = page.map { $0.rendered(for: .retell) }
        if request.listingFault == .nonE164Numbers { items.insert(contentsOf: BogusNumbers.entries(for: .retell), at: 0) }
        let key: SimulatorJSON? = more ? page.last.map { .string($0.number.description) } : nil
        return APIAnswer(status: 200, body: .fields(["items": .array(items), "pagination_key": key]))
    }

    /// `GET /list-phone-numbers`: every number, a bare array.
    static func listLegacy(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        _ = try request.queryParameters(accepted: [])
        let numbers = try state.reading(request) { book in book.sortedByNumber().compactMap { book.numbers[$0] } }
        var items = numbers.map { $0.rendered(for: .retell) }
        if request.listingFault == .nonE164Numbers { items.insert(contentsOf: BogusNumbers.entries(for: .retell), at: 0) }
        return APIAnswer(status: 200, body: .array(items))
    }

    /// `PATCH /update-phone-number/{number}` `{"inbound_agent_id"?, "outbound_agent_id"?, "nickname"?}`.
    static func update(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        let target = try Field.e164(request.variable ?? "", "the phone number in the path (URL-encoded, e.g. %2B14155550123)")
        let body = try request.jsonObject(accepted: ["inbound_agent_id", "outbound_agent_id", "nickname"])
        let inbound = try Field.setting(body, "inbound_agent_id")
        let outbound = try Field.setting(body, "outbound_agent_id")
        let nickname = try Field.setting(body, "nickname")
        guard inbound != .absent || outbound != .absent || nickname != .absent else {
            throw APIFailure(400, "nothing to update: send inbound_agent_id, outbound_agent_id or nickname")
        }
        let updated = try state.changing(request) { (book, store) throws(APIFailure) in
            guard var number = book.numbers[target] else {
                throw APIFailure(404, "phone number \(target) not found in this account")
            }
            inbound.apply(to: &number.agentID)
            outbound.apply(to: &number.outboundAgentID)
            nickname.apply(to: &number.name)
            number.updatedAtMillis = store.nextMillis()
            book.update(number)
            store.changes.append(
                NumberChange(
                    sequence: request.sequence, provider: .retell, apiKey: request.account.apiKey, operation: .retellUpdate,
                    numbers: [target], agentID: number.agentID, body: request.http.body))
            return number
        }
        return APIAnswer(status: 200, body: updated.rendered(for: .retell))
    }

    /// `POST /v2/create-phone-call` → 201 `{"call_id", "call_status":"registered", …}`.
    static func createCall(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        let body = try request.jsonObject(accepted: [
            "from_number", "to_number", "override_agent_id", "override_agent_version", "metadata",
            "retell_llm_dynamic_variables",
        ])
        let from = try Field.number(body, "from_number")
        let to = try Field.number(body, "to_number")
        let override = try Field.optionalString(body, "override_agent_id")
        if let version = body["override_agent_version"], !version.isNull, version.integerValue == nil {
            throw APIFailure(400, "override_agent_version must be a whole number")
        }
        let metadata = try Field.optionalObject(body, "metadata")
        let variables = try Field.optionalObject(body, "retell_llm_dynamic_variables")
        for member in variables?.members ?? [] where member.value.stringValue == nil {
            throw APIFailure(400, "retell_llm_dynamic_variables.\(member.key) must be a string, not \(member.value.typeName)")
        }
        let callID = "call_" + Crypto.randomHex(bytes: 14)
        let agent = try state.changing(request) { (book, store) throws(APIFailure) in
            guard let number = book.numbers[from] else {
                throw APIFailure(404, "from_number \(from) is not a phone number of this account: buy or import it first")
            }
            guard let agent = override ?? number.outboundAgentID else {
                throw APIFailure(400, "no agent for this call: pass override_agent_id, or set the outbound_agent_id of \(from)")
            }
            store.calls.append(
                SimulatedCall(
                    sequence: request.sequence, provider: .retell, apiKey: request.account.apiKey, callID: callID, to: to,
                    from: from, phoneNumberID: nil, agentID: agent, body: request.http.body))
            return agent
        }
        return APIAnswer(
            status: 201,
            body: .fields([
                "call_type": .string("phone_call"), "from_number": .string(from.description),
                "to_number": .string(to.description), "direction": .string("outbound"), "call_id": .string(callID),
                "agent_id": .string(agent), "call_status": .string("registered"), "metadata": metadata,
                "retell_llm_dynamic_variables": variables,
            ]))
    }
}
