import SwitchboardCore

/// Numbers to add, from the control API's JSON: a list with settings, or a generated range.
enum NumberSpecs {
    static let maxBatch = 1_000_000
    static let accepted = ["number", "agent_id", "outbound_agent_id", "name", "carrier", "status", "pathway_id", "webhook"]

    /// `{"numbers":[{"number":"+14155550100","agent_id":"agent_1",…}]}` or
    /// `{"generate":{"first":"+14155550000","count":1000}}` (consecutive numbers from `first`).
    static func parse(_ json: SimulatorJSON) throws(SimulatorError) -> [SimulatedNumber] {
        switch (json["numbers"], json["generate"]) {
        case (let list?, nil):
            guard let entries = list.elements, !entries.isEmpty, entries.count <= maxBatch else {
                throw .invalid("numbers must be an array of 1 to \(maxBatch) objects like {\"number\":\"+14155550100\"}")
            }
            var batch: [SimulatedNumber] = []
            batch.reserveCapacity(entries.count)
            for (index, entry) in entries.enumerated() {
                batch.append(try number(entry, at: index))
            }
            return batch
        case (nil, let generate?):
            guard let members = generate.members else { throw .invalid("generate must be an object {\"first\",\"count\"}") }
            for member in members where member.key != "first" && member.key != "count" {
                throw .invalid("unknown field generate.\(member.key); accepted: first, count")
            }
            guard let firstText = generate["first"]?.stringValue, let first = try? E164(firstText), first.isWritten(as: firstText) else {
                throw .invalid("generate.first must be an E.164 number, e.g. +14155550000")
            }
            guard let count = generate["count"]?.integerValue, count >= 1, count <= maxBatch else {
                throw .invalid("generate.count must be from 1 to \(maxBatch)")
            }
            // The range must keep the same number of digits: +19999999999 plus one is not a
            // number of the same plan.
            let digits = first.digitCount
            guard let last = E164(key: first.key + UInt64(count) - 1), last.digitCount == digits else {
                throw .invalid("generate: \(count) numbers from \(first) run past the last \(digits)-digit number")
            }
            return (0..<UInt64(count)).map { offset in SimulatedNumber(E164(key: first.key + offset)!) }
        default:
            throw .invalid("send either numbers (a list) or generate (a range), not both or neither")
        }
    }

    private static func number(_ entry: SimulatorJSON, at index: Int) throws(SimulatorError) -> SimulatedNumber {
        guard let members = entry.members else {
            throw .invalid("numbers[\(index)] must be an object like {\"number\":\"+14155550100\"}, not \(entry.typeName)")
        }
        for member in members where !accepted.contains(member.key) {
            throw .invalid("unknown field numbers[\(index)].\(member.key); accepted: \(accepted.joined(separator: ", "))")
        }
        guard let text = entry["number"]?.stringValue, let number = try? E164(text), number.isWritten(as: text) else {
            throw .invalid("numbers[\(index)].number must be an E.164 number, e.g. +14155550100")
        }
        func optional(_ name: String) throws(SimulatorError) -> String? {
            guard let value = entry[name], !value.isNull else { return nil }
            guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 256 else {
                throw .invalid("numbers[\(index)].\(name) must be a string of 1 to 256 characters, or null")
            }
            return text
        }
        return SimulatedNumber(
            number, agentID: try optional("agent_id"), outboundAgentID: try optional("outbound_agent_id"),
            name: try optional("name"), carrier: try optional("carrier"), status: try optional("status") ?? "active",
            pathwayID: try optional("pathway_id"), webhook: try optional("webhook"))
    }
}

/// Records as the control API shows them. Bodies that are JSON are embedded as JSON; others as
/// text under `body_text`.
enum RecordsJSON {
    static func call(_ call: SimulatedCall) -> SimulatorJSON {
        .object(
            [
                .init("sequence", .integer(Int64(call.sequence))), .init("provider", .string(call.provider.name)),
                .init("api_key", .string(call.apiKey)), .init("call_id", .string(call.callID)),
                .init("to", .string(call.to.description)), .init("from", .stringOrNull(call.from?.description)),
                .init("phone_number_id", .stringOrNull(call.phoneNumberID)), .init("agent_id", .stringOrNull(call.agentID)),
            ] + body(call.body))
    }

    static func change(_ change: NumberChange) -> SimulatorJSON {
        .object(
            [
                .init("sequence", .integer(Int64(change.sequence))), .init("provider", .string(change.provider.name)),
                .init("api_key", .string(change.apiKey)), .init("operation", .string(change.operation.rawValue)),
                .init("numbers", .array(change.numbers.map { .string($0.description) })),
                .init("agent_id", .stringOrNull(change.agentID)),
            ] + body(change.body))
    }

    static func request(_ request: RecordedRequest) -> SimulatorJSON {
        .object(
            [
                .init("sequence", .integer(Int64(request.sequence))), .init("provider", .string(request.provider.name)),
                .init("endpoint", .stringOrNull(request.endpoint?.rawValue)), .init("method", .string(request.method)),
                .init("target", .string(request.target)), .init("status", .integer(Int64(request.status))),
                .init("fault", request.fault.map(\.json) ?? .null), .init("api_key", .stringOrNull(request.apiKey)),
            ] + body(request.body))
    }

    private static func body(_ bytes: [UInt8]) -> [SimulatorJSON.Member] {
        if bytes.isEmpty { return [.init("body", .null)] }
        if let json = try? SimulatorJSON.parse(bytes) { return [.init("body", json)] }
        return [.init("body_text", .string(String(decoding: bytes, as: UTF8.self)))]
    }
}
