#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

// The measuring kit shared by every benchmark executable: a monotonic clock, samples with min/median, interleaved
// runs with a warm-up thrown away, tables and goal verdicts (STYLE.md habit 10).

/// Nanoseconds on the monotonic clock.
@inlinable
public func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}

/// The values one benchmark produced, one per measured run.
public struct Samples {
    public var values: [Double] = []

    public init(values: [Double] = []) {
        self.values = values
    }

    public var min: Double { values.min() ?? .nan }
    public var max: Double { values.max() ?? .nan }

    /// The middle value (the mean of the two middle ones for an even count).
    public var median: Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// One contender of a comparison: a name and one run, returning the run's figure (ops/s, ns/op...).
public struct Contender {
    public var name: String
    public var run: () -> Double

    public init(name: String, run: @escaping () -> Double) {
        self.name = name
        self.run = run
    }
}

/// Runs every contender once as a warm-up (thrown away), then `runs` rounds in which each contender
/// runs once, in turn. Interleaving means a noisy neighbour on a shared machine slows every contender
/// of a round alike instead of spoiling all runs of one of them.
public func measureInterleaved(runs: Int, _ contenders: [Contender]) -> [Samples] {
    for contender in contenders { _ = contender.run() }
    var samples = [Samples](repeating: Samples(), count: contenders.count)
    for _ in 0..<runs {
        for (position, contender) in contenders.enumerated() { samples[position].values.append(contender.run()) }
    }
    return samples
}

// MARK: Formatting (no Foundation)

/// `value` with `digits` decimals.
public func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "n/a" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard digits > 0 else { return sign + grouped(whole) }
    let fractionText = String(fraction)
    return sign + grouped(whole) + "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}

/// An integer with thousands separators: 1234567 → "1,234,567".
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return value < 0 ? "-" + result : result
}

/// Operations per second as millions: "12.34 M".
public func mops(_ opsPerSecond: Double) -> String { fixed(opsPerSecond / 1e6, 2) + " M" }

/// A ratio: "1.85x".
public func times(_ ratio: Double) -> String { fixed(ratio, 2) + "x" }

/// A size as people say it: 100k, 1M.
public func sizeName(_ count: Int) -> String {
    if count >= 1_000_000, count % 1_000_000 == 0 { return "\(count / 1_000_000)M" }
    if count >= 1000, count % 1000 == 0 { return "\(count / 1000)k" }
    return grouped(count)
}

/// A Markdown table printed as it is: readable on a terminal and pasted as is into RESULTS.md.
public struct Table {
    public var columns: [String]
    public var rows: [[String]] = []

    public init(_ columns: String...) { self.columns = columns }

    public mutating func add(_ cells: String...) { rows.append(cells) }

    public func render() -> String {
        var widths = columns.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < widths.count { widths[column] = Swift.max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                // Text left, figures right.
                column == 0 || cell.first?.isLetter == true ? cell.padding(widths[column]) : cell.leftPadding(widths[column])
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return ([line(columns), rule] + rows.map(line)).joined(separator: "\n")
    }
}

// MARK: Goals

/// The verdicts of the goals, printed together at the end.
public final class Report {
    public enum Verdict: CustomStringConvertible {
        case pass
        case fail
        /// Quick or debug runs measure nothing worth judging.
        case notJudged(String)

        public var description: String {
            switch self {
            case .pass: "PASS"
            case .fail: "FAIL"
            case .notJudged(let why): "NOT JUDGED (\(why))"
            }
        }
    }

    public struct Goal {
        var name: String
        var verdict: Verdict
        var detail: String
    }

    /// Why verdicts are withheld, if they are (quick or debug run).
    public let withheld: String?
    public private(set) var goals: [Goal] = []

    public init(withheld: String?) { self.withheld = withheld }

    /// Records a goal: `met` decides PASS or FAIL unless this run is not one to judge.
    public func goal(_ name: String, met: Bool, _ detail: String) {
        let verdict: Verdict = withheld.map { .notJudged($0) } ?? (met ? .pass : .fail)
        goals.append(Goal(name: name, verdict: verdict, detail: detail))
    }

    public var failed: Bool { goals.contains { if case .fail = $0.verdict { true } else { false } } }

    public func printSummary() {
        guard !goals.isEmpty else { return }
        print("\n## Goals\n")
        let width = goals.map(\.name.count).max() ?? 0
        for goal in goals { print("\(goal.verdict)  \(goal.name.padding(width))  \(goal.detail)") }
    }
}

/// Prints a section heading and a line saying how it was measured.
public func printHeading(_ title: String, _ note: String) {
    print("\n## \(title)\n")
    print(note)
    print()
}

extension String {
    /// Left-aligned in `width` columns (for tables; our texts are ASCII).
    public func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// Right-aligned in `width` columns.
    public func leftPadding(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
