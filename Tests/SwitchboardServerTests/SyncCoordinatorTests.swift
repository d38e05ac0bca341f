import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// Sync against a scripted lister: rule 9's counts, failures that change nothing, single flight.
@Suite struct SyncCoordinatorTests {
    static func listed(_ keys: [UInt64]) -> [ListedNumber] {
        keys.map { ListedNumber(number: E164(key: $0)!, providerNumberID: "+\($0)") }
    }

    static func directory() throws -> Directory {
        let directory = Directory()
        let acme = try Identifier("acme")
        _ = try directory.createAccount(id: acme, name: "Acme")
        try directory.putProvider(ProviderConnection(account: acme, provider: .retell, apiKey: "key_r"))
        try directory.putAgent(AgentSpec(account: acme, id: try Identifier("front"), name: "Front", provider: .retell, providerAgentID: "pa", status: .active))
        return directory
    }

    /// A lister whose answers the test scripts, counting its calls; it can hold a call until released.
    final class ScriptedLister: @unchecked Sendable {
        // `@unchecked Sendable`: every field is read and written under `lock`.
        private let lock = NSLock()
        private var answers: [SyncListing] = []
        private(set) var calls = 0
        let gate = DispatchSemaphore(value: 0)
        var holds = false

        func push(_ answer: SyncListing) { lock.withLock { answers.append(answer) } }
        var callCount: Int { lock.withLock { calls } }

        func list(_ connection: ProviderConnection) async -> SyncListing {
            let (answer, hold) = lock.withLock { () -> (SyncListing, Bool) in
                calls += 1
                return (answers.isEmpty ? .failed("no scripted answer") : answers.removeFirst(), holds)
            }
            if hold { await withCheckedContinuation { continuation in DispatchQueue.global().async { self.gate.wait(); continuation.resume() } } }
            return answer
        }
    }

    static func coordinator(_ directory: Directory, _ lister: ScriptedLister) -> SyncCoordinator {
        SyncCoordinator(directory: directory, lister: { await lister.list($0) }, clock: { Timestamp(milliseconds: 1_764_000_000_000) })
    }

    @Test func sync_countsAddedUpdatedDeactivated_andKeepsAssignments() async throws {
        let directory = try SyncCoordinatorTests.directory()
        let lister = ScriptedLister()
        let sync = SyncCoordinatorTests.coordinator(directory, lister)
        let acme = try Identifier("acme")
        lister.push(.complete(SyncCoordinatorTests.listed([14155550001, 14155550002, 14155550003]), skipped: 1))
        await sync.trigger(account: acme).done.value
        var status = try #require(sync.status(account: acme, provider: .retell))
        #expect(status.ok == true && status.added == 3 && status.updated == 0 && status.deactivated == 0 && status.skipped == 1 && !status.running)

        try directory.assign(account: acme, number: E164(key: 14155550002)!, agent: try Identifier("front"))
        lister.push(.complete([ListedNumber(number: E164(key: 14155550002)!, providerNumberID: "+14155550002"),
                               ListedNumber(number: E164(key: 14155550003)!, providerNumberID: "renamed")], skipped: 0))
        await sync.trigger(account: acme).done.value
        status = try #require(sync.status(account: acme, provider: .retell))
        #expect(status.ok == true && status.added == 0 && status.updated == 1 && status.deactivated == 1)
        #expect(directory.number(account: acme, number: E164(key: 14155550002)!)?.agentID?.value == "front")
        #expect(directory.number(account: acme, number: E164(key: 14155550001)!)?.status == .inactive)
    }

    @Test func sync_failedListing_changesNothingAndSaysWhy() async throws {
        let directory = try SyncCoordinatorTests.directory()
        let lister = ScriptedLister()
        let sync = SyncCoordinatorTests.coordinator(directory, lister)
        let acme = try Identifier("acme")
        lister.push(.complete(SyncCoordinatorTests.listed([14155550001]), skipped: 0))
        await sync.trigger(account: acme).done.value
        let before = directory.image()
        lister.push(.failed("retell answered 500: internal error"))
        await sync.trigger(account: acme).done.value
        let status = try #require(sync.status(account: acme, provider: .retell))
        #expect(status.ok == false)
        #expect(status.error == "retell answered 500: internal error; nothing was changed")
        #expect(directory.image() == before)
    }

    @Test func sync_listingThatBreaksARule_changesNothing() async throws {
        let directory = try SyncCoordinatorTests.directory()
        let lister = ScriptedLister()
        let sync = SyncCoordinatorTests.coordinator(directory, lister)
        let acme = try Identifier("acme")
        let before = directory.image()
        lister.push(.complete(SyncCoordinatorTests.listed([14155550001, 14155550001]), skipped: 0))
        await sync.trigger(account: acme).done.value
        #expect(sync.status(account: acme, provider: .retell)?.ok == false)
        #expect(directory.image() == before)
    }

    @Test func sync_overlappingTriggers_runOnce() async throws {
        let directory = try SyncCoordinatorTests.directory()
        let lister = ScriptedLister()
        lister.holds = true
        let sync = SyncCoordinatorTests.coordinator(directory, lister)
        let acme = try Identifier("acme")
        lister.push(.complete(SyncCoordinatorTests.listed([14155550001]), skipped: 0))
        let first = sync.trigger(account: acme)
        #expect(first.statuses.first?.running == true)
        let second = sync.trigger(account: acme)
        #expect(second.statuses.first?.running == true)
        lister.gate.signal()
        await first.done.value
        await second.done.value
        #expect(lister.callCount == 1)
        #expect(sync.status(account: acme, provider: .retell)?.running == false)
        #expect(sync.status(account: acme, provider: .retell)?.added == 1)
    }

    /// A lister that answers the same listing after `hold`, counting calls and how many run at once.
    final class TimedLister: Sendable {
        let hold: Duration
        private let counts = Locked<(calls: Int, running: Int, maxRunning: Int)>((0, 0, 0))

        init(hold: Duration) {
            self.hold = hold
        }

        var calls: Int { counts.withLock { $0.calls } }
        var maxRunning: Int { counts.withLock { $0.maxRunning } }

        func list(_ connection: ProviderConnection) async -> SyncListing {
            counts.withLock { counts in
                counts.calls += 1
                counts.running += 1
                counts.maxRunning = max(counts.maxRunning, counts.running)
            }
            try? await Task.sleep(for: hold)
            counts.withLock { $0.running -= 1 }
            return .complete(SyncCoordinatorTests.listed([14155550001]), skipped: 0)
        }
    }

    @Test func jittered_staysWithinTenPercent() {
        func close(_ a: Duration, _ b: Duration) -> Bool { a - b < .microseconds(1) && b - a < .microseconds(1) }
        let interval = Duration.seconds(300)
        #expect(close(SyncCoordinator.jittered(interval, unit: 0), .seconds(270)))
        #expect(close(SyncCoordinator.jittered(interval, unit: 0.5), .seconds(300)))
        #expect(close(SyncCoordinator.jittered(interval, unit: 1), .seconds(330)))
        #expect(close(SyncCoordinator.jittered(interval, unit: -3), .seconds(270)))
        #expect(close(SyncCoordinator.jittered(interval, unit: 7), .seconds(330)))
        #expect(close(SyncCoordinator.jittered(.milliseconds(200), unit: 0.25), .milliseconds(190)))
    }

    /// The schedule alone (no trigger from outside): several rounds, each delay jittered within
    /// ±10% of the interval, and a listing slower than the interval is never joined by a second one
    /// for the same connection (the rounds in between skip it).
    @Test func schedule_syncsByItself_jitteredWithinTenPercent_neverTwoAtOnce() async throws {
        let directory = try SyncCoordinatorTests.directory()
        let acme = try Identifier("acme")
        let lister = TimedLister(hold: .milliseconds(300))
        let sync = SyncCoordinator(directory: directory, lister: { await lister.list($0) }, clock: { Timestamp.now })
        let interval = Duration.milliseconds(50)
        let delays = Locked<[Duration]>([])
        sync.schedule(every: interval) { delay in
            delays.withLock { $0.append(delay) }
            try? await Task.sleep(for: delay)
        }
        for _ in 0..<500 where lister.calls < 3 || delays.withLock({ $0.count }) < 8 {
            try await Task.sleep(for: .milliseconds(10))
        }
        sync.stop()
        let chosen = delays.withLock { $0 }
        #expect(lister.calls >= 3)
        #expect(lister.maxRunning == 1)
        // Rounds that came while a listing ran skipped it (without that, every round but the one
        // still sleeping would have listed).
        #expect(chosen.count > lister.calls + 1, "\(chosen.count) rounds, \(lister.calls) listings")
        #expect(chosen.allSatisfy { $0 >= interval * 0.9 && $0 <= interval * 1.1 }, "\(chosen)")
        #expect(Set(chosen).count > 1, "no jitter: \(chosen)")
        for _ in 0..<200 where sync.status(account: acme, provider: .retell)?.running != false {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(sync.status(account: acme, provider: .retell)?.ok == true)
        #expect(directory.number(account: acme, number: E164(key: 14155550001)!)?.status == .active)
    }
}
