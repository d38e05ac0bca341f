import Dispatch
import Glibc
import SwitchboardCore
import SwitchboardPosix

/// `switchboard simulate-providers`: the provider simulator alone, until SIGTERM or SIGINT.
///
/// ```
/// switchboard simulate-providers [--listen HOST:PORT] [--seed] [--threads N]
/// ```
public enum SimulatorCommand {
    /// Exit status for bad arguments (EX_USAGE, sysexits.h).
    public static let usageError: Int32 = 64

    public static let help = """
        Usage: switchboard simulate-providers [--listen HOST:PORT] [--seed] [--threads N]

        Serves Retell, Vapi and Bland's number and call APIs (as ../shared/providers.md
        describes them) on one HTTP server, with a JSON control API, until SIGTERM or SIGINT.
        A provider connection's base_url is http://HOST:PORT/retell, /vapi or /bland.

        Options:
          --listen HOST:PORT  where to listen (default 127.0.0.1:8090; [::1]:PORT for IPv6;
                              port 0 picks a free one)
          --seed              create a demo account per provider with three numbers each,
                              and print their API keys and webhook secrets
          --threads N         event loops (default 1)
          -h, --help          show this help

        Control API: GET http://HOST:PORT/_control lists the endpoints, accounts, faults
        and what clients did (calls created, number updates, every request).
        """

    struct Options: Equatable {
        var host = "127.0.0.1"
        var port: UInt16 = 8090
        var seed = false
        var threads = 1
        var help = false
    }

    struct UsageError: Error, Equatable {
        let message: String
    }

    /// Runs with `arguments` (those after `simulate-providers`); returns the exit status: 0 after
    /// a signal, 64 for bad arguments, 1 when the server cannot start.
    public static func run(arguments: [String]) -> Int32 {
        run(arguments: arguments, output: { line in write(line, to: STDOUT_FILENO) }, errors: { line in write(line, to: STDERR_FILENO) }) {
            simulator in waitForSignal()
        }
    }

    /// The testable core: `waitForStop` returns when the simulator should stop.
    static func run(
        arguments: [String], output: (String) -> Void, errors: (String) -> Void,
        waitForStop: (ProviderSimulator) -> Void
    ) -> Int32 {
        let options: Options
        do {
            options = try parse(arguments)
        } catch {
            errors("switchboard simulate-providers: \(error.message)\nRun switchboard simulate-providers --help for the options.")
            return usageError
        }
        if options.help {
            output(help)
            return 0
        }
        SignalWatcher.ignoreBrokenPipe()
        let simulator = ProviderSimulator(
            configuration: .init(host: options.host, port: options.port, threads: options.threads))
        do {
            try simulator.start()
        } catch {
            errors("switchboard simulate-providers: cannot listen on \(options.host):\(options.port): \(error)")
            return 1
        }
        var lines = ["switchboard simulate-providers: listening on \(ProviderSimulator.url(host: options.host, port: simulator.port ?? 0, path: ""))"]
        for provider in Provider.allCases {
            lines.append("  \(provider.name.padding(7)) base_url \(simulator.baseURL(provider))")
        }
        lines.append("  control base   \(simulator.controlURL)")
        if options.seed {
            do {
                let seeded = try simulator.seedDemo()
                lines.append("seeded demo accounts:")
                for entry in seeded {
                    let secret = entry.account.webhookSecret.map { " webhook_secret=\($0)" } ?? " (webhooks signed with the API key)"
                    lines.append("  \(entry.account.provider.name.padding(7)) api_key=\(entry.account.apiKey)\(secret)")
                    lines.append("          numbers: \(entry.numbers.map { entry.account.provider == .vapi ? "\($0.number) (id \($0.id))" : "\($0.number)" }.joined(separator: ", "))")
                }
            } catch {
                errors("switchboard simulate-providers: seeding failed: \(error.message)")
                simulator.stop()
                return 1
            }
        }
        lines.append("Stop with Ctrl-C (SIGINT) or SIGTERM.")
        output(lines.joined(separator: "\n"))
        waitForStop(simulator)
        simulator.stop()
        output("switchboard simulate-providers: stopped")
        return 0
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var seen = Set<String>()
        var index = 0
        func value(for flag: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                throw UsageError(message: "\(flag) needs a value")
            }
            return arguments[index]
        }
        while index < arguments.count {
            var argument = arguments[index]
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                inline = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            guard !seen.contains(argument) else { throw UsageError(message: "\(argument) is given twice: give it once") }
            seen.insert(argument)
            switch argument {
            case "-h", "--help":
                options.help = true
            case "--seed":
                guard inline == nil else { throw UsageError(message: "--seed takes no value") }
                options.seed = true
            case "--listen":
                let text: String
                if let inline { text = inline } else { text = try value(for: argument) }
                (options.host, options.port) = try parseListen(text)
            case "--threads":
                let text: String
                if let inline { text = inline } else { text = try value(for: argument) }
                guard let threads = Int(text), (1...64).contains(threads) else {
                    throw UsageError(message: "--threads must be a whole number from 1 to 64, not \(text)")
                }
                options.threads = threads
            default:
                throw UsageError(message: "unknown argument \(arguments[index])")
            }
            index += 1
        }
        return options
    }

    /// `HOST:PORT`, `[IPv6]:PORT`; the host must be numeric or `localhost`.
    static func parseListen(_ text: String) throws(UsageError) -> (String, UInt16) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw UsageError(message: "--listen \(text): write an IPv6 address as [::1]:8090")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw UsageError(message: "--listen \(text): write HOST:PORT, e.g. 127.0.0.1:8090")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else {
            throw UsageError(message: "--listen \(text): the port must be a number from 0 to 65535")
        }
        guard isNumericHost(String(host)) else {
            throw UsageError(message: "--listen \(text): the host must be a numeric address (127.0.0.1, ::1) or localhost")
        }
        return (String(host), port)
    }

    private static func isNumericHost(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Blocks until SIGTERM or SIGINT.
    private static func waitForSignal() {
        let semaphore = DispatchSemaphore(value: 0)
        do {
            let watcher = try SignalWatcher(signals: [SIGTERM, SIGINT]) { _ in semaphore.signal() }
            semaphore.wait()
            watcher.stop()
        } catch {
            write("switchboard simulate-providers: cannot watch signals: \(error); stopping", to: STDERR_FILENO)
        }
    }

    /// Unbuffered, so a script reading the base URLs sees them at once.
    private static func write(_ line: String, to fd: Int32) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            offset += count
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
