import SwitchboardCore
import SwitchboardProviders

/// What a checked answer was.
enum Verdict: Equatable {
    case correct
    /// A status other than the one the request must get.
    case unexpectedStatus(Int)
    /// The right status with the wrong content: another agent, a refusal instead of a route, …
    case wrong(String)
    /// The body is not JSON.
    case unparseable(String)
    /// Two or more writes finished on the target while the request was out: no single state to
    /// judge against (counted, not guessed).
    case unverifiable
}

/// Judges each answer against the data set and the writes in flight (`LiveState`): the right agent
/// or refusal in the provider's format (providers.md), the right caller ID. Formatting is not
/// judged (field order, spacing, escapes): fields are read with SwitchboardProviders' validating
/// JSON reader, which allocates nothing for the fields compared here.
struct AnswerChecker: Sendable {
    let dataSet: DataSet

    /// What a value of a number's slot means for an inbound call to it (SPEC rule 6).
    enum Outcome: Equatable {
        case routed(agent: Int)
        case refused(InboundRefusal)
    }

    func outcome(number: Int, slotValue: Int32) -> Outcome {
        switch dataSet.category(ofNumber: number) {
        case .unknown: return .refused(.unknownNumber)
        case .inactiveNumber: return .refused(.numberInactive)
        case .routed, .unassigned, .inactiveAgent: break
        }
        guard slotValue >= 0 else { return .refused(.unassigned) }
        return dataSet.isActive(agent: Int(slotValue)) ? .routed(agent: Int(slotValue)) : .refused(.agentInactive)
    }

    /// The outcomes an answer may show, given the slot at send and at receipt.
    func outcomes(number: Int, before: LiveState.Slot, after: LiveState.Slot) -> [Outcome] {
        var values = [before.committed, after.committed]
        if before.pending != LiveState.Slot.noWrite { values.append(before.pending) }
        if after.pending != LiveState.Slot.noWrite { values.append(after.pending) }
        var result: [Outcome] = []
        for value in values {
            let candidate = outcome(number: number, slotValue: value)
            if !result.contains(candidate) { result.append(candidate) }
        }
        return result
    }

    // MARK: Webhooks

    func checkWebhook(
        provider: Provider, number: Int, status: Int, body: [UInt8], before: LiveState.Slot, after: LiveState.Slot
    ) -> Verdict {
        guard status == 200 else { return .unexpectedStatus(status) }
        if before.isAmbiguous(later: after) { return .unverifiable }
        let root: JSONValue
        do { root = try JSONDocument(validating: body).root } catch { return .unparseable("\(error)") }
        let allowed = outcomes(number: number, before: before, after: after)
        do {
            switch try WebhookAnswer.read(provider, root) {
            case .malformed(let problem):
                return .wrong("\(provider) answer for \(dataSet.number(number)): \(problem)")
            case .routed(let providerAgentID, let switchboardAgentID):
                for case .routed(let agent) in allowed where matchesProviderAgentID(agent, providerAgentID) {
                    if let switchboardAgentID, !matchesAgentID(agent, switchboardAgentID) { continue }
                    return .correct
                }
                return .wrong("\(dataSet.number(number)) routed to \(String(decoding: providerAgentID, as: UTF8.self)); expected \(describe(allowed))")
            case .refused(let reason):
                for case .refused(let refusal) in allowed where reason == nil || reason! == Array(refusal.code.utf8) {
                    return .correct
                }
                let said = reason.map { " (\(String(decoding: $0, as: UTF8.self)))" } ?? ""
                return .wrong("\(dataSet.number(number)) refused\(said); expected \(describe(allowed))")
            }
        } catch {
            return .unparseable("\(error)")
        }
    }

    func describe(_ outcomes: [Outcome]) -> String {
        outcomes.map { outcome in
            switch outcome {
            case .routed(let agent): "\(dataSet.agentID(agent)) (\(dataSet.providerAgentID(agent)))"
            case .refused(let reason): "refused \(reason.code)"
            }
        }.joined(separator: " or ")
    }

    func matchesProviderAgentID(_ agent: Int, _ bytes: [UInt8]) -> Bool {
        ByteWriter.with({ dataSet.writeProviderAgentID(agent, into: &$0) }) { $0.elementsEqual(bytes) }
    }

    func matchesAgentID(_ agent: Int, _ bytes: [UInt8]) -> Bool {
        ByteWriter.with({ dataSet.writeAgentID(agent, into: &$0) }) { $0.elementsEqual(bytes) }
    }

    func matchesNumber(_ number: Int, _ bytes: [UInt8]) -> Bool {
        ByteWriter.with({ DataSet.writeNumber(dataSet.keys[number], into: &$0) }) { $0.elementsEqual(bytes) }
    }
}

/// An inbound-call answer as each provider's format says it (providers.md).
enum WebhookAnswer {
    /// Routed to the provider's agent id; Retell also says our agent id in its metadata.
    case routed(providerAgentID: [UInt8], switchboardAgentID: [UInt8]?)
    /// Refused; Bland says why.
    case refused(reason: [UInt8]?)
    case malformed(String)

    static func read(_ provider: Provider, _ root: JSONValue) throws(JSONError) -> WebhookAnswer {
        guard root.kind == .object else { return .malformed("the answer is not a JSON object") }
        switch provider {
        case .retell:
            // {"call_inbound":{"override_agent_id":…,"metadata":{"switchboard_agent_id":…}}} or {"call_inbound":{}}
            guard let call = try root.member("call_inbound"), call.kind == .object else {
                return .malformed("no call_inbound object")
            }
            guard let override = try call.member("override_agent_id") else { return .refused(reason: nil) }
            guard let agentID = utf8(override) else { return .malformed("override_agent_id is not a string") }
            let ours = (try call.member("metadata")?.member("switchboard_agent_id")).flatMap(utf8)
            return .routed(providerAgentID: agentID, switchboardAgentID: ours)
        case .vapi:
            // {"assistantId":…} or {"error":"<sentence>"}
            if let assistant = try root.member("assistantId") {
                guard let agentID = utf8(assistant) else { return .malformed("assistantId is not a string") }
                return .routed(providerAgentID: agentID, switchboardAgentID: nil)
            }
            guard let error = try root.member("error"), let sentence = utf8(error), !sentence.isEmpty else {
                return .malformed("neither assistantId nor an error sentence")
            }
            return .refused(reason: nil)
        case .bland:
            // {"agent_id":…} or {"action":"reject","reason":"<code>"}
            if let agent = try root.member("agent_id") {
                guard let agentID = utf8(agent) else { return .malformed("agent_id is not a string") }
                return .routed(providerAgentID: agentID, switchboardAgentID: nil)
            }
            guard try root.member("action")?.isString("reject") == true else { return .malformed("neither agent_id nor action reject") }
            guard let reason = try root.member("reason").flatMap(utf8) else { return .malformed("a reject without a reason") }
            return .refused(reason: reason)
        }
    }

    static func utf8(_ value: JSONValue) -> [UInt8]? {
        value.withStringUTF8 { Array($0) }
    }
}
