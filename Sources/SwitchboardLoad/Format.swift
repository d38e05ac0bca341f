/// Number formatting for the reports, without Foundation's locale-dependent formatters.
enum Format {
    /// `value` with `digits` decimals (rounded half away from zero).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let whole = UInt64(scaled)
        let sign = value < 0 && whole != 0 ? "-" : ""
        let integer = whole / UInt64(scale)
        guard digits > 0 else { return "\(sign)\(integer)" }
        var fraction = String(whole % UInt64(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return "\(sign)\(integer).\(fraction)"
    }

    /// A latency in nanoseconds, in the unit that keeps about three significant digits:
    /// `873 ns`, `41.2 µs`, `1.25 ms`, `2.50 s`.
    static func latency(_ nanoseconds: UInt64) -> String {
        let value = Double(nanoseconds)
        switch nanoseconds {
        case ..<1_000: return "\(nanoseconds) ns"
        case ..<100_000: return "\(fixed(value / 1e3, 1)) µs"
        case ..<1_000_000: return "\(fixed(value / 1e3, 0)) µs"
        case ..<100_000_000: return "\(fixed(value / 1e6, 2)) ms"
        case ..<1_000_000_000: return "\(fixed(value / 1e6, 1)) ms"
        default: return "\(fixed(value / 1e9, 2)) s"
        }
    }

    /// `text` padded with spaces to `width` (left-aligned) or right-aligned.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
