import SwitchboardDemo
import Testing

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
}
