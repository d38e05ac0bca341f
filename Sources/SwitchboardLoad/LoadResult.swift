/// What a run measured: per kind and overall, with everything that went wrong counted by kind.
public struct LoadResult: Sendable {
    public var mode: LoadConfiguration.Mode
    public var connections: Int
    public var threads: Int
    public var warmupSeconds: Double
    public var durationSeconds: Double
    public var target: String
    public var dataSetNumbers: Int
    public var dataSetSeed: UInt64
    public var writeRate: Double
    /// Ceiling mode: statuses only, bodies not judged (see `LoadConfiguration.ceiling`).
    public var ceiling = false

    public var kinds: [RequestKind: KindStatistics] = [:]
    /// Errors during the warm-up (not in `kinds`).
    public var warmupErrors: UInt64 = 0
    /// Connects that failed (refused, reset, unreachable) and answers nobody asked for.
    public var connectFailures: UInt64 = 0
    public var reconnects: UInt64 = 0
    public var skippedWrites: UInt64 = 0
    /// Writes sent over 100 ms after they were due (`LoadRecorder.lateWrites`).
    public var lateWrites: UInt64 = 0
    /// Writes whose outcome is unknown (timeout, lost connection, 5xx, a wrong acknowledgement).
    public var uncertainWrites: UInt64 = 0
    /// Due but not sent when the run stopped (open loop: the server fell behind).
    public var unsent: UInt64 = 0
    /// Sent but unanswered, not yet timed out, when the run stopped.
    public var unfinished: UInt64 = 0
    /// After the run: writes that put moved numbers back with their seeded agents, writes of that
    /// restore that failed, and whether the router is left other than seeded.
    public var restoredWrites: UInt64 = 0
    public var restoreErrors: UInt64 = 0
    public var restoreIncomplete = false
    /// Answers (of any verdict) per 100 ms from the start of the warm-up.
    public var timeline: [UInt64] = []
    /// A few errors, described.
    public var samples: [String] = []

    /// Every kind merged.
    public var overall: KindStatistics {
        var all = KindStatistics()
        for statistics in kinds.values { all.merge(statistics) }
        return all
    }

    /// Correct answers per second of the measured window: the throughput.
    public var throughput: Double { Double(overall.correct) / durationSeconds }
    /// Requests sent per second of the measured window.
    public var sentRate: Double { Double(overall.sent) / durationSeconds }

    public func statistics(_ kind: RequestKind) -> KindStatistics { kinds[kind] ?? KindStatistics() }

    public func errors(_ kind: ErrorKind) -> UInt64 { kinds.values.reduce(0) { $0 + ($1.errors[kind] ?? 0) } }

    public var totalErrors: UInt64 { overall.errorCount }

    /// Adds one worker's recordings.
    mutating func merge(_ recorder: LoadRecorder) {
        for kind in RequestKind.allCases {
            let statistics = recorder.kinds[kind.rawValue]
            guard statistics.sent > 0 || statistics.correct > 0 || statistics.errorCount > 0 else { continue }
            kinds[kind, default: KindStatistics()].merge(statistics)
        }
        warmupErrors += recorder.warmupErrors
        connectFailures += recorder.connectFailures
        reconnects += recorder.reconnects
        skippedWrites += recorder.skippedWrites
        lateWrites += recorder.lateWrites
        uncertainWrites += recorder.uncertainWrites
        restoredWrites += recorder.restoredWrites
        restoreErrors += recorder.restoreErrors
        if timeline.count < recorder.timeline.count {
            timeline += [UInt64](repeating: 0, count: recorder.timeline.count - timeline.count)
        }
        for (slot, count) in recorder.timeline.enumerated() { timeline[slot] += count }
        for sample in recorder.samples where samples.count < LoadRecorder.maxSamples { samples.append(sample) }
    }
}
