/// A latency histogram in the style of HdrHistogram (Gil Tene): log-linear buckets that keep
/// every value to better than 0.1% (three significant digits) from 1 ns to one hour, in a fixed
/// 33,792 counters, so recording is one index computation and one increment: no allocation, no
/// sorting, and histograms from different threads merge by adding counters.
///
/// Layout: bucket 0 holds 0 ..< 2048 exactly; bucket b ≥ 1 holds 2^(b+10) ..< 2^(b+11) in 1024
/// steps of 2^b, so a step is at most 1/1024 of the values it holds (≈ 0.098%). Values are
/// nanoseconds. The exact minimum, maximum and sum are kept beside the buckets, so `max` is exact
/// and percentiles never exceed it.
public struct Histogram: Sendable, Hashable {
    /// log2 of half the counters per bucket: 1024 steps per power of two.
    static let subBucketHalfCountMagnitude = 10
    static let subBucketHalfCount = 1 << subBucketHalfCountMagnitude
    static let subBucketMask: UInt64 = UInt64(2 * subBucketHalfCount - 1)
    /// The largest value tracked in the buckets: one hour. Larger values count in `max` and
    /// `saturated`, and in the top bucket.
    public static let highestTrackable: UInt64 = 3_600_000_000_000
    static let bucketCount: Int = {
        var smallestUntrackable = UInt64(2 * subBucketHalfCount)
        var buckets = 1
        while smallestUntrackable <= highestTrackable {
            smallestUntrackable <<= 1
            buckets += 1
        }
        return buckets
    }()
    static let countsLength = (bucketCount + 1) << subBucketHalfCountMagnitude

    private(set) var counts: [UInt64]
    /// Values recorded.
    public private(set) var count: UInt64 = 0
    /// The smallest value recorded (0 when empty).
    public private(set) var min: UInt64 = 0
    /// The largest value recorded, exactly, even past `highestTrackable` (0 when empty).
    public private(set) var max: UInt64 = 0
    /// Values above `highestTrackable`.
    public private(set) var saturated: UInt64 = 0
    /// The sum of the values (as a Double: a run of 10^10 one-hour values would overflow UInt64).
    public private(set) var sum: Double = 0

    public init() {
        counts = [UInt64](repeating: 0, count: Histogram.countsLength)
    }

    public var isEmpty: Bool { count == 0 }

    /// The mean, 0 when empty.
    public var mean: Double { count == 0 ? 0 : sum / Double(count) }

    /// Records one value (nanoseconds).
    @inline(__always)
    public mutating func record(_ value: UInt64) {
        let tracked: UInt64
        if value > Histogram.highestTrackable {
            saturated += 1
            tracked = Histogram.highestTrackable
        } else {
            tracked = value
        }
        counts[Histogram.index(of: tracked)] += 1
        if count == 0 || value < min { min = value }
        if value > max { max = value }
        count += 1
        sum += Double(value)
    }

    /// Adds every value of `other`.
    public mutating func merge(_ other: Histogram) {
        guard other.count > 0 else { return }
        for index in counts.indices where other.counts[index] != 0 {
            counts[index] += other.counts[index]
        }
        if count == 0 || other.min < min { min = other.min }
        if other.max > max { max = other.max }
        count += other.count
        saturated += other.saturated
        sum += other.sum
    }

    // MARK: Buckets

    @inline(__always)
    static func index(of value: UInt64) -> Int {
        let bucket = 63 - (value | subBucketMask).leadingZeroBitCount - subBucketHalfCountMagnitude
        let subBucket = Int(truncatingIfNeeded: value >> UInt64(bucket))
        return (bucket + 1) << subBucketHalfCountMagnitude + subBucket - subBucketHalfCount
    }

    /// The smallest value that lands in counter `index`.
    static func lowestValue(at index: Int) -> UInt64 {
        if index < 2 * subBucketHalfCount { return UInt64(index) }
        let bucket = (index >> subBucketHalfCountMagnitude) - 1
        let subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        return UInt64(subBucket) << UInt64(bucket)
    }

    /// The largest value that lands in counter `index`.
    static func highestValue(at index: Int) -> UInt64 {
        let bucket = index < 2 * subBucketHalfCount ? 0 : (index >> subBucketHalfCountMagnitude) - 1
        return lowestValue(at: index) + (UInt64(1) << UInt64(bucket)) - 1
    }

    /// Every counter that holds values, in increasing order of value.
    func nonEmptyBuckets() -> [(highest: UInt64, count: UInt64)] {
        var result: [(highest: UInt64, count: UInt64)] = []
        for index in counts.indices where counts[index] != 0 {
            result.append((Histogram.highestValue(at: index), counts[index]))
        }
        return result
    }
}
