/// The result as text (for a terminal) and as JSON (for scripts and RESULTS.md).
public enum LoadReport {
    public static func modeDescription(_ result: LoadResult) -> String {
        switch result.mode {
        case .closedLoop: "closed loop"
        case .openLoop(let rate): "open loop at \(Format.fixed(rate, 0))/s"
        }
    }

    public static func text(_ result: LoadResult) -> String {
        var lines: [String] = []
        lines.append(
            "Switchboard load test: \(modeDescription(result)), \(result.connections) connections, \(result.threads) threads, "
                + "\(Format.fixed(result.durationSeconds, 1)) s after \(Format.fixed(result.warmupSeconds, 1)) s warm-up")
        var setLine = "target \(result.target), data set of \(result.dataSetNumbers) numbers (seed \(result.dataSetSeed))"
        if result.writeRate > 0 { setLine += ", operator writes at \(Format.fixed(result.writeRate, 0))/s" }
        lines.append(setLine)
        lines.append(
            result.ceiling
                ? "CEILING MODE: any 2xx counts, bodies not judged (a fixed-answer server); latency from the intended send time"
                : "latency from the intended send time, correct answers only")
        lines.append("")
        let header = ["kind", "sent", "correct", "errors", "per s", "p50", "p90", "p99", "p99.9", "max"]
        let widths = [16, 10, 10, 8, 10, 10, 10, 10, 10, 10]
        lines.append(row(header, widths))
        let kinds = RequestKind.allCases.filter { result.kinds[$0] != nil }
        for kind in kinds { lines.append(row(cells(kind.name, result.statistics(kind), result), widths)) }
        if kinds.count > 1 { lines.append(row(cells("all", result.overall, result), widths)) }
        lines.append("")
        lines.append(
            "throughput \(Format.fixed(result.throughput, 1)) correct answers/s (sent \(Format.fixed(result.sentRate, 1))/s)")
        let errorText = ErrorKind.allCases.map { "\($0.name) \(result.errors($0))" }.joined(separator: ", ")
        lines.append("errors: \(errorText)")
        var other: [String] = []
        if result.overall.unverifiable > 0 { other.append("unverifiable \(result.overall.unverifiable)") }
        if result.warmupErrors > 0 { other.append("warm-up errors \(result.warmupErrors)") }
        if result.connectFailures > 0 { other.append("failed connects \(result.connectFailures)") }
        if result.reconnects > 0 { other.append("reconnects \(result.reconnects)") }
        if result.unsent > 0 { other.append("due but never sent \(result.unsent)") }
        if result.unfinished > 0 { other.append("unanswered at the end \(result.unfinished)") }
        if result.skippedWrites > 0 { other.append("skipped writes \(result.skippedWrites)") }
        if result.uncertainWrites > 0 { other.append("writes with unknown outcome \(result.uncertainWrites)") }
        if !other.isEmpty { lines.append("also: " + other.joined(separator: ", ")) }
        if result.lateWrites > 0 {
            lines.append(
                "writes fell behind: \(result.lateWrites) went out over 100 ms late (every write connection was waiting for an answer), "
                    + "so fewer than \(Format.fixed(result.writeRate, 0)) a second were made: raise --write-connections")
        }
        if result.writeRate > 0 {
            if result.restoreIncomplete || result.restoreErrors > 0 {
                lines.append("restore: INCOMPLETE (\(result.restoredWrites) writes done, \(result.restoreErrors) failed): seed a fresh data directory before the next run")
            } else {
                lines.append("restore: \(result.restoredWrites) writes put the moved numbers back with their seeded agents")
            }
        }
        if !result.samples.isEmpty {
            lines.append("first errors:")
            for sample in result.samples { lines.append("  " + sample) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func cells(_ name: String, _ statistics: KindStatistics, _ result: LoadResult) -> [String] {
        let latency = statistics.latency
        return [
            name, "\(statistics.sent)", "\(statistics.correct)", "\(statistics.errorCount)",
            Format.fixed(Double(statistics.correct) / result.durationSeconds, 1),
        ] + Histogram.reportedPercentiles.map { Format.latency(latency.value(atPercentile: $0)) } + [Format.latency(latency.max)]
    }

    private static func row(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { Format.pad($0.element.0, $0.element.1, right: $0.offset > 0) }.joined(separator: " ")
    }

    // MARK: JSON

    public static func json(_ result: LoadResult) -> String {
        var out = JSONText()
        out.beginObject()
        switch result.mode {
        case .closedLoop:
            out.member("mode", "closed_loop")
            out.member("target_rate", nil as String?)
        case .openLoop(let rate):
            out.member("mode", "open_loop")
            out.member("target_rate", rate)
        }
        out.member("connections", result.connections)
        out.member("threads", result.threads)
        out.member("warmup_seconds", result.warmupSeconds)
        out.member("duration_seconds", result.durationSeconds)
        out.member("target", result.target)
        out.member("data_set_numbers", result.dataSetNumbers)
        out.member("data_set_seed", result.dataSetSeed)
        out.member("write_rate", result.writeRate)
        out.member("ceiling", result.ceiling)
        out.member("throughput", result.throughput)
        out.member("sent_rate", result.sentRate)
        out.beginObject("kinds")
        for kind in RequestKind.allCases where result.kinds[kind] != nil {
            out.beginObject(kind.name)
            write(result.statistics(kind), into: &out)
            out.endObject()
        }
        out.endObject()
        out.beginObject("overall")
        write(result.overall, into: &out)
        out.endObject()
        out.member("warmup_errors", result.warmupErrors)
        out.member("connect_failures", result.connectFailures)
        out.member("reconnects", result.reconnects)
        out.member("skipped_writes", result.skippedWrites)
        out.member("late_writes", result.lateWrites)
        out.member("uncertain_writes", result.uncertainWrites)
        out.member("unsent", result.unsent)
        out.member("unfinished", result.unfinished)
        out.member("restored_writes", result.restoredWrites)
        out.member("restore_errors", result.restoreErrors)
        out.member("restore_incomplete", result.restoreIncomplete)
        out.beginArray("answers_per_100ms")
        for count in result.timeline { out.element(count) }
        out.endArray()
        out.beginArray("error_samples")
        for sample in result.samples { out.element(sample) }
        out.endArray()
        out.endObject()
        return out.text + "\n"
    }

    private static func write(_ statistics: KindStatistics, into out: inout JSONText) {
        out.member("sent", statistics.sent)
        out.member("correct", statistics.correct)
        out.member("unverifiable", statistics.unverifiable)
        out.beginObject("errors")
        for kind in ErrorKind.allCases { out.member(kind.name, statistics.errors[kind] ?? 0) }
        out.endObject()
        let latency = statistics.latency
        out.beginObject("latency_us")
        out.member("min", Double(latency.min) / 1e3)
        out.member("mean", latency.mean / 1e3)
        out.member("p50", Double(latency.value(atPercentile: 50)) / 1e3)
        out.member("p90", Double(latency.value(atPercentile: 90)) / 1e3)
        out.member("p99", Double(latency.value(atPercentile: 99)) / 1e3)
        out.member("p99_9", Double(latency.value(atPercentile: 99.9)) / 1e3)
        out.member("max", Double(latency.max) / 1e3)
        out.endObject()
    }
}
