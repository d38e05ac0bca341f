import Foundation
import SwitchboardCore

/// Vapi's phone-number and call APIs (providers.md, Vapi).
///
/// Our choices where Vapi's docs are silent, in one place:
/// - Listings are oldest first by `createdAt` (what `createdAtGt` paging needs); `limit` is 1 to
///   1000, default 100. The filters `createdAtGt/Ge/Lt/Le` and `updatedAtGt/Ge/Lt/Le` take
///   RFC 3339 times.
/// - Unknown query parameters and body properties are refused with 400 ("property X should not
///   exist"), as Vapi's validation does.
/// - A call needs `assistantId`, or the number's own assistant.
enum VapiAPI {
    static func handle(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        switch request.endpoint {
        case .vapiListPhoneNumbers: return try list(request, state: state)
        case .vapiUpdatePhoneNumber: return try update(request, state: state)
        case .vapiCreateCall: return try createCall(request, state: state)
        default: preconditionFailure("\(request.endpoint) is not a Vapi endpoint")
        }
    }

    static let timeFilters = [
        "createdAtGt", "createdAtGe", "createdAtLt", "createdAtLe", "updatedAtGt", "updatedAtGe", "updatedAtLt", "updatedAtLe",
    ]

    /// `GET /phone-number?limit=N[&createdAtGt=ISO…]` → a bare array, oldest first.
    static func list(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        let parameters = try request.queryParameters(accepted: ["limit"] + timeFilters)
        let limit = try request.limit(parameters, range: 1...1000, defaultValue: 100)
        var bounds: [String: Int64] = [:]
        for name in timeFilters {
            guard let text = parameters[name] else { continue }
            guard let millis = ISOTime.parse(text) else {
                throw APIFailure(400, "\(name) must be an ISO 8601 date-time, e.g. 2024-11-25T10:00:00.000Z; got \(text)")
            }
            bounds[name] = millis
        }
        let repeatCursor = request.listingFault == .repeatedCursor && bounds["createdAtGt"] != nil
        let page = try state.reading(request) { book -> [SimulatedNumber] in
            let sorted = book.sortedByCreation()
            func created(_ index: Int) -> Int64 { book.numbers[sorted[index]]?.createdAtMillis ?? 0 }
            func firstIndex(where isAfter: (Int64) -> Bool) -> Int {
                partitionPoint(count: sorted.count) { isAfter(created($0)) }
            }
            if repeatCursor, let cursor = bounds["createdAtGt"] {
                // The page that ended at the cursor, served again: the client's next cursor is
                // the same as the one it just sent.
                let end = firstIndex { $0 > cursor }
                return sorted[max(0, end - limit)..<end].compactMap { book.numbers[$0] }
            }
            var start = 0
            var end = sorted.count
            if let gt = bounds["createdAtGt"] { start = max(start, firstIndex { $0 > gt }) }
            if let ge = bounds["createdAtGe"] { start = max(start, firstIndex { $0 >= ge }) }
            if let lt = bounds["createdAtLt"] { end = min(end, firstIndex { $0 >= lt }) }
            if let le = bounds["createdAtLe"] { end = min(end, firstIndex { $0 > le }) }
            var page: [SimulatedNumber] = []
            var index = start
            while index < end, page.count < limit {
                if let number = book.numbers[sorted[index]], matchesUpdated(number.updatedAtMillis, bounds) {
                    page.append(number)
                }
                index += 1
            }
            return page
        }
        var items = page.map { $0.rendered(for: .vapi) }
        if request.listingFault == .nonE164Numbers { items.insert(contentsOf: BogusNumbers.entries(for: .vapi), at: 0) }
        return APIAnswer(status: 200, body: .array(items))
    }

    private static func matchesUpdated(_ millis: Int64, _ bounds: [String: Int64]) -> Bool {
        if let gt = bounds["updatedAtGt"], !(millis > gt) { return false }
        if let ge = bounds["updatedAtGe"], !(millis >= ge) { return false }
        if let lt = bounds["updatedAtLt"], !(millis < lt) { return false }
        if let le = bounds["updatedAtLe"], !(millis <= le) { return false }
        return true
    }

    /// `PATCH /phone-number/{id}` `{"assistantId": x | null, "name"?: …}`.
    static func update(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        let id = request.variable ?? ""
        let body = try request.jsonObject(accepted: ["assistantId", "name"])
        let assistant = try Field.setting(body, "assistantId")
        let name = try Field.setting(body, "name")
        guard assistant != .absent || name != .absent else {
            throw APIFailure(400, "nothing to update: send assistantId (a string, or null to clear it) or name")
        }
        let updated = try state.changing(request) { (book, store) throws(APIFailure) in
            guard var number = book.number(withID: id) else {
                throw APIFailure(404, "Phone Number not found: no phone number with id \(id) in this account")
            }
            assistant.apply(to: &number.agentID)
            name.apply(to: &number.name)
            number.updatedAtMillis = store.nextMillis()
            book.update(number)
            store.changes.append(
                NumberChange(
                    sequence: request.sequence, provider: .vapi, apiKey: request.account.apiKey, operation: .vapiUpdate,
                    numbers: [number.number], agentID: number.agentID, body: request.http.body))
            return number
        }
        return APIAnswer(status: 200, body: updated.rendered(for: .vapi))
    }

    /// `POST /call` `{"assistantId","phoneNumberId","customer":{"number"},"metadata"}` → 201.
    static func createCall(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        let body = try request.jsonObject(accepted: ["assistantId", "phoneNumberId", "customer", "metadata", "name"])
        let assistant = try Field.optionalString(body, "assistantId")
        let phoneNumberID = try Field.string(body, "phoneNumberId")
        guard let customer = body["customer"], !customer.isNull else {
            throw APIFailure(400, "customer is required: {\"number\": \"+1…\"}, the number to call")
        }
        guard let customerMembers = customer.members else {
            throw APIFailure(400, "customer must be an object, not \(customer.typeName)")
        }
        for member in customerMembers where !["number", "name"].contains(member.key) {
            throw APIFailure(400, "property customer.\(member.key) should not exist; accepted: number, name")
        }
        let to = try Field.number(customer, "number")
        _ = try Field.optionalString(customer, "name")
        _ = try Field.optionalString(body, "name")
        let metadata = try Field.optionalObject(body, "metadata")
        let callID = UUID().uuidString.lowercased()
        let now = ISOTime.format(millis: SimulatorState.wallClockMillis())
        let agent = try state.changing(request) { (book, store) throws(APIFailure) in
            guard let number = book.number(withID: phoneNumberID) else {
                throw APIFailure(404, "Couldn't get phone number: no phone number with id \(phoneNumberID) in this account (phoneNumberId is the number's id, not its E.164 string)")
            }
            guard let agent = assistant ?? number.agentID else {
                throw APIFailure(400, "no assistant for this call: pass assistantId, or set the assistantId of the phone number")
            }
            store.calls.append(
                SimulatedCall(
                    sequence: request.sequence, provider: .vapi, apiKey: request.account.apiKey, callID: callID, to: to,
                    from: number.number, phoneNumberID: phoneNumberID, agentID: agent, body: request.http.body))
            return agent
        }
        return APIAnswer(
            status: 201,
            body: .fields([
                "id": .string(callID), "type": .string("outboundPhoneCall"), "status": .string("queued"),
                "assistantId": .string(agent), "phoneNumberId": .string(phoneNumberID),
                "customer": .fields(["number": .string(to.description)]), "metadata": metadata,
                "createdAt": .string(now), "updatedAt": .string(now),
            ]))
    }
}
