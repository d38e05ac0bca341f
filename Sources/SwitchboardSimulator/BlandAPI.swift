import Foundation
import SwitchboardCore

/// Bland's inbound-number and call APIs (providers.md, Bland.ai).
///
/// Our choices where Bland's docs are silent, in one place:
/// - `GET /v1/inbound` is one page, in E.164 string order, and takes no query parameters.
/// - Attach moves a number attached to another agent; detach leaves a number that is not
///   attached to that agent as it is (both succeed, so retries are harmless). Either refuses the
///   whole request, changing nothing, when any number is not the account's (404).
/// - A call needs `agent_id` or `pathway_id` (not both). Bad input is 400
///   `{"status":"error","message"}`; a `from` that is not the account's number is answered 200
///   with `"status":"error"`, Bland's other way of failing, so clients must check `status`.
enum BlandAPI {
    static func handle(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        switch request.endpoint {
        case .blandListInbound: return try list(request, state: state)
        case .blandAttachInbound: return try attach(request, state: state, attaching: true)
        case .blandDetachInbound: return try attach(request, state: state, attaching: false)
        case .blandCreateCall: return try createCall(request, state: state)
        default: preconditionFailure("\(request.endpoint) is not a Bland endpoint")
        }
    }

    /// `GET /v1/inbound` → `{"inbound_numbers":[…]}`.
    static func list(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        _ = try request.queryParameters(accepted: [])
        let numbers = try state.reading(request) { book in book.sortedByNumber().compactMap { book.numbers[$0] } }
        var items = numbers.map { $0.rendered(for: .bland) }
        if request.listingFault == .nonE164Numbers { items.insert(contentsOf: BogusNumbers.entries(for: .bland), at: 0) }
        return APIAnswer(status: 200, body: .fields(["inbound_numbers": .array(items)]))
    }

    /// `POST /v2/agents/{agent}/inbound/attach` or `/detach` `{"inbound_numbers":["+1…"]}`.
    static func attach(_ request: APIRequest, state: SimulatorState, attaching: Bool) throws(APIFailure) -> APIAnswer {
        let agent = request.variable ?? ""
        guard agent.utf8.count <= 256 else { throw APIFailure(400, "the agent id in the path is longer than 256 characters") }
        let body = try request.jsonObject(accepted: ["inbound_numbers"])
        guard let list = body["inbound_numbers"]?.elements else {
            throw APIFailure(400, "inbound_numbers is required: an array of E.164 numbers, e.g. [\"+14155550123\"]")
        }
        guard !list.isEmpty, list.count <= 1000 else {
            throw APIFailure(400, "inbound_numbers must hold 1 to 1000 numbers; got \(list.count)")
        }
        var numbers: [E164] = []
        for (index, entry) in list.enumerated() {
            guard let text = entry.stringValue else {
                throw APIFailure(400, "inbound_numbers[\(index)] must be a string, not \(entry.typeName)")
            }
            let number = try Field.e164(text, "inbound_numbers[\(index)]")
            guard !numbers.contains(number) else {
                throw APIFailure(400, "inbound_numbers lists \(number) twice: list each number once")
            }
            numbers.append(number)
        }
        let verb = attaching ? "attached to" : "detached from"
        try state.changing(request) { (book, store) throws(APIFailure) in
            let unknown = numbers.filter { book.numbers[$0] == nil }
            guard unknown.isEmpty else {
                throw APIFailure(404, "not inbound numbers of this account: \(unknown.map(\.description).joined(separator: ", ")); nothing was \(verb) agent \(agent)")
            }
            for number in numbers {
                guard var entry = book.numbers[number] else { continue }
                if attaching {
                    entry.agentID = agent
                } else if entry.agentID == agent {
                    entry.agentID = nil
                } else {
                    continue
                }
                entry.updatedAtMillis = store.nextMillis()
                book.update(entry)
            }
            store.changes.append(
                NumberChange(
                    sequence: request.sequence, provider: .bland, apiKey: request.account.apiKey,
                    operation: attaching ? .blandAttach : .blandDetach, numbers: numbers, agentID: agent,
                    body: request.http.body))
        }
        return APIAnswer(
            status: 200,
            body: .fields([
                "status": .string("success"),
                "message": .string("\(numbers.count) inbound number(s) \(verb) agent \(agent)"),
                "inbound_numbers": .array(numbers.map { .string($0.description) }),
            ]))
    }

    /// `POST /v1/calls` `{"phone_number","from","agent_id" | "pathway_id","metadata"}` → 200
    /// `{"status":"success","call_id"}`.
    static func createCall(_ request: APIRequest, state: SimulatorState) throws(APIFailure) -> APIAnswer {
        let body = try request.jsonObject(accepted: ["phone_number", "from", "agent_id", "pathway_id", "metadata"])
        let to = try Field.number(body, "phone_number")
        var from: E164?
        if let value = body["from"], !value.isNull { from = try Field.number(body, "from") }
        let agent = try Field.optionalString(body, "agent_id")
        let pathway = try Field.optionalString(body, "pathway_id")
        guard (agent == nil) != (pathway == nil) else {
            throw APIFailure(400, agent == nil ? "send agent_id or pathway_id: who takes the call" : "send agent_id or pathway_id, not both")
        }
        _ = try Field.optionalObject(body, "metadata")
        let callID = UUID().uuidString.lowercased()
        let refusal: String? = try state.changing(request) { (book, store) throws(APIFailure) -> String? in
            if let from, book.numbers[from] == nil {
                return "from number \(from) is not an inbound number of this account: use one of your numbers, or leave from out"
            }
            store.calls.append(
                SimulatedCall(
                    sequence: request.sequence, provider: .bland, apiKey: request.account.apiKey, callID: callID, to: to,
                    from: from, phoneNumberID: nil, agentID: agent ?? pathway, body: request.http.body))
            return nil
        }
        if let refusal {
            return APIAnswer(status: 200, body: .fields(["status": .string("error"), "message": .string(refusal)]))
        }
        return APIAnswer(
            status: 200,
            body: .fields([
                "status": .string("success"), "message": .string("Call successfully queued."), "call_id": .string(callID),
                "batch_id": .null,
            ]))
    }
}
