#if canImport(Glibc)
import Glibc
#endif

/// A command line that names a bad argument.
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
