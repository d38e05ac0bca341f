import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// Push of assignments to the providers' own per-number settings, against a scripted pusher.
@Suite struct PushQueueTests {
    final class RecordingPusher: @unchecked Sendable {
        // `@unchecked Sendable`: every field is read and written under `lock`.
        private let lock = NSLock()
        private var jobs: [PushJob] = []
        private var failuresLeft = 0

        func failNext(_ count: Int) { lock.withLock { failuresLeft = count } }
        var recorded: [PushJob] { lock.withLock { jobs } }

        func push(_ job: PushJob) -> PushResult {
            lock.withLock {
                jobs.append(job)
                if failuresLeft > 0 {
                    failuresLeft -= 1
                    return .failed("retell answered 500: upstream down", retryAfter: nil)
                }
                return .done
            }
        }
    }

    static let acme = try! Identifier("acme")
    static let one = E164(key: 14155550001)!
    static let two = E164(key: 14155550002)!

    static func directory() throws -> Directory {
        let directory = Directory()
        _ = try directory.createAccount(id: acme, name: "Acme")
        try directory.putProvider(ProviderConnection(account: acme, provider: .retell, apiKey: "key_r"))
        for id in ["a", "b"] {
            try directory.putAgent(AgentSpec(account: acme, id: try Identifier(id), name: id, provider: .retell, providerAgentID: "pa_\(id)", status: .active))
        }
        for number in [one, two] {
            try directory.putNumber(NumberSpec(account: acme, number: number, provider: .retell, providerNumberID: number.description, status: .active, agentID: nil))
        }
        return directory
    }

    /// Waits (bounded) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func assignAndReassign_pushTheBindingsOfEveryTouchedNumber() async throws {
        let directory = try PushQueueTests.directory()
        let pusher = RecordingPusher()
        let queue = PushQueue(directory: directory, pusher: { pusher.push($0) }, clock: { .now })
        try queue.start()
        defer { queue.stop() }

        try directory.assign(account: PushQueueTests.acme, number: PushQueueTests.one, agent: try Identifier("a"))
        #expect(await PushQueueTests.eventually { pusher.recorded.count == 1 })
        #expect(pusher.recorded.last?.providerAgentID == "pa_a")
        #expect(pusher.recorded.last?.number == PushQueueTests.one)

        // a moves to number two: one is released (pushed to no agent), two gets pa_a.
        try directory.assign(account: PushQueueTests.acme, number: PushQueueTests.two, agent: try Identifier("a"))
        #expect(await PushQueueTests.eventually { pusher.recorded.count == 3 })
        let byNumber = Dictionary(pusher.recorded.suffix(2).map { ($0.number, $0) }, uniquingKeysWith: { $1 })
        #expect(byNumber[PushQueueTests.two]?.providerAgentID == "pa_a")
        #expect(byNumber[PushQueueTests.one]?.providerAgentID == nil)
        #expect(byNumber[PushQueueTests.one]?.previousProviderAgentID == "pa_a")
        #expect(queue.status(account: PushQueueTests.acme, number: PushQueueTests.two)?.state == .ok)

        // An inactive agent answers no calls: its number is unbound at the provider too.
        try directory.putAgent(AgentSpec(account: PushQueueTests.acme, id: try Identifier("a"), name: "a", provider: .retell, providerAgentID: "pa_a", status: .inactive))
        #expect(await PushQueueTests.eventually { pusher.recorded.count == 4 })
        #expect(pusher.recorded.last?.providerAgentID == nil)
        queue.stop()
        #expect(queue.waitStopped(timeout: .seconds(10)), "the push threads did not end after stop")
    }

    @Test func failingProvider_isRetriedAndShowsInStatus() async throws {
        let directory = try PushQueueTests.directory()
        let recorder = RecordingPusher()
        recorder.failNext(2)
        // The second attempt (the first retry) is held until the test has looked at the failed
        // state: polling for a state that lasts only until the next retry would race the queue.
        let secondAttempt = DispatchSemaphore(value: 0)
        let calls = Locked(0)
        let pusher: NumberPusher = { job in
            if calls.withLock({ $0 += 1; return $0 }) == 2 { _ = secondAttempt.wait(timeout: .now() + 10) }
            return recorder.push(job)
        }
        let queue = PushQueue(directory: directory, pusher: pusher, clock: { .now }, firstRetry: .milliseconds(20), maxRetry: .milliseconds(40))
        try queue.start()
        defer { queue.stop() }
        try directory.assign(account: PushQueueTests.acme, number: PushQueueTests.one, agent: try Identifier("b"))
        #expect(await PushQueueTests.eventually { calls.withLock { $0 } == 2 })
        let failed = try #require(queue.status(account: PushQueueTests.acme, number: PushQueueTests.one))
        #expect(failed.state == .failed)
        #expect(failed.lastError?.contains("upstream down") == true)
        // The local assignment stands whatever the provider says.
        #expect(directory.number(account: PushQueueTests.acme, number: PushQueueTests.one)?.agentID?.value == "b")
        secondAttempt.signal()
        #expect(await PushQueueTests.eventually { queue.status(account: PushQueueTests.acme, number: PushQueueTests.one)?.state == .ok })
        #expect(recorder.recorded.count == 3)
        #expect(queue.status(account: PushQueueTests.acme, number: PushQueueTests.one)?.attempts == 3)
    }

    /// A pusher that takes a while, and notes how many pushes overlap (in all, and per number).
    final class SlowPusher: @unchecked Sendable {
        // `@unchecked Sendable`: every field is read and written under `lock`.
        private let lock = NSLock()
        private var running: [E164: Int] = [:]
        private var last: [E164: String?] = [:]
        private(set) var maxRunning = 0
        private(set) var overlaps = 0
        private(set) var count = 0

        func push(_ job: PushJob) -> PushResult {
            lock.withLock {
                running[job.number, default: 0] += 1
                if running[job.number]! > 1 { overlaps += 1 }
                maxRunning = max(maxRunning, running.values.reduce(0, +))
            }
            usleep(2_000)
            lock.withLock {
                running[job.number]! -= 1
                if running[job.number] == 0 { running[job.number] = nil }
                last[job.number] = .some(job.providerAgentID)
                count += 1
            }
            return .done
        }

        func lastPushed(_ number: E164) -> String?? { lock.withLock { last[number] } }
        var stats: (maxRunning: Int, overlaps: Int, count: Int) { lock.withLock { (maxRunning, overlaps, count) } }
    }

    /// A burst of reassignments: pushes run several at a time, never one number twice at once, and
    /// every number ends bound to the agent it has now.
    @Test func burstOfReassignments_pushesConcurrently_neverOverlapsANumber_andEndsInStep() async throws {
        let directory = Directory()
        let acme = PushQueueTests.acme
        _ = try directory.createAccount(id: acme, name: "Acme")
        try directory.putProvider(ProviderConnection(account: acme, provider: .retell, apiKey: "key_r"))
        let numbers = (0..<120).map { E164(key: 14155560000 + UInt64($0))! }
        for index in 0..<60 {
            try directory.putAgent(AgentSpec(account: acme, id: try Identifier("g\(index)"), name: "g", provider: .retell, providerAgentID: "pa_g\(index)", status: .active))
        }
        for number in numbers {
            try directory.putNumber(NumberSpec(account: acme, number: number, provider: .retell, providerNumberID: number.description, status: .active, agentID: nil))
        }
        let pusher = SlowPusher()
        let queue = PushQueue(directory: directory, pusher: { pusher.push($0) }, clock: { .now }, concurrency: 4)
        try queue.start()
        var random = SplitMix(seed: 7)
        for _ in 0..<600 {
            let number = numbers[Int(random.next() % UInt64(numbers.count))]
            if random.next() % 4 == 0 {
                _ = try? directory.unassign(account: acme, number: number)
            } else {
                try directory.assign(account: acme, number: number, agent: try Identifier("g\(random.next() % 60)"))
            }
        }
        #expect(await PushQueueTests.eventually { queue.isIdle })
        let stats = pusher.stats
        #expect(stats.overlaps == 0, "one number was pushed twice at once")
        #expect(stats.maxRunning > 1 && stats.maxRunning <= 4, "\(stats.maxRunning) pushes at once")
        #expect(stats.count < 600 + 600, "quick changes to one number collapse")
        for number in numbers {
            let expected = directory.number(account: acme, number: number)?.agentID.flatMap { directory.agent(account: acme, id: $0)?.spec.providerAgentID }
            let pushed = pusher.lastPushed(number)
            if pushed != nil || expected != nil {
                #expect(pushed == .some(expected), "\(number): provider has \(String(describing: pushed)), we have \(String(describing: expected))")
            }
        }
        queue.stop()
        #expect(queue.waitStopped(timeout: .seconds(10)), "the push threads did not end after stop")
    }

    @Test func backOff_doublesUpToTheCap() throws {
        let queue = PushQueue(directory: Directory(), pusher: { _ in .done }, clock: { .now })
        #expect(queue.backOff(attempts: 1) == .seconds(1))
        #expect(queue.backOff(attempts: 2) == .seconds(2))
        #expect(queue.backOff(attempts: 4) == .seconds(8))
        #expect(queue.backOff(attempts: 40) == .seconds(300))
    }
}
