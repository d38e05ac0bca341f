import Testing

@testable import SwitchboardLoad

@Suite struct HistogramTests {
    /// Exact order statistic of sorted `values` at `percentile`, by the same rank rule.
    static func exact(_ sorted: [UInt64], _ percentile: Double) -> UInt64 {
        let rank = max(1, Int((percentile / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[rank - 1]
    }

    static func expectWithinTenthOfPercent(_ histogram: Histogram, _ sorted: [UInt64], _ percentiles: [Double]) {
        for percentile in percentiles {
            let reported = Double(histogram.value(atPercentile: percentile))
            let truth = Double(exact(sorted, percentile))
            #expect(abs(reported - truth) <= truth * 0.001, "p\(percentile): \(reported) vs \(truth)")
        }
    }

    @Test func histogram_uniformValues_percentilesWithinATenthOfAPercent() {
        var histogram = Histogram()
        let values = (1...200_000).map { UInt64($0) * 997 }  // 1 µs to 0.2 s
        for value in values.shuffled() { histogram.record(value) }
        Self.expectWithinTenthOfPercent(histogram, values, [1, 10, 50, 90, 99, 99.9, 99.99])
        #expect(histogram.count == 200_000)
        #expect(histogram.min == 997)
        #expect(histogram.max == 200_000 * 997)
    }

    @Test func histogram_exponentialValues_percentilesWithinATenthOfAPercent() {
        var random = SplitMix64(seed: 42)
        var values: [UInt64] = []
        for _ in 0..<100_000 {
            // Mean 200 µs, a long tail into tens of milliseconds.
            values.append(UInt64(-200_000 * log(1 - random.unit())) + 1)
        }
        var histogram = Histogram()
        for value in values { histogram.record(value) }
        Self.expectWithinTenthOfPercent(histogram, values.sorted(), [50, 90, 99, 99.9, 99.99])
        let mean = Double(values.reduce(0, +)) / Double(values.count)
        #expect(abs(histogram.mean - mean) < 1e-6 * mean)
    }

    @Test func histogram_merge_equalsRecordingEverythingInOne() {
        var first = Histogram(), second = Histogram(), all = Histogram()
        var random = SplitMix64(seed: 7)
        for index in 0..<50_000 {
            let value = UInt64(random.below(50_000_000)) + 1
            if index % 3 == 0 { first.record(value) } else { second.record(value) }
            all.record(value)
        }
        var merged = first
        merged.merge(second)
        #expect(merged == all)
        var empty = Histogram()
        empty.merge(all)
        #expect(empty == all)
        merged.merge(Histogram())
        #expect(merged == all)
    }

    @Test func histogram_extremes_areExactAndClamped() {
        var histogram = Histogram()
        #expect(histogram.value(atPercentile: 50) == 0)
        histogram.record(0)
        histogram.record(1)
        histogram.record(2047)
        histogram.record(2048)
        histogram.record(Histogram.highestTrackable)
        histogram.record(Histogram.highestTrackable * 10)  // past an hour: kept as the exact max
        #expect(histogram.min == 0)
        #expect(histogram.max == Histogram.highestTrackable * 10)
        #expect(histogram.saturated == 1)
        #expect(histogram.value(atPercentile: 0) == 0)
        #expect(histogram.value(atPercentile: 100) == Histogram.highestTrackable * 10)
        #expect(histogram.value(atPercentile: 20) == 1)
        #expect(histogram.value(atPercentile: 50) == 2047)
        #expect((2048...2049).contains(histogram.value(atPercentile: 60)))  // counter 2048…2049
        let top = Double(histogram.value(atPercentile: 90))
        #expect(abs(top - Double(Histogram.highestTrackable)) <= Double(Histogram.highestTrackable) * 0.001)
    }

    @Test func histogram_everyCounter_coversItsValues() {
        // Each counter's range holds exactly the values that index into it, with relative width ≤ 1/1024.
        for index in stride(from: 0, to: Histogram.countsLength, by: 7) {
            let low = Histogram.lowestValue(at: index), high = Histogram.highestValue(at: index)
            #expect(Histogram.index(of: low) == index)
            #expect(Histogram.index(of: high) == index)
            if low >= 2048 { #expect(Double(high - low + 1) / Double(low) <= 1.0 / 1024) }
        }
        #expect(Histogram.index(of: Histogram.highestTrackable) < Histogram.countsLength)
    }
}

import Foundation
