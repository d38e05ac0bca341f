import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardStore
import Testing

@testable import SwitchboardServer

/// Writes through the real server: the offload thread applies and journals a change and moves on;
/// the journal's flusher, once the fsync covering it is done, tells the observers (the push) and
/// hands the answer to the event loop.
@Suite struct WriteAcknowledgementTests {
    static func seed(_ directory: Directory) throws {
        let acme = try Identifier("acme")
        _ = try directory.createAccount(id: acme, name: "Acme")
        for id in ["front-desk", "back-office"] {
            try directory.putAgent(
                AgentSpec(account: acme, id: try Identifier(id), name: id, provider: .retell, providerAgentID: "agent_\(id)", status: .active))
        }
        try directory.putNumber(
            NumberSpec(account: acme, number: E164(key: 14155550123)!, provider: .retell, providerNumberID: "pn", status: .active, agentID: nil))
    }

    /// A write is acknowledged only after the fsync that covers it, though no thread waits for
    /// that fsync any more (the journal's flusher hands the answer to the loop): while the disk
    /// holds the sync, the change is visible to readers and the writer has no answer.
    @Test func write_isAnsweredOnlyAfterItsFsync_andVisibleBefore() throws {
        let syncsHeld = Locked(false)
        let router = try TestRouter(
            seed: WriteAcknowledgementTests.seed,
            configure: { options in
                options.store.journalFaults = JournalFaults(beforeSync: {
                    // Bounded: a broken test must not hang the suite.
                    for _ in 0..<10_000 where syncsHeld.withLock({ $0 }) { usleep(1000) }
                })
            })
        defer { router.stop() }
        let path = "/v1/accounts/acme/numbers/%2B14155550123/agent"
        syncsHeld.withLock { $0 = true }
        let answer = Locked<TestRouter.Answer?>(nil)
        let answered = DispatchSemaphore(value: 0)
        // The test keeps `router` alive until the thread is done (it waits for `answered`).
        nonisolated(unsafe) let writer = router
        Thread {
            answer.withLock { $0 = try? writer.request("PUT", path, json: #"{"agent_id":"front-desk"}"#) }
            answered.signal()
        }.start()

        // Applied (readers see it) but not durable: no answer yet.
        var visible = false
        for _ in 0..<200 where !visible {
            let number = try router.request("GET", "/v1/accounts/acme/numbers/%2B14155550123")
            visible = number.json["agent_id"] as? String == "front-desk"
            if !visible { usleep(10_000) }
        }
        #expect(visible, "the assignment shows before its fsync")
        #expect(answered.wait(timeout: .now() + 0.3) == .timedOut, "no acknowledgement before the fsync")

        syncsHeld.withLock { $0 = false }
        #expect(answered.wait(timeout: .now() + 10) == .success)
        let put = try #require(answer.withLock { $0 })
        #expect(put.status == 200, "\(put.text)")
        #expect(put.text.contains("front-desk"), "\(put.text)")
    }

    /// The observer of a deferred change runs on the journal's flusher, and a compaction holds the
    /// directory's lock while it waits for that flusher to rotate the journal: an observer that
    /// took the directory's lock (the push once did, for the previous agent's provider id) would
    /// deadlock the two. Reassignments (each with a previous agent) race compactions here, from
    /// several connections; every one must be answered.
    @Test func reassignmentsRacingCompactions_allAnswered() throws {
        let compactions = Atomic<Int>(0)
        let router = try TestRouter(
            seed: WriteAcknowledgementTests.seed,
            configure: { options in
                options.store.compactAfterBytes = 2048
                // A slow disk: the flusher is mostly inside a sync, so a compaction that starts
                // meets it there, with the answers of that batch still to be told.
                options.store.journalFaults = JournalFaults(beforeSync: { usleep(2000) })
                options.store.compactionHook = { step in
                    if step == .snapshotWritten { compactions.add(1, ordering: .relaxed) }
                }
            })
        // A deadlocked router cannot stop: then the test fails and leaves it, rather than hang.
        var stalled = false
        defer { if !stalled { router.stop() } }
        let path = "/v1/accounts/acme/numbers/%2B14155550123/agent"
        let failures = Locked<[String]>([])
        let group = DispatchGroup()
        nonisolated(unsafe) let writer = router  // alive until group.wait() below
        for connection in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                for index in 0..<40 {
                    let agent = (connection + index) % 2 == 0 ? "front-desk" : "back-office"
                    do {
                        let answer = try writer.request("PUT", path, json: #"{"agent_id":"\#(agent)"}"#)
                        if answer.status != 200 { failures.withLock { $0.append("\(answer.status) \(answer.text)") } }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }.start()
        }
        stalled = group.wait(timeout: .now() + 30) == .timedOut
        #expect(!stalled, "writes stalled: flusher and compaction deadlocked?")
        #expect(failures.withLock { $0 } == [])
        #expect(compactions.load(ordering: .relaxed) > 0, "the test needs compactions to race the writes")
    }
}
