import BenchmarkSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// What `runTogether` measured: the wall time from the first worker's start to the last one's end,
/// and each worker's result (checksums, so no work can be optimised away).
struct TogetherResult {
    var wallNanoseconds: UInt64
    var results: [UInt64]
}

/// Runs each body on its own pthread (Linux: the server's only platform). The threads are created first and wait at a start line until
/// all of them are there, so thread creation is outside the timed part and they all start together.
func runTogether(_ bodies: [@Sendable () -> UInt64]) -> TogetherResult {
    let shared = TogetherState(workers: bodies.count)
    var threads: [pthread_t] = []
    for (worker, body) in bodies.enumerated() {
        let context = WorkerContext(worker: worker, state: shared, body: body)
        threads.append(startThread(context))
    }
    for thread in threads { pthread_join(thread, nil) }
    // pthread_join orders every worker's writes before these reads.
    var first = UInt64.max
    var last: UInt64 = 0
    var results: [UInt64] = []
    for worker in 0..<bodies.count {
        let record = shared.records[worker]
        first = min(first, record.start)
        last = max(last, record.end)
        results.append(record.result)
    }
    shared.records.deallocate()
    return TogetherResult(wallNanoseconds: last - first, results: results)
}

/// The start line and the workers' records.
///
/// `@unchecked Sendable`: `arrived` is atomic; worker `i` writes only `records[i]`, once, and the
/// main thread reads `records` only after joining every worker.
private final class TogetherState: @unchecked Sendable {
    struct Record {
        var start: UInt64 = 0
        var end: UInt64 = 0
        var result: UInt64 = 0
    }

    let workers: Int
    let arrived = Atomic<Int>(0)
    let records: UnsafeMutablePointer<Record>

    init(workers: Int) {
        self.workers = workers
        records = .allocate(capacity: workers)
        records.initialize(repeating: Record(), count: workers)
    }

    /// Spins until every worker has arrived. The workers are at most as many as the cores, so
    /// spinning wastes nothing and gives the tightest common start.
    func waitForAll() {
        arrived.add(1, ordering: .acquiringAndReleasing)
        while arrived.load(ordering: .acquiring) < workers {}
    }
}

private final class WorkerContext: Sendable {
    let worker: Int
    let state: TogetherState
    let body: @Sendable () -> UInt64

    init(worker: Int, state: TogetherState, body: @escaping @Sendable () -> UInt64) {
        self.worker = worker
        self.state = state
        self.body = body
    }

    func run() {
        state.waitForAll()
        let start = monotonicNanoseconds()
        let result = body()
        let end = monotonicNanoseconds()
        state.records[worker] = TogetherState.Record(start: start, end: end, result: result)
    }
}

private func startThread(_ context: WorkerContext) -> pthread_t {
    let argument = Unmanaged.passRetained(context).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { argument in
        let context = Unmanaged<WorkerContext>.fromOpaque(argument!).takeRetainedValue()
        context.run()
        return nil
    }, argument)
    precondition(result == 0, "pthread_create failed: \(result)")
    return thread
}
