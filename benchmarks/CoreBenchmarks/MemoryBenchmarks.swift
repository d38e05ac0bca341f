import BenchmarkSupport
import SwitchboardCore

/// Goal: the index costs at most 64 bytes per number at 1M numbers. Also measures the in-memory
/// part of a snapshot load: `Directory.load(DirectoryImage)`.
///
/// Runs first in `all`: the RSS delta is read around the process's first big load, before other
/// groups have left freed memory in the allocator.
enum MemoryBenchmarks {
    static let limitBytesPerNumber = 64.0

    static func run(_ context: BenchmarkContext) {
        let quick = context.options.quick
        let numbers = context.options.sizes?.max() ?? (quick ? 20_000 : 1_000_000)
        let shape = DirectoryShape(numbers: numbers, assigned: numbers / 10, spareAgents: 0)
        printHeading(
            "Directory memory and load (Directory.load of a generated image)",
            """
            \(sizeName(numbers)) numbers (+1 NPA-NXX thousands-blocks; 50% Retell, 30% Vapi with UUID ids, 20% Bland; \
            2% inactive), 1 account, 3 connections, \(sizeName(shape.assigned)) agents each with one number, the rest \
            unassigned. RSS = /proc/self/statm around the first load (heap trimmed before and after); "index" = \
            both maps' slot arrays: number → agent (RoutingIndex.numberTableBytes) and agent → number \
            (agentTableBytes); "whole directory" also counts the agent records, the cold data \
            (providerNumberID, lastSyncedAt) and the per-account lists. Load: one warm-up, then \
            \(context.options.runs) timed loads; the image is built beforehand and not timed.
            """
        )
        let generated = GeneratedDirectory(shape)

        Machine.trimHeap()
        let before = Machine.residentBytes()
        let started = monotonicNanoseconds()
        let directory = generated.load()
        let firstLoadSeconds = Double(monotonicNanoseconds() - started) / 1e9
        Machine.trimHeap()
        let after = Machine.residentBytes()

        let count = directory.index.numberCount
        precondition(count == numbers, "loaded \(count) numbers of \(numbers)")
        let numberTableBytes = directory.index.numberTableBytes
        let agentTableBytes = directory.index.agentTableBytes
        let tableBytes = numberTableBytes + agentTableBytes
        let tablePerNumber = Double(tableBytes) / Double(count)
        let rssPerNumber = Double(after - before) / Double(count)
        withExtendedLifetime(directory) {}

        var memory = Table(
            "numbers", "agents", "number → agent", "agent → number", "index per number", "whole directory (RSS delta)", "per number")
        memory.add(
            sizeName(count), grouped(generated.agentIDs.count), "\(fixed(Double(numberTableBytes) / 1_048_576, 1)) MiB",
            "\(fixed(Double(agentTableBytes) / 1_048_576, 1)) MiB", "\(fixed(tablePerNumber, 1)) B",
            "\(fixed(Double(after - before) / 1_048_576, 1)) MiB", "\(fixed(rssPerNumber, 1)) B"
        )
        print(memory.render())
        print()

        let samples = measureInterleaved(
            runs: context.options.runs,
            [
                Contender(name: "Directory.load") {
                    let started = monotonicNanoseconds()
                    let directory = generated.load()
                    let seconds = Double(monotonicNanoseconds() - started) / 1e9
                    withExtendedLifetime(directory) {}
                    return seconds  // the directory is freed after the clock stops
                }
            ]
        )[0]
        var load = Table("numbers", "agents", "first load (cold heap)", "min", "median", "numbers/s (median)")
        load.add(
            sizeName(count), grouped(generated.agentIDs.count), "\(fixed(firstLoadSeconds * 1000, 0)) ms",
            "\(fixed(samples.min * 1000, 0)) ms", "\(fixed(samples.median * 1000, 0)) ms", mops(Double(count) / samples.median)
        )
        print(load.render())

        context.report.goal(
            "index memory at \(sizeName(count)) numbers ≤ \(Int(limitBytesPerNumber)) B/number", met: tablePerNumber <= limitBytesPerNumber,
            "\(fixed(tablePerNumber, 1)) B/number in both maps (number → agent \(fixed(Double(numberTableBytes) / Double(count), 1)) B, "
                + "agent → number \(fixed(Double(agentTableBytes) / Double(count), 1)) B); whole directory \(fixed(rssPerNumber, 1)) B/number RSS"
        )
    }
}
