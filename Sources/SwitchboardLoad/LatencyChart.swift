import Glibc

/// Self-contained SVG charts (no scripts, no external fonts or styles): the latency distribution of
/// a run as a percentile plot, and a sweep's latency against achieved throughput.
public enum LatencyChart {
    static let width = 900.0, height = 540.0
    static let left = 90.0, right = 870.0, top = 60.0, bottom = 470.0
    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#111111"]

    /// Latency (log axis) by percentile, on the usual HdrHistogram axis: x = log10(1 / (1 - p)),
    /// so 90%, 99%, 99.9% … are evenly spaced and the tail gets the room it deserves.
    public static func percentilePlot(_ result: LoadResult, title: String? = nil) -> String {
        var series: [(name: String, histogram: Histogram)] = RequestKind.allCases.compactMap { kind in
            guard let statistics = result.kinds[kind], !statistics.latency.isEmpty else { return nil }
            return (kind.name, statistics.latency)
        }
        let overall = result.overall.latency
        if series.count > 1 || series.isEmpty { series.append(("all", overall)) }
        let nines = Swift.min(6, Swift.max(2, Int(log10(Double(Swift.max(overall.count, 1))).rounded(.up))))
        let (low, high) = decades(minimum: overall.min, maximum: overall.max)
        var svg = SVGBuilder(width: width, height: height)
        svg.text(title ?? "Latency by percentile: \(LoadReport.modeDescription(result)), \(result.connections) connections", x: width / 2, y: 30, size: 18, anchor: "middle")
        svg.text("latency from the intended send time (log scale); correct answers only", x: width / 2, y: 50, size: 12, anchor: "middle")
        // Axes and grid.
        for step in 0...nines {
            let x = left + (right - left) * Double(step) / Double(nines)
            svg.line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#dddddd")
            svg.text(percentileLabel(nines: step), x: x, y: bottom + 20, size: 12, anchor: "middle")
        }
        for decade in low...high {
            let y = yPosition(Double(decade), low: low, high: high)
            svg.line(x1: left, y1: y, x2: right, y2: y, stroke: "#dddddd")
            svg.text(Format.latency(UInt64(pow10(decade) * 1000)), x: left - 8, y: y + 4, size: 12, anchor: "end")
        }
        svg.rect(x: left, y: top, width: right - left, height: bottom - top, stroke: "#444444")
        svg.text("percentile", x: (left + right) / 2, y: bottom + 45, size: 13, anchor: "middle")
        for (index, entry) in series.enumerated() {
            var points: [(Double, Double)] = []
            for (percentile, value) in entry.histogram.percentileCurve() {
                let fraction = 1 - percentile / 100
                let position = fraction <= 0 ? Double(nines) : Swift.min(Double(nines), log10(1 / fraction))
                let x = left + (right - left) * position / Double(nines)
                let micros = Swift.max(Double(value) / 1000, pow10(low))
                let y = yPosition(log10(micros), low: low, high: high)
                // One point per pixel column (the highest): thousands of counters, a few hundred pixels.
                if let last = points.last, abs(last.0 - x) < 0.5 {
                    points[points.count - 1].1 = Swift.min(last.1, y)
                } else {
                    points.append((x, y))
                }
            }
            let color = entry.name == "all" ? colors[colors.count - 1] : colors[index % (colors.count - 1)]
            svg.polyline(points, stroke: color, width: entry.name == "all" ? 2.5 : 1.5)
            let legendY = top + 18 + Double(index) * 18
            svg.line(x1: left + 12, y1: legendY - 4, x2: left + 36, y2: legendY - 4, stroke: color, width: 2.5)
            let histogram = entry.histogram
            svg.text(
                "\(entry.name): p50 \(Format.latency(histogram.value(atPercentile: 50))), p99 \(Format.latency(histogram.value(atPercentile: 99))), max \(Format.latency(histogram.max))",
                x: left + 42, y: legendY, size: 12)
        }
        return svg.finish()
    }

    /// p50 and p99 latency (log axis) against achieved throughput, one point per rate of a sweep.
    public static func sweepPlot(_ points: [SweepPoint], title: String = "Latency against throughput (open-loop sweep)") -> String {
        let maximumThroughput = Swift.max(1, points.map(\.achieved).max() ?? 1) * 1.05
        let latencies = points.flatMap { [$0.p50, $0.p99] }.filter { $0 > 0 }
        let (low, high) = decades(minimum: latencies.min() ?? 1000, maximum: latencies.max() ?? 1000)
        var svg = SVGBuilder(width: width, height: height)
        svg.text(title, x: width / 2, y: 30, size: 18, anchor: "middle")
        svg.text("each point: one open-loop run at a target rate; latency from the intended send time", x: width / 2, y: 50, size: 12, anchor: "middle")
        for step in 0...5 {
            let x = left + (right - left) * Double(step) / 5
            svg.line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#dddddd")
            svg.text(Format.fixed(maximumThroughput * Double(step) / 5, 0), x: x, y: bottom + 20, size: 12, anchor: "middle")
        }
        for decade in low...high {
            let y = yPosition(Double(decade), low: low, high: high)
            svg.line(x1: left, y1: y, x2: right, y2: y, stroke: "#dddddd")
            svg.text(Format.latency(UInt64(pow10(decade) * 1000)), x: left - 8, y: y + 4, size: 12, anchor: "end")
        }
        svg.rect(x: left, y: top, width: right - left, height: bottom - top, stroke: "#444444")
        svg.text("achieved throughput (correct answers per second)", x: (left + right) / 2, y: bottom + 45, size: 13, anchor: "middle")
        let sorted = points.sorted { $0.targetRate < $1.targetRate }
        for (index, (name, value)) in [("p50", \SweepPoint.p50), ("p99", \SweepPoint.p99)].enumerated() {
            let color = colors[index == 0 ? 0 : 3]
            let coordinates = sorted.map { point -> (Double, Double) in
                let micros = Swift.max(Double(point[keyPath: value]) / 1000, pow10(low))
                return (left + (right - left) * point.achieved / maximumThroughput, yPosition(log10(micros), low: low, high: high))
            }
            svg.polyline(coordinates, stroke: color, width: 2)
            for (x, y) in coordinates { svg.circle(x: x, y: y, radius: 3.5, fill: color) }
            let legendY = top + 18 + Double(index) * 18
            svg.line(x1: left + 12, y1: legendY - 4, x2: left + 36, y2: legendY - 4, stroke: color, width: 2.5)
            svg.text(name, x: left + 42, y: legendY, size: 12)
        }
        for point in sorted {
            let x = left + (right - left) * point.achieved / maximumThroughput
            let micros = Swift.max(Double(point.p99) / 1000, pow10(low))
            svg.text("\(Format.fixed(point.targetRate, 0))/s", x: x, y: yPosition(log10(micros), low: low, high: high) - 8, size: 10, anchor: "middle")
        }
        return svg.finish()
    }

    /// Whole decades of microseconds that hold `minimum` … `maximum` nanoseconds (at least one).
    static func decades(minimum: UInt64, maximum: UInt64) -> (Int, Int) {
        let low = Int(log10(Swift.max(Double(minimum) / 1000, 0.1)).rounded(.down))
        var high = Int(log10(Swift.max(Double(maximum) / 1000, 0.1)).rounded(.up))
        if high <= low { high = low + 1 }
        return (low, high)
    }

    static func yPosition(_ decade: Double, low: Int, high: Int) -> Double {
        bottom - (bottom - top) * (decade - Double(low)) / Double(high - low)
    }

    static func percentileLabel(nines: Int) -> String {
        switch nines {
        case 0: "0%"
        case 1: "90%"
        case 2: "99%"
        default: "99." + String(repeating: "9", count: nines - 2) + "%"
        }
    }

    static func pow10(_ exponent: Int) -> Double {
        var value = 1.0
        if exponent >= 0 { for _ in 0..<exponent { value *= 10 } } else { for _ in 0..<(-exponent) { value /= 10 } }
        return value
    }

}
