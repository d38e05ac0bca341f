import Foundation
import SwitchboardServer

/// `switchboard demo`: a router and the provider simulator in one process, on free loopback ports
/// with a temporary data directory, walking through the seed's flows and checking each. Exit 0
/// when every step behaved as the seed says; 1 naming the step that did not; 64 for a bad argument.
public enum DemoCommand {
    public static let usage = """
        Usage: switchboard demo [--verbose]

        Starts a Switchboard router and the built-in Retell, Vapi and Bland simulator on free
        loopback ports, with a temporary data directory, and walks through the seed's flows: numbers
        appear after a sync, assignment from the agent editor and from the numbers page, reassign,
        unassign, an inbound call to an inactive agent, outbound caller IDs. Each step prints what it
        does and checks the result. Exit 0 when every step behaved as described, 1 otherwise (the
        failing step is named). Nothing leaves the machine; nothing is left behind.

          --verbose   also print the router's own log lines (JSON, on stderr)
        """

    public static func run(arguments: [String], output: @escaping (String) -> Void = { print($0) }) -> Int32 {
        run(arguments: arguments, output: output, prepare: { _ in })
    }

    /// `prepare` acts on the started stage before the first step: a test arms a simulator fault
    /// there to see the demo name the step that then misbehaves.
    static func run(arguments: [String], output: @escaping (String) -> Void, prepare: (DemoStage) throws -> Void) -> Int32 {
        var verbose = false
        for argument in arguments {
            switch argument {
            case "--help", "-h":
                output(usage)
                return 0
            case "--verbose": verbose = true
            default:
                output("switchboard demo: unexpected argument '\(argument)' (see --help)")
                return 64
            }
        }
        let stage: DemoStage
        do {
            // The router's own log lines only with --verbose: the demo narrates itself.
            stage = try DemoStage(log: verbose ? .standardError : .disabled)
        } catch {
            output("switchboard demo: could not start the router and the simulator: \(error)")
            return 1
        }
        defer { stage.stop() }
        do {
            try prepare(stage)
        } catch {
            output("switchboard demo: could not prepare the stage: \(error)")
            return 1
        }
        output("Switchboard demo: a router and the provider simulator on loopback.")
        output("  router     \(stage.client.server)   (data in \(stage.data), removed at the end)")
        output("  providers  \(stage.simulator.baseURL(.retell)), …/vapi, …/bland")
        output("  account    \(stage.account) (the embedded default)")
        let script = DemoScript(stage: stage, say: output)
        for (index, step) in script.steps.enumerated() {
            output("\n\(index + 1). \(step.title)")
            do {
                try step.run()
            } catch {
                output("   ✗ \(error)")
                output("\nThe demo stopped: step \(index + 1) (\(step.title)) did not behave as described.")
                return 1
            }
        }
        output("\nAll \(script.steps.count) steps behaved as described.")
        return 0
    }
}
