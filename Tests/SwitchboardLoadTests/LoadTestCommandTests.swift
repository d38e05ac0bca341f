import Foundation
import SwitchboardStore
import Testing

@testable import SwitchboardLoad

@Suite(.serialized) struct LoadTestCommandTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sb-loadtest-\(name)-\(UUID().uuidString)").path
    }

    @Test func command_badArguments_exit64() {
        #expect(LoadTestCommand.run(arguments: []) == 64)
        #expect(LoadTestCommand.run(arguments: ["launch"]) == 64)
        #expect(LoadTestCommand.run(arguments: ["run"]) == 64)  // no --numbers
        #expect(LoadTestCommand.run(arguments: ["run", "--numbers", "ten"]) == 64)
        #expect(LoadTestCommand.run(arguments: ["run", "--numbers", "10", "--bogus", "1"]) == 64)
        #expect(LoadTestCommand.run(arguments: ["run", "--numbers", "10", "--rate"]) == 64)
        #expect(LoadTestCommand.run(arguments: ["run", "--numbers", "10", "--target", "example.com"]) == 64)
        #expect(LoadTestCommand.run(arguments: ["run", "--numbers", "10", "--mix", "caller-id=1"]) == 64)  // needs a token
        #expect(LoadTestCommand.run(arguments: ["seed", "--numbers", "10"]) == 64)  // no --data
        #expect(LoadTestCommand.run(arguments: ["sweep", "--numbers", "10", "--rates", "100,x"]) == 64)
    }

    @Test func command_help_exits0() {
        for arguments in [["--help"], ["seed", "--help"], ["run", "--help"], ["sweep", "--help"]] {
            #expect(LoadTestCommand.run(arguments: arguments) == 0)
        }
    }

    @Test func options_problems_nameTheArgument() throws {
        func problem(_ arguments: [String]) -> String? {
            do {
                let reader = try ArgumentReader(arguments, command: "loadtest run", valued: LoadTestOptions.runOptions)
                _ = try LoadTestOptions.dataSetSpec(reader)
                _ = try LoadTestOptions.configuration(reader)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(problem(["--numbers", "10", "--connections", "0"])?.contains("--connections") == true)
        #expect(problem(["--numbers", "10", "--duration", "-1"])?.contains("--duration") == true)
        #expect(problem(["--numbers", "10", "--provider-mix", "retell=1,skype=2"])?.contains("--provider-mix") == true)
        #expect(problem(["--numbers", "10", "--mix", "retell"])?.contains("mix") == true)
        #expect(problem(["--numbers", "10", "--wat"])?.contains("--wat") == true)
        #expect(problem(["--numbers", "10", "--numbers", "11"])?.contains("--numbers") == true)
        #expect(problem(["--numbers", "10", "--target", "[::1]:8080", "--threads", "1", "--connections=1"]) == nil)
        #expect(try LoadTestOptions.hostAndPort("[::1]:9") == ("::1", 9))
    }

    @Test func command_seed_writesADirectoryOnceAndRefusesASecondTime() throws {
        let path = Self.temporary("seed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(LoadTestCommand.run(arguments: ["seed", "--data", path, "--numbers", "400", "--seed", "9", "--accounts", "2"]) == 0)
        let (directory, _) = try Store.read(at: path)
        let dataSet = try DataSet(DataSetSpec(numbers: 400, seed: 9, accounts: 2))
        #expect(directory.image() == (try dataSet.makeDirectory()).image())
        #expect(LoadTestCommand.run(arguments: ["seed", "--data", path, "--numbers", "400"]) == 1)
    }

    @Test func command_runAndSweep_againstAFakeRouter_writeReportsAndExit0() throws {
        let dataSet = try DataSet(DataSetSpec(numbers: 400, seed: 4, accounts: 2))
        let router = try FakeRouter(dataSet: dataSet)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        let json = Self.temporary("json"), svg = Self.temporary("svg"), sweepSVG = Self.temporary("sweep")
        defer { [json, svg, sweepSVG].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let common = [
            "--numbers", "400", "--seed", "4", "--accounts", "2", "--target", "127.0.0.1:\(server.boundPort!)", "--connections", "2",
            "--warmup", "0.1", "--duration", "0.3", "--quiet", "--admin-token", "test-admin", "--mix", "retell=1,vapi=1,bland=1,caller-id=1",
        ]
        #expect(LoadTestCommand.run(arguments: ["run"] + common + ["--json", json, "--svg", svg, "--writes", "20"]) == 0)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect((report?["overall"] as? [String: Any])?["correct"] as? Int ?? 0 > 0)
        #expect(LatencyChartTests.parse(try String(contentsOfFile: svg, encoding: .utf8)).ok)
        #expect(LoadTestCommand.run(arguments: ["sweep"] + common + ["--rates", "100,300", "--svg", sweepSVG]) == 0)
        #expect(LatencyChartTests.parse(try String(contentsOfFile: sweepSVG, encoding: .utf8)).ok)
    }

    @Test func command_run_againstAWrongRouter_exits1() throws {
        let dataSet = try DataSet(DataSetSpec(numbers: 400, seed: 4, accounts: 2))
        let router = try FakeRouter(dataSet: dataSet, wrongAgentFor: { _ in true })
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        let arguments = [
            "run", "--numbers", "400", "--seed", "4", "--accounts", "2", "--target", "127.0.0.1:\(server.boundPort!)",
            "--connections", "2", "--warmup", "0", "--duration", "0.2", "--quiet",
        ]
        #expect(LoadTestCommand.run(arguments: arguments) == 1)
    }
}
