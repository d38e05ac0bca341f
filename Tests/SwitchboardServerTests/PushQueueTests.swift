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

        func push(_ job: PushJob) async -> PushResult {
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
        let queue = PushQueue(directory: directory, pusher: { await pusher.push($0) }, clock: { .now })
        let worker = queue.start()
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
        await worker.value
    }

    @Test func failingProvider_isRetriedAndShowsInStatus() async throws {
        let directory = try PushQueueTests.directory()
        let pusher = RecordingPusher()
        pusher.failNext(2)
        let queue = PushQueue(directory: directory, pusher: { await pusher.push($0) }, clock: { .now }, firstRetry: .milliseconds(20), maxRetry: .milliseconds(40))
        _ = queue.start()
        defer { queue.stop() }
        try directory.assign(account: PushQueueTests.acme, number: PushQueueTests.one, agent: try Identifier("b"))
        #expect(await PushQueueTests.eventually { queue.status(account: PushQueueTests.acme, number: PushQueueTests.one)?.state == .failed })
        let failed = try #require(queue.status(account: PushQueueTests.acme, number: PushQueueTests.one))
        #expect(failed.lastError?.contains("upstream down") == true)
        // The local assignment stands whatever the provider says.
        #expect(directory.number(account: PushQueueTests.acme, number: PushQueueTests.one)?.agentID?.value == "b")
        #expect(await PushQueueTests.eventually { queue.status(account: PushQueueTests.acme, number: PushQueueTests.one)?.state == .ok })
        #expect(pusher.recorded.count == 3)
        #expect(queue.status(account: PushQueueTests.acme, number: PushQueueTests.one)?.attempts == 3)
    }

    @Test func backOff_doublesUpToTheCap() throws {
        let queue = PushQueue(directory: Directory(), pusher: { _ in .done }, clock: { .now })
        #expect(queue.backOff(attempts: 1) == .seconds(1))
        #expect(queue.backOff(attempts: 2) == .seconds(2))
        #expect(queue.backOff(attempts: 4) == .seconds(8))
        #expect(queue.backOff(attempts: 40) == .seconds(300))
    }
}
