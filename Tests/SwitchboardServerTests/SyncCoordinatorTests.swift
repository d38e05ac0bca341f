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
        #expect(status.error?.contains("retell answered 500") == true)
        #expect(status.error?.contains("nothing was changed") == true)
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
}
