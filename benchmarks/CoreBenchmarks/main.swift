import BenchmarkSupport
import CAllocationCounter
#if canImport(Glibc)
import Glibc
#endif

// CoreBenchmarks: the hot-path goals of the routing index, each against a naive baseline measured
// in the same run (STYLE.md habit 10). `swift run -c release CoreBenchmarks --help` for usage.

/// What every group gets: the options, the goal report, and fixtures shared between groups.
final class BenchmarkContext {
    let options: Options
    let report: Report
    let fixtures = FixtureCache()

    init(options: Options, report: Report) {
        self.options = options
        self.report = report
    }
}

/// A named set of benchmarks. To add one (the store's snapshot load and durable writes, say), write
/// `enum StoreBenchmarks { static func run(_ context: BenchmarkContext) }` and list it in `all`.
struct BenchmarkGroup {
    let name: String
    let summary: String
    let run: (BenchmarkContext) -> Void

    /// In the order `all` runs them. Memory comes first: its RSS delta wants a fresh heap.
    static var all: [BenchmarkGroup] {
        [
            BenchmarkGroup(name: "memory", summary: "index bytes per number and Directory.load time at 1M numbers", run: MemoryBenchmarks.run),
            BenchmarkGroup(name: "lookup", summary: "inbound decisions/s at 100k and 1M numbers, 1 and 2 threads", run: LookupBenchmarks.run),
            BenchmarkGroup(name: "callerid", summary: "caller-ID choice ns/op: assigned, explicit and default paths", run: CallerIDBenchmarks.run),
        ]
    }
}

/// True when built without optimisation: figures from such a build mean nothing.
var unoptimised: Bool {
    #if DEBUG
    return true
    #else
    return _isDebugAssertConfiguration()
    #endif
}

let options: Options
do {
    options = try Options(arguments: CommandLine.arguments.dropFirst())
} catch {
    print(error)
    if case .help = error { exit(0) }
    exit(64)  // EX_USAGE
}

let debugWarning = """

    ******************************************************************************
    *  WARNING: CoreBenchmarks was built WITHOUT OPTIMISATION (debug build).     *
    *  Its figures mean nothing. Run: swift run -c release CoreBenchmarks        *
    ******************************************************************************

    """
if unoptimised {
    print(debugWarning)
    guard options.allowDebug else { exit(2) }
}

print("# CoreBenchmarks")
print()
print("machine: \(Machine.onlineCPUs) CPUs (\(Machine.cpuModel)), MemTotal \(Machine.memoryTotal)")
print(
    "build: \(unoptimised ? "DEBUG (unoptimised)" : "release"); runs: \(options.runs) after 1 warm-up"
        + (options.quick ? "; QUICK (smoke test, small sizes: not a measurement)" : "")
)

// The allocation counts below are only worth something if the counter sees allocations at all: a
// heap array must count (if the interposer were not linked in, every count would read 0).
let allocationsBefore = csb_thread_allocations()
let probeArray = [Int](repeating: 7, count: Int(getpid() % 5 + 100))
guard csb_thread_allocations() > allocationsBefore, probeArray.count > 0 else {
    print("the allocation counter saw no allocation for a new array: it is not interposing malloc")
    exit(1)
}

let withheld: String? = unoptimised ? "debug build" : options.quick ? "quick run" : nil
let context = BenchmarkContext(options: options, report: Report(withheld: withheld))
for group in BenchmarkGroup.all where options.groups.contains(group.name) {
    group.run(context)
}
context.report.printSummary()

if unoptimised { print(debugWarning) }
exit(context.report.failed ? 1 : 0)
