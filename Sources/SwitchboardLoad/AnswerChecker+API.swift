import SwitchboardCore
import SwitchboardProviders

extension AnswerChecker {
    // MARK: Caller ID (SPEC rule 7, without a number given at call time)

    /// What a value of an agent's slot means for its caller-ID look-up.
    enum CallerIDOutcome: Equatable {
        case chosen(number: Int, source: StaticString)
        case noCallerID

        static func == (lhs: CallerIDOutcome, rhs: CallerIDOutcome) -> Bool {
            switch (lhs, rhs) {
            case (.chosen(let a, let x), .chosen(let b, let y)): a == b && x.description == y.description
            case (.noCallerID, .noCallerID): true
            default: false
            }
        }
    }

    func callerIDOutcome(agent: Int, slotValue: Int32) -> CallerIDOutcome {
        if slotValue >= 0 { return .chosen(number: Int(slotValue), source: "assigned") }
        let fallback = dataSet.defaultCallerID(ofAgent: agent)
        return fallback >= 0 ? .chosen(number: Int(fallback), source: "default") : .noCallerID
    }

    func checkCallerID(agent: Int, status: Int, body: [UInt8], before: LiveState.Slot, after: LiveState.Slot) -> Verdict {
        guard status == 200 || status == 422 else { return .unexpectedStatus(status) }
        if before.isAmbiguous(later: after) { return .unverifiable }
        var values = [before.committed, after.committed]
        if before.pending != LiveState.Slot.noWrite { values.append(before.pending) }
        if after.pending != LiveState.Slot.noWrite { values.append(after.pending) }
        let allowed = values.map { callerIDOutcome(agent: agent, slotValue: $0) }
        let root: JSONValue
        do { root = try JSONDocument(validating: body).root } catch { return .unparseable("\(error)") }
        do {
            if status == 422 {
                guard try root.member("error")?.member("code")?.isString("no_caller_id") == true else {
                    return .wrong("caller ID of \(dataSet.agentID(agent)): 422 without error code no_caller_id")
                }
                return allowed.contains(.noCallerID) ? .correct : .wrong("caller ID of \(dataSet.agentID(agent)) refused no_caller_id; expected \(describe(allowed))")
            }
            guard let agentField = try root.member("agent_id").flatMap(WebhookAnswer.utf8), matchesAgentID(agent, agentField) else {
                return .wrong("caller ID of \(dataSet.agentID(agent)): agent_id missing or another agent's")
            }
            guard let callerID = try root.member("caller_id").flatMap(WebhookAnswer.utf8), let source = try root.member("source") else {
                return .wrong("caller ID of \(dataSet.agentID(agent)): caller_id or source missing")
            }
            for case .chosen(let number, let expectedSource) in allowed where matchesNumber(number, callerID) && source.isString(expectedSource) {
                return .correct
            }
            return .wrong("caller ID of \(dataSet.agentID(agent)) is \(String(decoding: callerID, as: UTF8.self)); expected \(describe(allowed))")
        } catch {
            return .unparseable("\(error)")
        }
    }

    func describe(_ outcomes: [CallerIDOutcome]) -> String {
        outcomes.map { outcome in
            switch outcome {
            case .chosen(let number, let source): "\(dataSet.number(number)) (\(source))"
            case .noCallerID: "no_caller_id"
            }
        }.joined(separator: " or ")
    }

    // MARK: Operator writes (SPEC §3 `assign` shape)

    /// `PUT …/agent`: 200 with the number now on `agent`, and `previous` as the agent that lost it.
    func checkAssign(number: Int, agent: Int, previous: Int?, status: Int, body: [UInt8]) -> Verdict {
        guard status == 200 else { return .unexpectedStatus(status) }
        return checkWrite(number: number, agent: agent, previous: previous, body: body, what: "assign")
    }

    /// `DELETE …/agent`: 200 with the number unassigned, and `previous` as the agent that had it.
    func checkUnassign(number: Int, previous: Int?, status: Int, body: [UInt8]) -> Verdict {
        guard status == 200 else { return .unexpectedStatus(status) }
        return checkWrite(number: number, agent: nil, previous: previous, body: body, what: "unassign")
    }

    private func checkWrite(number: Int, agent: Int?, previous: Int?, body: [UInt8], what: String) -> Verdict {
        let root: JSONValue
        do { root = try JSONDocument(validating: body).root } catch { return .unparseable("\(error)") }
        do {
            guard let shown = try root.member("number"), let written = try shown.member("number").flatMap(WebhookAnswer.utf8),
                matchesNumber(number, written)
            else { return .wrong("\(what) \(dataSet.number(number)): the answer does not show that number") }
            guard matches(try shown.member("agent_id"), agent) else {
                return .wrong("\(what) \(dataSet.number(number)): agent_id is not \(agent.map(dataSet.agentID) ?? "null")")
            }
            guard matches(try root.member("previous_agent_id"), previous) else {
                return .wrong("\(what) \(dataSet.number(number)): previous_agent_id is not \(previous.map(dataSet.agentID) ?? "null")")
            }
            return .correct
        } catch {
            return .unparseable("\(error)")
        }
    }

    /// A field holding agent `agent`'s id, or null (or absent) for nil.
    private func matches(_ value: JSONValue?, _ agent: Int?) -> Bool {
        guard let agent else { return value == nil || value!.isNull }
        guard let value, let bytes = WebhookAnswer.utf8(value) else { return false }
        return matchesAgentID(agent, bytes)
    }
}
