#if canImport(Glibc)
import Glibc
#endif

/// A command line that names a bad argument.
struct UsageError: Error {
    let message: String
}

/// Writes to stderr, for `print(_:to:)`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { fputs(string, stderr) }
}

/// Every command the executable understands, parsed from its arguments.
enum Command {
    case help(topic: String?)

    static let usage = """
        switchboard: a telephony call router for voice-AI agents.

        Usage:
          switchboard snapshot verify --data DIR        check a data directory, change nothing
          switchboard snapshot export --data DIR        write the state as JSON Lines to stdout
          switchboard snapshot import --data DIR FILE   seed an empty data directory from JSON Lines
          switchboard --help                            this text

        Every command takes --help.
        """

    static func parse(_ arguments: [String]) throws -> Command {
        guard let first = arguments.first else { return .help(topic: nil) }
        switch first {
        case "--help", "-h", "help": return .help(topic: nil)
        default: throw UsageError(message: "unknown command '\(first)'")
        }
    }

    func run() throws -> Int32 {
        switch self {
        case .help:
            print(Command.usage)
            return 0
        }
    }
}
