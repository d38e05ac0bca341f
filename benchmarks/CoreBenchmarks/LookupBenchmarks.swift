import CAllocationCounter
import BenchmarkSupport
import SwitchboardCore

/// One inbound call: the number dialled and the provider whose webhook reports it.
struct InboundProbe: Sendable {
    var number: E164
    var provider: Provider
}

/// Goal: the inbound decision beats a plain `Dictionary` under one lock at 1 thread, and reaches
/// at least 1.7x its throughput at 2 threads, at 100k and 1M numbers.
enum LookupBenchmarks {
    static let requiredTwoThreadRatio = 1.7

    static func run(_ context: BenchmarkContext) {
        let quick = context.options.quick
        let sizes = context.options.sizes ?? (quick ? [2_000, 20_000] : [100_000, 1_000_000])
        let threadCounts = [1, 2]
        let operationsPerThread = quick ? 20_000 : 3_000_000
        let probesPerThread = quick ? 1 << 12 : 1 << 20
        printHeading(
            "Inbound lookup (index.inbound vs one-lock Dictionary)",
            """
            Each thread replays its own precomputed random calls (\(grouped(probesPerThread)) probes, looped to \
            \(grouped(operationsPerThread)) calls per thread per run): 95% to numbers of the directory (uniformly; 90% \
            of them assigned), 5% to unknown numbers. Threads start together behind a barrier; ops/s = all calls / \
            wall time from first start to last end. One warm-up round, then \(context.options.runs) interleaved \
            rounds. Baselines: [UInt64: BaselineNumber] under ONE lock, same decision logic, same AgentRecord \
            objects: Synchronization.Mutex; a pthread mutex (as the index's shards); and SwitchboardCore.Locked \
            (a pthread mutex behind a generic withLock that other modules call unspecialised; for information).
            Goals are judged against the faster of Mutex and pthread.
            """
        )
        var table = Table("numbers", "threads", "implementation", "min ops/s", "median ops/s", "index speed-up (median)")
        var goals: [(String, Bool, String)] = []
        for size in sizes {
            let fixture = context.fixtures.routing(numbers: size)
            let probes = (0..<threadCounts.max()!).map { thread in
                makeProbes(fixture.generated, count: probesPerThread, seed: 0xCA11 &+ UInt64(thread))
            }
            check(fixture, probes: probes[0])
            // Heap allocations per decision, counted on this thread over one pass of the probes
            // (routed, refused and unknown numbers alike): the hot path must make none.
            let allocationsBefore = csb_thread_allocations()
            _ = lookupLoop(fixture.index, probes[0], account: fixture.account, operations: probes[0].count)
            let allocations = Double(csb_thread_allocations() - allocationsBefore) / Double(probes[0].count)
            goals.append(
                ("lookup \(sizeName(size)): no heap allocation per decision", allocations == 0,
                 "\(fixed(allocations, 4)) allocations per decision over \(grouped(probes[0].count)) decisions (counted by the malloc interposer)"))
            for threads in threadCounts {
                // What every run must return: the same decisions, so the same checksums.
                let expected = (0..<threads).map { thread in
                    lookupLoop(fixture.index, probes[thread], account: fixture.account, operations: operationsPerThread)
                }
                let threadProbes = Array(probes[0..<threads])
                // Concrete router types, so each timed loop is specialised and the calls inline.
                func contender<Router: InboundRouter>(_ name: String, _ router: Router) -> Contender {
                    Contender(name: name) {
                        opsPerSecond(
                            router, probes: threadProbes, account: fixture.account, operationsPerThread: operationsPerThread,
                            expected: expected
                        )
                    }
                }
                let contenders = [
                    contender("RoutingIndex (64 shards)", fixture.index),
                    contender("Dictionary + one Mutex", fixture.mutexRouter),
                    contender("Dictionary + one pthread mutex", fixture.pthreadRouter),
                    contender("Dictionary + one Locked (info)", fixture.lockedRouter),
                ]
                let samples = measureInterleaved(runs: context.options.runs, contenders)
                let indexMedian = samples[0].median
                for (position, contender) in contenders.enumerated() {
                    table.add(
                        sizeName(size), "\(threads)", contender.name, mops(samples[position].min), mops(samples[position].median),
                        position == 0 ? "-" : times(indexMedian / samples[position].median)
                    )
                }
                let mutexRatio = indexMedian / samples[1].median
                let pthreadRatio = indexMedian / samples[2].median
                let judged = min(mutexRatio, pthreadRatio)
                let name: String
                let met: Bool
                if threads == 1 {
                    name = "lookup \(sizeName(size)), 1 thread: faster than one-lock Dictionary"
                    met = judged > 1
                } else {
                    name = "lookup \(sizeName(size)), \(threads) threads: ≥ \(fixed(requiredTwoThreadRatio, 1))x one-lock Dictionary"
                    met = judged >= requiredTwoThreadRatio
                }
                goals.append(
                    (name, met, "index \(mops(indexMedian)) ops/s = \(times(mutexRatio)) Mutex, \(times(pthreadRatio)) pthread (medians)")
                )
            }
        }
        print(table.render())
        for (name, met, detail) in goals { context.report.goal(name, met: met, detail) }
    }

    /// Calls to the directory's numbers (uniformly: the index sees every slot, not a hot few) and,
    /// one in twenty, to numbers of blocks nobody owns.
    static func makeProbes(_ generated: GeneratedDirectory, count: Int, seed: UInt64) -> [InboundProbe] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            if Int.random(in: 0..<100, using: &random) < 5 {
                let key = generated.unknownKeys.randomElement(using: &random)!
                return InboundProbe(number: E164(key: key)!, provider: Provider.allCases.randomElement(using: &random)!)
            }
            let number = generated.numbers.randomElement(using: &random)!
            return InboundProbe(number: E164(key: number.key)!, provider: number.provider)
        }
    }

    /// Set-up check: the index and both baselines decide every probe alike.
    static func check(_ fixture: RoutingFixture, probes: [InboundProbe]) {
        var outcomes: [String: Int] = [:]
        for probe in probes {
            let decision = fixture.index.inbound(probe.number, account: fixture.account, provider: probe.provider)
            let mutex = fixture.mutexRouter.inbound(probe.number, account: fixture.account, provider: probe.provider)
            let pthread = fixture.pthreadRouter.inbound(probe.number, account: fixture.account, provider: probe.provider)
            let locked = fixture.lockedRouter.inbound(probe.number, account: fixture.account, provider: probe.provider)
            guard decision.same(as: mutex), decision.same(as: pthread), decision.same(as: locked) else {
                fatalError("index and baseline disagree on \(probe.number) via \(probe.provider)")
            }
            switch decision {
            case .routed: outcomes["routed", default: 0] += 1
            case .refused(let reason): outcomes[reason.code, default: 0] += 1
            }
        }
        let mix = outcomes.sorted { $0.value > $1.value }.map { "\($0.key) \(fixed(Double($0.value) * 100 / Double(probes.count), 1))%" }
        print("(\(sizeName(fixture.generated.numbers.count)) numbers: index and baselines agree on all probes; mix: \(mix.joined(separator: ", ")))")
    }

    /// One run: every thread replays its probes; returns all calls / wall time.
    static func opsPerSecond<Router: InboundRouter>(
        _ router: Router, probes: [[InboundProbe]], account: UInt32, operationsPerThread: Int, expected: [UInt64]
    ) -> Double {
        let result = runTogether(
            probes.map { probes in
                { lookupLoop(router, probes, account: account, operations: operationsPerThread) }
            }
        )
        precondition(result.results == expected, "a run decided differently from the index's reference run")
        return Double(probes.count * operationsPerThread) / (Double(result.wallNanoseconds) / 1e9)
    }
}

/// The timed loop: `operations` inbound decisions over `probes`, cycling; returns a checksum.
@inline(never)
func lookupLoop<Router: InboundRouter>(_ router: Router, _ probes: [InboundProbe], account: UInt32, operations: Int) -> UInt64 {
    probes.withUnsafeBufferPointer { probes in
        var checksum: UInt64 = 0
        var position = 0
        for _ in 0..<operations {
            let probe = probes[position]
            position += 1
            if position == probes.count { position = 0 }
            checksum &+= router.inbound(probe.number, account: account, provider: probe.provider).digest
        }
        return checksum
    }
}
