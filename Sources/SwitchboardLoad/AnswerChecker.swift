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
    /// By `Provider.rawValue`: each reads its provider's answers.
    private let adapters = Provider.allCases.map { ProviderAdapters.adapter(for: $0) }

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
            switch try adapters[Int(provider.rawValue)].readAnswer(root) {
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
