import Foundation
import SwitchboardCore
import SwitchboardStore
import Testing

@testable import SwitchboardServer

/// Fail-stop: once the journal cannot make a change durable, the router answers nothing more from
/// its memory (which may hold what the disk lacks) and asks `run` to exit non-zero.
@Suite struct JournalFailureTests {
    @Test func failedFsync_answersTheWriteWithAnErrorRefusesEverythingAfterAndRequestsTheStop() throws {
        let failing = Locked(false)
        let router = try TestRouter(
            seed: { directory in
                let acme = try Identifier("acme")
                _ = try directory.createAccount(id: acme, name: "Acme")
                try directory.putAgent(
                    AgentSpec(account: acme, id: try Identifier("front-desk"), name: "Front desk", provider: .retell, providerAgentID: "agent_8f", status: .active))
                try directory.putNumber(
                    NumberSpec(account: acme, number: E164(key: 14155550123)!, provider: .retell, providerNumberID: "pn", status: .active, agentID: nil))
            },
            configure: { options in
                options.store.journalFaults = JournalFaults(beforeSync: {
                    if failing.withLock({ $0 }) { throw SystemError(call: "fdatasync", errno: EIO, path: nil) }
                })
            })
        defer { router.stop() }
        let path = "/v1/accounts/acme/numbers/%2B14155550123/agent"
        #expect(try router.request("GET", "/v1/accounts/acme/numbers").status == 200)
        #expect(router.service.journalFailure == nil)
        #expect(!router.service.stopRequested.tryWait())

        failing.withLock { $0 = true }
        let failed = try router.request("PUT", path, json: #"{"agent_id":"front-desk"}"#)
        #expect(failed.status == 503, "\(failed.text)")
        #expect((failed.json["error"] as? [String: Any])?["code"] as? String == "journal_failed", "\(failed.text)")
        let failure = try #require(router.service.journalFailure)
        #expect(failure.call == "fdatasync" && failure.errno == EIO)
        #expect(router.service.stopRequested.tryWait(), "run() was asked to stop (and return 1)")

        // The assignment is in memory but was never acknowledged: nothing is read from memory now.
        for (method, target) in [("GET", "/v1/accounts/acme/numbers"), ("GET", path.replacingOccurrences(of: "/agent", with: "")), ("GET", "/readyz")] {
            let answer = try router.request(method, target)
            #expect(answer.status == 503, "\(method) \(target): \(answer.text)")
            #expect((answer.json["error"] as? [String: Any])?["code"] as? String == "journal_failed")
        }
        #expect(try router.request("DELETE", path).status == 503)
    }
}
