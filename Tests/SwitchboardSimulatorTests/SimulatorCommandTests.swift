import Foundation
import SwitchboardCore
import SwitchboardPosix
import Testing

@testable import SwitchboardSimulator

@Suite struct SimulatorCommandTests {
    @Test func parse_noArguments_defaults() throws {
        let options = try SimulatorCommand.parse([])
        #expect(options == SimulatorCommand.Options(host: "127.0.0.1", port: 8090, seed: false, threads: 1, help: false))
    }

    @Test func parse_listenForms_accepted() throws {
        #expect(try SimulatorCommand.parse(["--listen", "127.0.0.1:0"]).port == 0)
        #expect(try SimulatorCommand.parse(["--listen=localhost:9000"]).host == "localhost")
        let v6 = try SimulatorCommand.parse(["--listen", "[::1]:8091", "--seed", "--threads", "2"])
        #expect(v6.host == "::1" && v6.port == 8091 && v6.seed && v6.threads == 2)
    }

    @Test(arguments: [
        (["--port", "1"], "--port"),
        (["--listen"], "--listen"),
        (["--listen", "8090"], "8090"),
        (["--listen", "example.com:80"], "example.com"),
        (["--listen", "127.0.0.1:70000"], "70000"),
        (["--listen", "[::1]8090"], "[::1]8090"),
        (["--threads", "0"], "--threads"),
        (["--seed", "--seed"], "--seed"),
        (["--seed=yes"], "--seed"),
        (["serve"], "serve"),
    ])
    func parse_badArgument_errorNamesIt(arguments: [String], named: String) {
        #expect {
            _ = try SimulatorCommand.parse(arguments)
        } throws: { error in
            (error as? SimulatorCommand.UsageError)?.message.contains(named) == true
        }
    }

    @Test func run_badArgument_returns64AndSaysWhy() {
        let errors = Locked<[String]>([])
        let status = SimulatorCommand.run(
            arguments: ["--bogus"], output: { _ in }, errors: { line in errors.withLock { $0.append(line) } },
            waitForStop: { _ in Issue.record("started despite a bad argument") })
        #expect(status == 64)
        #expect(errors.withLock { $0.joined() }.contains("--bogus"))
    }

    @Test func run_help_returns0WithUsage() {
        let output = Locked<String>("")
        let status = SimulatorCommand.run(
            arguments: ["--help"], output: { line in output.withLock { $0 += line } }, errors: { _ in },
            waitForStop: { _ in Issue.record("started for --help") })
        #expect(status == 0)
        #expect(output.withLock { $0 }.contains("--listen HOST:PORT"))
    }

    @Test func run_seed_servesSeededAccountsThenStops() throws {
        let output = Locked<[String]>([])
        let checked = Locked<Bool>(false)
        let status = SimulatorCommand.run(
            arguments: ["--listen", "127.0.0.1:0", "--seed"], output: { line in output.withLock { $0.append(line) } },
            errors: { line in Issue.record("\(line)") },
            waitForStop: { simulator in
                let port = simulator.port!
                let response = try? LoopbackHTTPClient.send(
                    host: "127.0.0.1", port: port, method: "GET", path: "/bland/v1/inbound",
                    headers: [("authorization", "sim_bland_demo")], timeout: .seconds(3))
                #expect(response?.status == 200)
                #expect((try? SimulatorJSON.parse(response?.body ?? []))?["inbound_numbers"]?.elements?.count == 3)
                checked.withLock { $0 = true }
            })
        #expect(status == 0)
        #expect(checked.withLock { $0 })
        let text = output.withLock { $0.joined(separator: "\n") }
        #expect(text.contains("/retell"))
        #expect(text.contains("/_control"))
        #expect(text.contains("api_key=key_sim_retell_demo"))
        #expect(text.contains("webhook_secret=whsec_sim_vapi_demo"))
        #expect(text.contains("stopped"))
    }

    @Test func run_portTaken_returns1() throws {
        let holder = ProviderSimulator()
        try holder.start()
        defer { holder.stop() }
        let errors = Locked<String>("")
        let status = SimulatorCommand.run(
            arguments: ["--listen", "127.0.0.1:\(holder.port!)"], output: { _ in },
            errors: { line in errors.withLock { $0 += line } }, waitForStop: { _ in Issue.record("started on a taken port") })
        #expect(status == 1)
        #expect(errors.withLock { $0 }.contains("cannot listen"))
    }
}
