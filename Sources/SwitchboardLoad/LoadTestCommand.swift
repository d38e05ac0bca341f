import Foundation
import Glibc
import SwitchboardCore
import SwitchboardPosix
import SwitchboardSimulator

/// `switchboard loadtest …`: the harness's command line. The executable passes the arguments
/// after `loadtest`; this parses them itself and returns the exit status.
///
/// Exit status: 0 the command did its work; 1 it ran but something is wrong (a wrong answer, no
/// answer at all, an output file that could not be written, a data directory that could not be
/// seeded); 64 a bad argument (the message names it).
public enum LoadTestCommand {
    public static let usageExit: Int32 = 64

    public static func run(arguments: [String]) -> Int32 {
        guard let subcommand = arguments.first else {
            printError("loadtest needs a subcommand: seed, run or sweep (see loadtest --help)")
            return usageExit
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch subcommand {
            case "--help", "-h", "help":
                print(LoadTestHelp.overview)
                return 0
            case "seed":
                if rest.contains("--help") { print(LoadTestHelp.seed); return 0 }
                return try seed(rest)
            case "run":
                if rest.contains("--help") { print(LoadTestHelp.run); return 0 }
                return try runLoad(rest)
            case "sweep":
                if rest.contains("--help") { print(LoadTestHelp.sweep); return 0 }
                return try sweep(rest)
            case "simulate":
                if rest.contains("--help") { print(LoadTestHelp.simulate); return 0 }
                return try simulate(rest)
            case "wrk-script":
                if rest.contains("--help") { print(LoadTestHelp.wrkScript); return 0 }
                return try wrkScript(rest)
            default:
                printError("unknown loadtest subcommand '\(subcommand)': use seed, run, sweep or simulate (see loadtest --help)")
                return usageExit
            }
        } catch let error as UsageError {
            printError(error.error.message)
            return usageExit
        } catch {
            printError("\(error)")
            return 1
        }
    }

    /// A bad argument (exit 64), as opposed to a failure while working (exit 1).
    struct UsageError: Error {
        let error: LoadTestError
    }

    /// Runs argument handling: its `LoadTestError`s are usage errors.
    static func usage<Value>(_ body: () throws -> Value) throws -> Value {
        do { return try body() } catch let error as LoadTestError { throw UsageError(error: error) }
    }

    // MARK: seed

    static func seed(_ arguments: [String]) throws -> Int32 {
        let reader = try usage { try ArgumentReader(arguments, command: "loadtest seed", valued: LoadTestOptions.dataSetOptions.union(["data"])) }
        guard let path = reader.string("data") else { throw UsageError(error: LoadTestError("loadtest seed needs --data DIR: the data directory to create")) }
        let spec = try usage { try LoadTestOptions.dataSetSpec(reader) }
        let dataSet = try usage { try DataSet(spec) }
        do {
            try dataSet.seed(at: path)
        } catch {
            printError("cannot seed \(path): \(error)")
            return 1
        }
        let counts = dataSet.categoryCounts
        let known = dataSet.numberCount - (counts[.unknown] ?? 0)
        print("seeded \(path): \(spec.accounts) accounts, \(spec.accounts * 3) provider connections, \(dataSet.agentCount) agents, \(known) numbers")
        print("  " + NumberCategory.allCases.map { "\($0.name) \(counts[$0] ?? 0)" }.joined(separator: ", ") + " (unknown numbers are not in the router)")
        print("serve it:  SWITCHBOARD_ADMIN_TOKEN=… switchboard serve --data \(path)")
        print("load it:   switchboard loadtest run --numbers \(spec.numbers) --seed \(spec.seed) --accounts \(spec.accounts) …  (the same data-set options)")
        return 0
    }

    // MARK: simulate

    /// The provider simulator holding the data set's accounts and numbers, so the router's pushes
    /// and syncs during a run succeed; until SIGTERM or SIGINT.
    static func simulate(_ arguments: [String]) throws -> Int32 {
        let reader = try usage { try ArgumentReader(arguments, command: "loadtest simulate", valued: LoadTestOptions.dataSetOptions.union(["listen"])) }
        let spec = try usage { try LoadTestOptions.dataSetSpec(reader) }
        let dataSet = try usage { try DataSet(spec) }
        let (host, port) = try usage { try LoadTestOptions.hostAndPort(reader.string("listen") ?? "127.0.0.1:8090") }
        let simulator = ProviderSimulator(configuration: .init(host: host, port: port, threads: 1))
        do {
            try simulator.start()
            try dataSet.register(in: simulator)
        } catch {
            printError("loadtest simulate: \(error)")
            simulator.stop()
            return 1
        }
        // Unbuffered, so a script waiting for this line sees it at once.
        FileHandle.standardOutput.write(Data("loadtest simulate: the data set's providers on http://\(host):\(simulator.port ?? port) (\(spec.accounts * 3) accounts); stop with SIGTERM or Ctrl-C\n".utf8))
        SignalWatcher.ignoreBrokenPipe()
        let stopped = DispatchSemaphore(value: 0)
        do {
            let watcher = try SignalWatcher(signals: [SIGTERM, SIGINT]) { _ in stopped.signal() }
            stopped.wait()
            watcher.stop()
        } catch {
            printError("loadtest simulate: cannot watch signals: \(error)")
        }
        simulator.stop()
        return 0
    }

    // MARK: wrk-script

    /// A Lua script for wrk that sends the harness's own signed webhooks (valid 5 minutes), so an
    /// independent client can replay the same load.
    static func wrkScript(_ arguments: [String]) throws -> Int32 {
        let reader = try usage {
            try ArgumentReader(arguments, command: "loadtest wrk-script", valued: LoadTestOptions.dataSetOptions.union(["provider", "count", "out", "target"]))
        }
        let spec = try usage { try LoadTestOptions.dataSetSpec(reader) }
        let dataSet = try usage { try DataSet(spec) }
        guard let out = reader.string("out") else { throw UsageError(error: LoadTestError("loadtest wrk-script needs --out FILE")) }
        let providerName = reader.string("provider") ?? "retell"
        guard let provider = Provider(name: providerName) else { throw UsageError(error: LoadTestError("--provider must be retell, vapi or bland")) }
        let count = try usage { try reader.integer("count", default: 1000, in: 1...100_000) }
        let (host, port) = try usage { try LoadTestOptions.hostAndPort(reader.string("target") ?? "127.0.0.1:8080") }
        let factory = RequestFactory(dataSet: dataSet, host: "\(host):\(port)", adminToken: nil, poolSize: count)
        let millis = Int64(Date().timeIntervalSince1970 * 1000)
        let routed = dataSet.numbersByProvider[Int(provider.rawValue)].filter { dataSet.category(ofNumber: Int($0)) == .routed }.prefix(count)
        var lua = "-- \(routed.count) signed \(provider) webhooks to routed numbers (signed at \(millis) ms: valid 5 minutes)\nlocal requests = {\n"
        for index in routed {
            // A quoted Lua string with escapes: Lua's long strings would turn CRLF into LF.
            var quoted = "\""
            for byte in factory.webhook(number: Int(index), unixMillis: millis) {
                switch byte {
                case UInt8(ascii: "\\"): quoted += "\\\\"
                case UInt8(ascii: "\""): quoted += "\\\""
                case 0x0D: quoted += "\\r"
                case 0x0A: quoted += "\\n"
                case 0x20..<0x7F: quoted.unicodeScalars.append(Unicode.Scalar(byte))
                default: quoted += "\\" + String(byte)
                }
            }
            lua += quoted + "\",\n"
        }
        lua += "}\nlocal i = 0\nrequest = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n"
        do {
            try lua.write(toFile: out, atomically: true, encoding: String.Encoding.utf8)
        } catch {
            printError("loadtest wrk-script: cannot write \(out): \(error)")
            return 1
        }
        return 0
    }

    // MARK: run

    static func runLoad(_ arguments: [String]) throws -> Int32 {
        let reader = try usage { try ArgumentReader(arguments, command: "loadtest run", valued: LoadTestOptions.runOptions.union(["rate"]), switches: LoadTestOptions.switches) }
        let dataSet = try usage { try DataSet(LoadTestOptions.dataSetSpec(reader)) }
        var configuration = try usage { try LoadTestOptions.configuration(reader) }
        if reader.has("rate") {
            configuration.mode = .openLoop(ratePerSecond: try usage { try reader.number("rate", default: 0, in: 0.001...10_000_000, unit: "a rate per second") })
        }
        let test = try usage { try LoadTest(configuration: configuration, dataSet: dataSet) }
        let quiet = reader.has("quiet")
        printError("loadtest: \(LoadTestHelp.describe(configuration)); \(dataSet.numberCount) numbers (seed \(dataSet.spec.seed))")
        let progress = quiet ? nil : LoadTestCommand.progressLine
        let result = try test.run(progress: progress)
        print(LoadReport.text(result), terminator: "")
        if let path = reader.string("json") { try write(LoadReport.json(result), to: path) }
        if let path = reader.string("svg") { try write(LatencyChart.percentilePlot(result), to: path) }
        return verdict(result, target: configuration)
    }

    static func verdict(_ result: LoadResult, target configuration: LoadConfiguration) -> Int32 {
        if result.restoreIncomplete || result.restoreErrors > 0 {
            printError("loadtest: the router was not fully restored to the seeded state: seed a fresh data directory before the next run")
        }
        if result.errors(.wrongAnswer) > 0 {
            printError("loadtest: \(result.errors(.wrongAnswer)) wrong answers: the router answered with the wrong agent, refusal or caller ID")
            return 1
        }
        if result.overall.correct == 0 {
            printError("loadtest: no correct answers: is the router serving the same data set at \(configuration.host):\(configuration.port)?")
            return 1
        }
        return 0
    }

    // MARK: sweep

    static func sweep(_ arguments: [String]) throws -> Int32 {
        let reader = try usage { try ArgumentReader(arguments, command: "loadtest sweep", valued: LoadTestOptions.runOptions.union(["rates"]), switches: LoadTestOptions.switches) }
        guard let list = reader.string("rates") else { throw UsageError(error: LoadTestError("loadtest sweep needs --rates R1,R2,…: the open-loop rates to run")) }
        var rates: [Double] = []
        for part in list.split(separator: ",", omittingEmptySubsequences: false) {
            guard let rate = Double(part), rate.isFinite, rate > 0, rate <= 10_000_000 else {
                throw UsageError(error: LoadTestError("--rates: '\(part)' is not a rate per second above 0 and at most 10000000"))
            }
            rates.append(rate)
        }
        let dataSet = try usage { try DataSet(LoadTestOptions.dataSetSpec(reader)) }
        let configuration = try usage { try LoadTestOptions.configuration(reader) }
        let quiet = reader.has("quiet")
        var wrong: UInt64 = 0
        let progress = quiet ? nil : LoadTestCommand.progressLine
        let points = try LoadSweep.run(
            rates: rates, configuration: configuration, dataSet: dataSet,
            each: { rate, result in
                wrong += result.errors(.wrongAnswer)
                printError("loadtest sweep: \(Format.fixed(rate, 0))/s → \(Format.fixed(result.throughput, 1)) correct/s, p99 \(Format.latency(result.overall.latency.value(atPercentile: 99))), errors \(result.totalErrors)")
            },
            progress: progress)
        print(LoadSweep.text(points), terminator: "")
        if let path = reader.string("json") { try write(LoadSweep.json(points), to: path) }
        if let path = reader.string("svg") { try write(LatencyChart.sweepPlot(points), to: path) }
        if wrong > 0 {
            printError("loadtest sweep: \(wrong) wrong answers")
            return 1
        }
        return 0
    }

    // MARK: Output

    /// Prints a progress line on stderr.
    static let progressLine: @Sendable (LoadProgress) -> Void = { progress in
        printError(progress.line)
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw LoadTestError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
