import Foundation
import Synchronization
import Testing

@testable import SwitchboardCore

/// Readers resolving numbers and caller IDs while writers reassign. Run under
/// `swift test --sanitize=thread` in CI: no race may be reported, and every read must be a state
/// that existed.
@Suite struct ConcurrencyTests {
    static let numbers: [UInt64] = (0..<16).map { 1_212_555_0100 + UInt64($0) }
    static let agents = (0..<12).map { "w\($0)" }

    func seeded() throws -> Directory {
        let directory = Directory()
        let acme = Fixture.id("acme")
        _ = try directory.createAccount(id: acme, name: "Acme")
        for id in ConcurrencyTests.agents { try directory.putAgent(Fixture.agent(id)) }
        for key in ConcurrencyTests.numbers {
            try directory.putNumber(NumberSpec(account: acme, number: E164(uncheckedKey: key), provider: .retell, providerNumberID: "n\(key)", status: .active, agentID: nil))
        }
        return directory
    }

    /// Runs `body` on `count` threads at once and waits for all of them.
    func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for thread in 0..<count {
            group.enter()
            Thread.detachNewThread {
                body(thread)
                group.leave()
            }
        }
        group.wait()
    }

    @Test func readersDuringReassignments_seeOnlyWholeStates() throws {
        let directory = try seeded()
        let slot = directory.acmeSlot
        let failures = Mutex<[String]>([])
        let writersDone = Atomic<Int>(0)
        onThreads(5) { thread in
            var random = ModelBasedTests.Random(state: UInt64(thread + 1))
            if thread < 2 {
                // Writers: assign, unassign, move, flip status.
                for _ in 0..<3000 {
                    let key = ConcurrencyTests.numbers.randomElement(using: &random)!
                    let agent = ConcurrencyTests.agents.randomElement(using: &random)!
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0..<6: _ = try? directory.assign(account: Fixture.id("acme"), number: E164(uncheckedKey: key), agent: Fixture.id(agent))
                    case 6..<8: _ = try? directory.unassign(account: Fixture.id("acme"), number: E164(uncheckedKey: key))
                    default: _ = try? directory.putAgent(Fixture.agent(agent, status: Bool.random(using: &random) ? .active : .inactive))
                    }
                }
                writersDone.add(1, ordering: .releasing)
                return
            }
            // Readers, until the writers are done.
            var reads = 0
            while writersDone.load(ordering: .acquiring) < 2 || reads < 1000 {
                reads += 1
                let key = ConcurrencyTests.numbers.randomElement(using: &random)!
                // The number and its agent read at one instant must agree with each other.
                if let (numberSlot, entry) = directory.index.numberWithAgent(key), let agent = numberSlot.agent {
                    if entry?.number != key || entry?.record !== agent {
                        failures.withLock { $0.append("number \(key) points at \(agent.id), whose number is \(String(describing: entry?.number))") }
                    }
                }
                switch directory.index.inbound(E164(uncheckedKey: key), account: slot, provider: .retell) {
                case .routed(let agent):
                    if !agent.isActive { failures.withLock { $0.append("routed to inactive agent \(agent.id)") } }
                case .refused(let reason):
                    if reason != .unassigned && reason != .agentInactive { failures.withLock { $0.append("impossible refusal \(reason)") } }
                }
                let agent = ConcurrencyTests.agents.randomElement(using: &random)!
                switch directory.index.callerID(account: slot, agentID: agent) {
                case .chosen(let number, let source, let record):
                    if source != .assigned || !ConcurrencyTests.numbers.contains(number.key) || record.id.value != agent {
                        failures.withLock { $0.append("caller ID \(number) \(source) for \(agent)") }
                    }
                case .refused(let reason):
                    if reason != .noCallerID { failures.withLock { $0.append("caller ID refused \(reason)") } }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(directory.invariantViolations() == [])
    }

    /// Rule 2: once an assignment is acknowledged, the next inbound call goes to the new agent. A
    /// reader polling one number while it moves through agents in order never sees an older agent
    /// after a newer one.
    @Test func acknowledgedAssignments_areSeenInOrder() throws {
        let directory = try seeded()
        let slot = directory.acmeSlot
        let key = ConcurrencyTests.numbers[0]
        let acknowledged = Atomic<Int>(-1)
        let failures = Mutex<[String]>([])
        let rounds = 2000
        onThreads(3) { thread in
            if thread == 0 {
                for round in 0..<rounds {
                    let agent = ConcurrencyTests.agents[round % ConcurrencyTests.agents.count]
                    _ = try? directory.assign(account: Fixture.id("acme"), number: E164(uncheckedKey: key), agent: Fixture.id(agent))
                    acknowledged.store(round, ordering: .releasing)
                }
                return
            }
            while true {
                let floor = acknowledged.load(ordering: .acquiring)
                guard case .routed(let agent) = directory.index.inbound(E164(uncheckedKey: key), account: slot, provider: .retell) else {
                    if floor >= 0 { failures.withLock { $0.append("unrouted after round \(floor)") } }
                    if floor == rounds - 1 { return }
                    continue
                }
                // The agent seen must be that of a round from the last one acknowledged before the read
                // to the one in flight after it.
                let ceiling = acknowledged.load(ordering: .acquiring) + 1
                let seen = ConcurrencyTests.agents.firstIndex(of: agent.id.value)!
                let count = ConcurrencyTests.agents.count
                if floor >= 0, ceiling - floor < count, !(floor...ceiling).contains(where: { $0 % count == seen }) {
                    failures.withLock { $0.append("between rounds \(floor) and \(ceiling) saw \(agent.id)") }
                }
                if floor == rounds - 1 { return }
            }
        }
        #expect(failures.withLock { $0 } == [])
    }

    /// Rule 2 for outbound: an agent moved through numbers in order. A reader asking for its caller
    /// ID sees a number it was given in a round from the last acknowledged one to the one in flight,
    /// never an older one once a newer was acknowledged, and never a number it never had.
    @Test func callerIDDuringMoves_seesOnlyAcknowledgedOrInFlightNumbers() throws {
        let directory = try seeded()
        let slot = directory.acmeSlot
        let agent = ConcurrencyTests.agents[0]
        let numbers = ConcurrencyTests.numbers
        let acknowledged = Atomic<Int>(-1)
        let failures = Mutex<[String]>([])
        let rounds = 2000
        onThreads(3) { thread in
            if thread == 0 {
                for round in 0..<rounds {
                    _ = try? directory.assign(account: Fixture.id("acme"), number: E164(uncheckedKey: numbers[round % numbers.count]), agent: Fixture.id(agent))
                    acknowledged.store(round, ordering: .releasing)
                }
                return
            }
            while true {
                let floor = acknowledged.load(ordering: .acquiring)
                switch directory.index.callerID(account: slot, agentID: agent) {
                case .refused(let reason):
                    // Before the first assignment only: the agent starts without a number.
                    if floor >= 0 { failures.withLock { $0.append("refused \(reason) after round \(floor)") } }
                case .chosen(let number, let source, _):
                    let ceiling = acknowledged.load(ordering: .acquiring) + 1
                    guard source == .assigned, let seen = numbers.firstIndex(of: number.key) else {
                        failures.withLock { $0.append("caller ID \(number) (\(source)) is no number the agent was given") }
                        break
                    }
                    if floor >= 0, ceiling - floor < numbers.count, !(floor...ceiling).contains(where: { $0 % numbers.count == seen }) {
                        failures.withLock { $0.append("between rounds \(floor) and \(ceiling) the caller ID was \(number)") }
                    }
                }
                if floor == rounds - 1 { return }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(directory.invariantViolations() == [])
    }
}
