extension LoadWorker {
    // MARK: Requests

    /// Draws a traffic kind by the mix, a target from the prepared table, and sends it.
    func sendTraffic(on connection: LoadConnection, intended: UInt64, now: UInt64) {
        let kind = drawKind()
        let list = kind == .callerID ? table.callerIDs : table.webhooks[Int(kind.webhookProvider!.rawValue)]
        let prepared = list[random.below(list.count)]
        let before = kind == .callerID ? plan.live.agent(Int(prepared.target)) : plan.live.number(Int(prepared.target))
        let measured = intended >= schedule.warmupEnd
        recorder.countSent(kind, measured: measured)
        let flight = InFlight(kind: kind, target: prepared.target, intended: intended, sent: now, measured: measured, before: before)
        transmit(prepared.bytes, flight, on: connection, now: now)
    }

    func sendWrite(_ write: Operator.Write, on connection: LoadConnection, intended: UInt64, now: UInt64, restoring: Bool = false) {
        let bytes = write.newAgent.map { plan.factory.assign(number: write.number, agent: $0) } ?? plan.factory.unassign(number: write.number)
        let measured = !restoring && intended >= schedule.warmupEnd
        recorder.countSent(write.kind, measured: measured)
        let flight = InFlight(
            kind: write.kind, target: Int32(write.number), intended: intended, sent: now, measured: measured,
            before: plan.live.number(write.number), write: write, restoring: restoring)
        transmit(bytes, flight, on: connection, now: now)
    }

    private func drawKind() -> RequestKind {
        let pick = random.unit()
        var last = RequestKind.webhookRetell
        for (position, kind) in RequestKind.traffic.enumerated() where (plan.configuration.mix.weights[kind] ?? 0) > 0 {
            if pick < plan.cumulativeMix[position] { return kind }
            last = kind
        }
        return last  // rounding left the pick just past the last bound
    }

    // MARK: Answers

    /// An answer arrived for the connection's request: judge it, record it, free the connection.
    func complete(_ connection: LoadConnection, head: HTTPResponseParser.Head, now: UInt64) {
        guard let flight = connection.inFlight else { return }
        connection.inFlight = nil
        connection.answeredSinceConnect = true
        connection.backoff = 0
        markIdle(connection)
        recorder.tick(at: now &- schedule.start)
        progress.answered.add(1, ordering: .relaxed)
        let verdict = judge(flight, status: head.status, body: connection.parser.body)
        if flight.restoring {
            if verdict == .correct { recorder.restoredWrites += 1 } else { recorder.restoreErrors += 1 }
        } else {
            record(verdict, flight, now: now)
        }
        if let write = flight.write, let writer {
            let outcome: Operator.Outcome
            switch verdict {
            case .correct: outcome = .committed
            case .unexpectedStatus(let status) where (400..<500).contains(status): outcome = .refused
            default: outcome = .uncertain
            }
            if outcome == .uncertain { recorder.uncertainWrites += 1 }
            writer.finish(write, outcome: outcome, now: now)
        }
    }

    private func record(_ verdict: Verdict, _ flight: InFlight, now: UInt64) {
        switch verdict {
        case .correct:
            recorder.recordCorrect(flight.kind, latency: now &- flight.intended, measured: flight.measured)
        case .unexpectedStatus(let status):
            countError(flight, .status, detail: "status \(status)")
        case .wrong(let text):
            countError(flight, .wrongAnswer, detail: text)
        case .unparseable(let text):
            countError(flight, .parse, detail: text)
        case .unverifiable:
            recorder.recordUnverifiable(flight.kind, measured: flight.measured)
        }
    }

    /// The request on `connection` got no usable answer.
    func fail(_ connection: LoadConnection, _ error: ErrorKind, now: UInt64, detail: String) {
        guard let flight = connection.inFlight else { return }
        connection.inFlight = nil
        if flight.restoring { recorder.restoreErrors += 1 } else { countError(flight, error, detail: detail) }
        if let write = flight.write, let writer {
            recorder.uncertainWrites += 1
            writer.finish(write, outcome: .uncertain, now: now)
        }
    }

    private func countError(_ flight: InFlight, _ error: ErrorKind, detail: String) {
        progress.errors.add(1, ordering: .relaxed)
        recorder.recordError(flight.kind, error, measured: flight.measured, detail: detail)
    }

    private func judge(_ flight: InFlight, status: Int, body: [UInt8]) -> Verdict {
        if plan.configuration.ceiling { return (200..<300).contains(status) ? .correct : .unexpectedStatus(status) }
        let checker = plan.checker
        let target = Int(flight.target)
        switch flight.kind {
        case .webhookRetell, .webhookVapi, .webhookBland:
            return checker.checkWebhook(
                provider: flight.kind.webhookProvider!, number: target, status: status, body: body,
                before: flight.before, after: plan.live.number(target))
        case .callerID:
            return checker.checkCallerID(agent: target, status: status, body: body, before: flight.before, after: plan.live.agent(target))
        case .assign:
            let write = flight.write!
            return checker.checkAssign(number: write.number, agent: write.newAgent!, previous: write.oldAgent, status: status, body: body)
        case .unassign:
            let write = flight.write!
            return checker.checkUnassign(number: write.number, previous: write.oldAgent, status: status, body: body)
        }
    }
}
