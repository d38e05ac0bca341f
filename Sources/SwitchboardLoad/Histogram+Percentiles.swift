extension Histogram {
    /// The value at `percentile` (0...100): the smallest recorded value such that `percentile`% of
    /// the values are at or below it, reported as the top of its counter (never above `max`), so
    /// it is within 0.1% of the exact order statistic. 0 when empty; `min` at 0, `max` at 100.
    public func value(atPercentile percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        if percentile <= 0 { return min }
        if percentile >= 100 { return max }
        let rank = Swift.max(UInt64(1), UInt64((percentile / 100 * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for index in counts.indices where counts[index] != 0 {
            seen += counts[index]
            if seen >= rank {
                return Swift.max(min, Swift.min(Histogram.highestValue(at: index), max))
            }
        }
        return max
    }

    /// The percentiles the report prints.
    public static let reportedPercentiles: [Double] = [50, 90, 99, 99.9]

    /// The distribution as (percentile, value) points, one per non-empty counter: the percentile is
    /// the share of values at or below the counter's top. For the percentile plot.
    public func percentileCurve() -> [(percentile: Double, value: UInt64)] {
        guard count > 0 else { return [] }
        var points: [(percentile: Double, value: UInt64)] = []
        var seen: UInt64 = 0
        for bucket in nonEmptyBuckets() {
            seen += bucket.count
            points.append((100 * Double(seen) / Double(count), Swift.min(bucket.highest, max)))
        }
        return points
    }
}
