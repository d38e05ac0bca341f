import Glibc
import SwitchboardPosix

/// Progress once a second while a run goes.
public struct LoadProgress: Sendable {
    /// Seconds since the run started (warm-up included).
    public var elapsed: Double
    public var warmingUp: Bool
    public var answered: Int
    public var errors: Int
    /// Answers per second over the last interval.
    public var currentRate: Double

    public var line: String {
        let phase = warmingUp ? " (warm-up)" : ""
        return "[\(Format.fixed(elapsed, 1)) s\(phase)] requests \(answered), errors \(errors), rate \(Format.fixed(currentRate, 0))/s"
    }
}

/// One load-test run: builds the plan (data set pools, signed requests), starts the workers,
/// reports progress, re-signs requests as time passes, and merges what the workers measured.
///
/// ```swift
/// let dataSet = try DataSet(DataSetSpec(numbers: 100_000, seed: 1))
/// var configuration = LoadConfiguration()
/// configuration.mode = .openLoop(ratePerSecond: 20_000)
/// let result = try LoadTest(configuration: configuration, dataSet: dataSet).run { print($0.line) }
/// print(LoadReport.text(result))
/// ```
public final class LoadTest: Sendable {
    let plan: LoadPlan

    public init(configuration: LoadConfiguration, dataSet: DataSet) throws(LoadTestError) {
        plan = try LoadPlan(configuration: configuration, dataSet: dataSet)
    }

    /// A run on a plan made elsewhere (a sweep's, sharing the live state between runs).
    init(plan: LoadPlan) {
        self.plan = plan
    }

    /// Runs to the end (warm-up + duration, then up to one timeout of drain); blocks the caller.
    public func run(progress: (@Sendable (LoadProgress) -> Void)? = nil) throws(LoadTestError) -> LoadResult {
        let configuration = plan.configuration
        let schedule = RunSchedule(start: Nanoclock.now(), configuration: configuration)
        var workers: [LoadWorker] = []
        for index in 0..<configuration.threads {
            // Connections spread evenly; the operator's on worker 0.
            let traffic = configuration.connections / configuration.threads + (index < configuration.connections % configuration.threads ? 1 : 0)
            let writers = index == 0 && configuration.writeRate > 0 ? configuration.writeConnections : 0
            workers.append(try LoadWorker(index: index, plan: plan, schedule: schedule, trafficConnections: traffic, writeConnections: writers))
        }
        var threads: [pthread_t] = []
        for worker in workers {
            do {
                threads.append(try PosixThread.spawn(name: "sb-load-\(worker.index)", joinable: true) { worker.run() })
            } catch {
                // Threads already started stop at the run's end on their own; wait for them.
                threads.forEach(PosixThread.join)
                throw LoadTestError("cannot start a load thread: \(error)")
            }
        }
        reportProgress(workers: workers, schedule: schedule, progress: progress)
        threads.forEach(PosixThread.join)
        var result = LoadResult(
            mode: configuration.mode, connections: configuration.connections, threads: configuration.threads,
            warmupSeconds: configuration.warmup, durationSeconds: configuration.duration,
            target: "\(configuration.host):\(configuration.port)", dataSetNumbers: plan.dataSet.numberCount,
            dataSetSeed: plan.dataSet.spec.seed, writeRate: configuration.writeRate)
        result.ceiling = configuration.ceiling
        for worker in workers {
            result.merge(worker.recorder)
            result.unsent += worker.unsent
            result.unfinished += worker.unfinished
            result.restoreIncomplete = result.restoreIncomplete || worker.restoreIncomplete
        }
        return result
    }

    /// Until the schedule's drain end (or every worker is done): once a second, a progress line
    /// and, when due, a fresh set of signatures.
    private func reportProgress(workers: [LoadWorker], schedule: RunSchedule, progress: (@Sendable (LoadProgress) -> Void)?) {
        var lastAnswered = 0
        var lastTime = schedule.start
        var nextReport = schedule.start + 1_000_000_000
        while true {
            let now = Nanoclock.now()
            if now >= schedule.drainEnd + 100_000_000 { return }
            if now >= schedule.end, workers.allSatisfy({ $0.progress.done.load(ordering: .acquiring) }) { return }
            if now >= nextReport {
                let answered = workers.reduce(0) { $0 + $1.progress.answered.load(ordering: .relaxed) }
                let errors = workers.reduce(0) { $0 + $1.progress.errors.load(ordering: .relaxed) }
                let seconds = Double(now - lastTime) / 1e9
                progress?(
                    LoadProgress(
                        elapsed: Double(now - schedule.start) / 1e9, warmingUp: now < schedule.warmupEnd, answered: answered,
                        errors: errors, currentRate: seconds > 0 ? Double(answered - lastAnswered) / seconds : 0))
                lastAnswered = answered
                lastTime = now
                nextReport += 1_000_000_000
                plan.resignIfDue()
            }
            Nanoclock.sleep(nanoseconds: 20_000_000)
        }
    }
}
