#if canImport(Glibc)
import Glibc
#endif

// The executable: arguments into a `Command`, then the work. Nothing else lives here.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    let command = try Command.parse(arguments)
    exit(try command.run())
} catch let error as UsageError {
    var standardError = StandardError()
    print("switchboard: \(error.message)\nRun 'switchboard --help' for usage.", to: &standardError)
    exit(64)  // EX_USAGE
} catch {
    var standardError = StandardError()
    print("switchboard: \(error)", to: &standardError)
    exit(1)
}
