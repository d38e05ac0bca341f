/// One rate of a sweep.
public struct SweepPoint: Hashable, Sendable {
    public var targetRate: Double
    /// Correct answers per second.
    public var achieved: Double
    /// Nanoseconds, from the intended send time.
    public var p50: UInt64
    public var p99: UInt64
    public var errors: UInt64
    public var unsent: UInt64
}

/// Open-loop runs at a list of rates, one after another, for the latency-against-throughput curve.
/// The runs share one live state, so operator writes of one run are known to the next.
public enum LoadSweep {
    public static func run(
        rates: [Double], configuration: LoadConfiguration, dataSet: DataSet,
        each: (Double, LoadResult) -> Void = { _, _ in }, progress: (@Sendable (LoadProgress) -> Void)? = nil
    ) throws(LoadTestError) -> [SweepPoint] {
        guard !rates.isEmpty else { throw LoadTestError("a sweep needs at least one rate") }
        var points: [SweepPoint] = []
        var live: LiveState?
        for rate in rates {
            var step = configuration
            step.mode = .openLoop(ratePerSecond: rate)
            let plan = try LoadPlan(configuration: step, dataSet: dataSet, live: live)
            live = plan.live
            let result = try LoadTest(plan: plan).run(progress: progress)
            each(rate, result)
            let latency = result.overall.latency
            points.append(
                SweepPoint(
                    targetRate: rate, achieved: result.throughput, p50: latency.value(atPercentile: 50),
                    p99: latency.value(atPercentile: 99), errors: result.totalErrors, unsent: result.unsent))
        }
        return points
    }

    /// The points as a text table.
    public static func text(_ points: [SweepPoint]) -> String {
        var lines = [["target/s", "achieved/s", "p50", "p99", "errors", "unsent"].enumerated().map { Format.pad($0.element, $0.offset == 0 ? 10 : 12, right: true) }.joined(separator: " ")]
        for point in points {
            let cells = [
                Format.fixed(point.targetRate, 0), Format.fixed(point.achieved, 1), Format.latency(point.p50), Format.latency(point.p99),
                "\(point.errors)", "\(point.unsent)",
            ]
            lines.append(cells.enumerated().map { Format.pad($0.element, $0.offset == 0 ? 10 : 12, right: true) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ points: [SweepPoint]) -> String {
        var out = JSONText()
        out.beginArray()
        for point in points {
            out.beginObject()
            out.member("target_rate", point.targetRate)
            out.member("achieved", point.achieved)
            out.member("p50_us", Double(point.p50) / 1e3)
            out.member("p99_us", Double(point.p99) / 1e3)
            out.member("errors", point.errors)
            out.member("unsent", point.unsent)
            out.endObject()
        }
        out.endArray()
        return out.text + "\n"
    }
}
