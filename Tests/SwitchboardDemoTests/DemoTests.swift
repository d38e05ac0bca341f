import SwitchboardSimulator
import Testing

@testable import SwitchboardDemo

/// The newcomer's demo runs every step of the seed's flows against a real router and simulator.
@Suite struct DemoTests {
    @Test func demo_everyStepBehaves() {
        var lines: [String] = []
        let status = DemoCommand.run(arguments: [], output: { lines.append($0) })
        let text = lines.joined(separator: "\n")
        #expect(status == 0, "\(text)")
        #expect(text.contains("All 7 steps behaved as described."))
        #expect(!text.contains("✗"))
    }

    @Test func demo_badArgument_is64() {
        var lines: [String] = []
        #expect(DemoCommand.run(arguments: ["--nope"], output: { lines.append($0) }) == 64)
        #expect(lines.joined().contains("--nope"))
    }

    /// A provider that misbehaves makes the demo stop at the step that meets it: exit 1, the step
    /// named by number and title, and the cause printed; the steps before it still pass.
    @Test(arguments: [
        (SimulatorEndpoint.retellListPhoneNumbers, SimulatorFault.status(500, jsonBody: true), 1, "Numbers bought at each provider appear after a sync", "500"),
        (.retellCreatePhoneCall, .rateLimited(retryAfterSeconds: 9), 7, "Outbound calls: the agent's number, another number, or refused without one", "provider_rate_limited (HTTP 502)"),
    ])
    func demo_misbehavingStep_exitsNonZeroNamingIt(endpoint: SimulatorEndpoint, fault: SimulatorFault, step: Int, title: String, cause: String) {
        var lines: [String] = []
        let status = DemoCommand.run(arguments: [], output: { lines.append($0) }, prepare: { stage in
            try stage.simulator.injectFault(fault, on: endpoint)
        })
        let text = lines.joined(separator: "\n")
        #expect(status == 1, "\(text)")
        #expect(text.contains("The demo stopped: step \(step) (\(title)) did not behave as described."), "\(text)")
        #expect(text.contains("✗") && text.contains(cause), "\(text)")
        #expect(!text.contains("All 7 steps"))
        let started = lines.filter { $0.first == "\n" && $0.dropFirst().first?.isNumber == true }
        #expect(started.count == step, "steps started: \(started)")
    }
}
