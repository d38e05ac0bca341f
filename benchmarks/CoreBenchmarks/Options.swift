/// What the command line asked for: `CoreBenchmarks [all|GROUP...] [--runs N] [--quick] [--allow-debug]`.
struct Options {
    /// Names of the groups to run, in the order of `BenchmarkGroup.all`; empty means all.
    var groups: [String] = []
    /// Measured runs per benchmark (a warm-up run comes first and is thrown away).
    var runs = 7
    /// Small sizes and one run: a CI smoke test that goes through every code path, not a measurement.
    var quick = false
    /// Directory sizes (numbers) instead of each group's own: for profiling one size.
    var sizes: [Int]?
    /// Run even when built without optimisation (figures meaningless; verdicts not given).
    var allowDebug = false

    static let usage = """
        usage: CoreBenchmarks [all|\(BenchmarkGroup.all.map(\.name).joined(separator: "|"))]... [--runs N] [--quick] [--allow-debug]

          --runs N        measured runs per benchmark after one warm-up run (default 7, at least 1)
          --quick         small sizes and one run: checks every path works, measures nothing
          --numbers N     directory size instead of the groups' own (repeatable; memory takes the largest)
          --allow-debug   run a debug build anyway (figures meaningless, no verdicts)

        groups:
        \(BenchmarkGroup.all.map { "  \($0.name.padding(12))\($0.summary)" }.joined(separator: "\n"))
        """

    enum ParseError: Error, CustomStringConvertible {
        case help
        case invalid(String)

        var description: String {
            switch self {
            case .help: Options.usage
            case .invalid(let message): "\(message)\n\n\(Options.usage)"
            }
        }
    }

    init(arguments: some Sequence<String>) throws(ParseError) {
        var iterator = arguments.makeIterator()
        var runsGiven = false
        while let argument = iterator.next() {
            switch argument {
            case "--help", "-h": throw .help
            case "--quick": quick = true
            case "--allow-debug": allowDebug = true
            case "--runs":
                guard let text = iterator.next(), let value = Int(text), value >= 1 else {
                    throw .invalid("--runs needs a whole number of at least 1")
                }
                runs = value
                runsGiven = true
            case "--numbers":
                guard let text = iterator.next(), let value = Int(text), value >= 100 else {
                    throw .invalid("--numbers needs a whole number of at least 100")
                }
                sizes = (sizes ?? []) + [value]
            case "all": groups = BenchmarkGroup.all.map(\.name)
            default:
                guard BenchmarkGroup.all.contains(where: { $0.name == argument }) else {
                    throw .invalid("unknown benchmark group or option '\(argument)'")
                }
                if !groups.contains(argument) { groups.append(argument) }
            }
        }
        if groups.isEmpty { groups = BenchmarkGroup.all.map(\.name) }
        if quick && !runsGiven { runs = 1 }
    }
}
