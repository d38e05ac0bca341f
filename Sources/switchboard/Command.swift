#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwitchboardClient
import SwitchboardServer
import SwitchboardSimulator
import SwitchboardDemo
import SwitchboardLoad

/// A command line that names a bad argument (exit 64, EX_USAGE).
struct UsageError: Error {
    let message: String
}

/// Writes to file descriptor 2, for `print(_:to:)`. (Glibc's `stderr` is a global `var`, which
/// Swift 6 rightly refuses to share between threads.)
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// Every command the executable understands, parsed from its arguments.
enum Command {
    case help(String)
    case serve(RouterService.Options)
    case snapshotVerify(data: String)
    case snapshotExport(data: String)
    case snapshotImport(data: String, file: String)
    case simulateProviders([String])
    case demo([String])
    case loadtest([String])
    /// `numbers`, `agents`, `assign`, `unassign`: talk to a running router.
    case admin(AdminCommand)

    static let usage = """
        switchboard: a telephony call router for voice-AI agents.

        Usage:
          switchboard serve [--listen HOST:PORT] [--data DIR] [--threads N]
                                                        the router (default 127.0.0.1:8080, ./switchboard-data)
          switchboard demo                              the router and the provider simulator, walking the seed's flows
          switchboard loadtest seed|run|sweep ...       the load-test harness (see switchboard loadtest --help)
          switchboard simulate-providers [--listen HOST:PORT] [--seed]
                                                        Retell, Vapi and Bland APIs on loopback (default 127.0.0.1:8090)
          switchboard numbers [--available] [--provider P] [--status S] [--assigned B]
                                                        list an account's phone numbers (of a running router)
          switchboard agents                            list an account's agents
          switchboard assign NUMBER AGENT               assign a number to an agent (moves it if needed)
          switchboard unassign NUMBER                   return a number to the pool
          switchboard sync [--provider P]               sync numbers from the providers now, and show the result
          switchboard calls AGENT TO [--from NUMBER]    place an outbound call through the agent's provider
          switchboard snapshot verify --data DIR        check a data directory; changes nothing
          switchboard snapshot export --data DIR        write the state as JSON Lines to stdout
          switchboard snapshot import --data DIR FILE   seed an empty data directory from JSON Lines (FILE or - for stdin)
          switchboard --help                            this text

        The admin commands take --server URL, --token TOKEN, --account A and --json.
        Every command takes --help. A bad argument exits 64.
        """

    static let snapshotUsage = """
        Usage:
          switchboard serve [--listen HOST:PORT] [--data DIR] [--threads N]
                                                        the router (default 127.0.0.1:8080, ./switchboard-data)
          switchboard snapshot verify --data DIR
              Loads the newest snapshot and replays the journal without changing any file; reports what it
              found (a torn tail it would cut, damage it cannot repair) and checks the index. Exit 0 when sound.
          switchboard snapshot export --data DIR > state.jsonl
              Writes every account, provider connection, agent and number as JSON Lines (see README).
          switchboard snapshot import --data DIR FILE
              Seeds an empty data directory from JSON Lines. Every line is checked by the routing rules;
              a bad line is reported with its number and nothing is imported.
        """

    static func parse(_ arguments: [String]) throws -> Command {
        guard let first = arguments.first else { return .help(usage) }
        switch first {
        case "--help", "-h", "help": return .help(usage)
        case "snapshot": return try parseSnapshot(Array(arguments.dropFirst()))
        case "serve": return try parseServe(Array(arguments.dropFirst()))
        case "simulate-providers": return .simulateProviders(Array(arguments.dropFirst()))
        case "demo": return .demo(Array(arguments.dropFirst()))
        case "loadtest": return .loadtest(Array(arguments.dropFirst()))
        case "numbers", "agents", "assign", "unassign", "sync", "calls": return try AdminArguments.parse(first, Array(arguments.dropFirst()))
        default: throw UsageError(message: "unknown command '\(first)'")
        }
    }

    static let serveUsage = """
        Usage: switchboard serve [--listen HOST:PORT] [--data DIR] [--threads N] [--sync-interval SECONDS] [limits]

          --listen HOST:PORT       where to listen (default 127.0.0.1:8080; port 0 picks a free one)
          --data DIR               the data directory (default ./switchboard-data; created if missing)
          --threads N              event-loop threads (default: one per core)
          --sync-interval SECONDS  how often every provider's numbers are synced (default 300, ±10% jitter)

        Limits (each refused with its own status):
          --max-connections N      open connections; beyond, new ones get 503 and close (default 10000)
          --header-timeout SECONDS a request must be complete this long after it starts (default 10; 408)
          --idle-timeout SECONDS   a keep-alive connection may wait this long for its next request (default 60)
          --max-request-line BYTES request line (default 8192; 414)
          --max-header-bytes BYTES header block (default 16384; 431)
          --max-headers N          header fields (default 100; 431)
          --max-body-bytes BYTES   request body (default 1048576; 413)

        The admin token comes from SWITCHBOARD_ADMIN_TOKEN; without it the router creates one in
        DIR/admin-token (mode 0600) and logs where. SIGTERM or SIGINT stops it gracefully.
        """

    static func parseServe(_ arguments: [String]) throws -> Command {
        var options = RouterService.Options()
        var index = 0
        func value(_ name: String) throws -> String {
            guard index + 1 < arguments.count else { throw UsageError(message: "\(name) needs a value") }
            index += 1
            return arguments[index]
        }
        func number(_ name: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let number = Int(try value(name)), range.contains(number) else {
                throw UsageError(message: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--help", "-h": return .help(serveUsage)
            case "--listen":
                let text = try value("--listen")
                guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), colon != text.startIndex else {
                    throw UsageError(message: "--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
                }
                options.host = String(text[..<colon])
                options.port = port
            case "--data":
                options.data = try value("--data")
                guard !options.data.isEmpty else { throw UsageError(message: "--data needs a directory") }
            case "--threads":
                guard let threads = Int(try value("--threads")), (1...256).contains(threads) else {
                    throw UsageError(message: "--threads must be a whole number from 1 to 256")
                }
                options.threads = threads
            case "--sync-interval":
                guard let seconds = Int(try value("--sync-interval")), (1...86_400).contains(seconds) else {
                    throw UsageError(message: "--sync-interval must be a whole number of seconds from 1 to 86400")
                }
                options.syncInterval = .seconds(seconds)
            case "--max-connections":
                options.maxConnections = try number("--max-connections", 1...1_000_000)
            case "--header-timeout":
                options.headerTimeout = .seconds(try number("--header-timeout", 1...3600))
            case "--idle-timeout":
                options.idleTimeout = .seconds(try number("--idle-timeout", 1...86_400))
            case "--max-request-line":
                options.limits.maxRequestLineLength = try number("--max-request-line", 256...1 << 20)
            case "--max-header-bytes":
                options.limits.maxHeaderBytes = try number("--max-header-bytes", 1024...1 << 24)
            case "--max-headers":
                options.limits.maxHeaderCount = try number("--max-headers", 8...10_000)
            case "--max-body-bytes":
                options.limits.maxBodyBytes = try number("--max-body-bytes", 1024...1 << 30)
            case let other:
                throw UsageError(message: "unknown option '\(other)' for serve")
            }
            index += 1
        }
        return .serve(options)
    }

    static func parseSnapshot(_ arguments: [String]) throws -> Command {
        guard let action = arguments.first else { throw UsageError(message: "snapshot needs an action: verify, export or import") }
        if action == "--help" || action == "-h" { return .help(snapshotUsage) }
        var data: String?
        var positional: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--help", "-h": return .help(snapshotUsage)
            case "--data":
                guard index + 1 < arguments.count else { throw UsageError(message: "--data needs a directory") }
                data = arguments[index + 1]
                index += 1
            default:
                if argument.hasPrefix("--data=") {
                    data = String(argument.dropFirst("--data=".count))
                } else if argument.hasPrefix("-") && argument != "-" {
                    throw UsageError(message: "unknown option '\(argument)' for snapshot \(action)")
                } else {
                    positional.append(argument)
                }
            }
            index += 1
        }
        guard let data, !data.isEmpty else { throw UsageError(message: "snapshot \(action) needs --data DIR") }
        switch action {
        case "verify", "export":
            guard positional.isEmpty else { throw UsageError(message: "unexpected argument '\(positional[0])' for snapshot \(action)") }
            return action == "verify" ? .snapshotVerify(data: data) : .snapshotExport(data: data)
        case "import":
            guard positional.count == 1 else { throw UsageError(message: "snapshot import needs exactly one FILE (or - for stdin)") }
            return .snapshotImport(data: data, file: positional[0])
        default:
            throw UsageError(message: "unknown snapshot action '\(action)': use verify, export or import")
        }
    }

    func run() throws -> Int32 {
        switch self {
        case .help(let text):
            print(text)
            return 0
        case .serve(let options): return RouterService.run(options)
        case .snapshotVerify(let data): return SnapshotCommands.verify(data: data)
        case .snapshotExport(let data): return try SnapshotCommands.export(data: data)
        case .snapshotImport(let data, let file): return try SnapshotCommands.importLines(data: data, file: file)
        case .simulateProviders(let arguments): return SimulatorCommand.run(arguments: arguments)
        case .demo(let arguments): return DemoCommand.run(arguments: arguments)
        case .loadtest(let arguments): return LoadTestCommand.run(arguments: arguments)
        case .admin(let command):
            var standardError = StandardError()
            return command.run(output: { FileHandle.standardOutput.write(Data($0.utf8)) }, errors: { print($0, terminator: "", to: &standardError) })
        }
    }
}
