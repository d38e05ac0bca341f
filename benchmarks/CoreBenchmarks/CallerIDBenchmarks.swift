import CAllocationCounter
import BenchmarkSupport
import SwitchboardCore

/// One outbound call: the agent calling and the number it asked for, if any.
struct CallerIDProbe: Sendable {
    var agentID: String
    var explicit: E164?
}

/// Goal: choosing the caller ID of an outbound call takes under 1 µs, on each of its three paths.
enum CallerIDBenchmarks {
    static let limitNanoseconds = 1000.0

    enum Path: String, CaseIterable {
        case assigned, explicit, `default`
    }

    static func run(_ context: BenchmarkContext) {
        let quick = context.options.quick
        let sizes = context.options.sizes ?? (quick ? [2_000, 20_000] : [100_000, 1_000_000])
        let operations = quick ? 20_000 : 2_000_000
        let probeCount = quick ? 1 << 12 : 1 << 18
        printHeading(
            "Caller-ID choice (index.callerID vs one-lock Dictionary)",
            """
            One thread; each path replays \(grouped(probeCount)) precomputed random calls (looped to \
            \(grouped(operations)) per run): `assigned` = agents with a number, no number given; `explicit` = any \
            agent with an active number of its provider given; `default` = agents without a number (the \
            connection's default). ns/op = run time / calls. One warm-up round, then \(context.options.runs) \
            interleaved rounds. Baselines: [String: BaselineAgent] + [UInt64: BaselineNumber] + defaults under ONE \
            lock (Mutex; pthread mutex; Locked, for information), same decision logic.
            """
        )
        var table = Table("numbers", "path", "implementation", "min ns/op", "median ns/op", "index speed-up (median)")
        var worst: (nanoseconds: Double, where: String) = (0, "")
        // Heap allocations per choice, counted on this thread over one pass of each path's probes.
        var mostAllocations = 0.0
        for size in sizes {
            let fixture = context.fixtures.routing(numbers: size)
            for path in Path.allCases {
                let probes = makeProbes(fixture.generated, path: path, count: probeCount, seed: 0x0C1D &+ UInt64(size))
                check(fixture, probes: probes, path: path)
                let allocationsBefore = csb_thread_allocations()
                _ = callerIDLoop(fixture.index, probes, account: fixture.account, operations: probes.count)
                mostAllocations = max(mostAllocations, Double(csb_thread_allocations() - allocationsBefore) / Double(probes.count))
                let expected = callerIDLoop(fixture.index, probes, account: fixture.account, operations: operations)
                // Concrete chooser types, so each timed loop is specialised and the calls inline.
                func contender<Chooser: CallerIDChooser>(_ name: String, _ chooser: Chooser) -> Contender {
                    Contender(name: name) {
                        nanosecondsPerCall(chooser, probes: probes, account: fixture.account, operations: operations, expected: expected)
                    }
                }
                let contenders = [
                    contender("RoutingIndex (64 shards)", fixture.index),
                    contender("Dictionary + one Mutex", fixture.mutexCallerID),
                    contender("Dictionary + one pthread mutex", fixture.pthreadCallerID),
                    contender("Dictionary + one Locked (info)", fixture.lockedCallerID),
                ]
                let samples = measureInterleaved(runs: context.options.runs, contenders)
                let indexMedian = samples[0].median
                for (position, contender) in contenders.enumerated() {
                    table.add(
                        sizeName(size), path.rawValue, contender.name, fixed(samples[position].min, 1), fixed(samples[position].median, 1),
                        position == 0 ? "-" : times(samples[position].median / indexMedian)
                    )
                }
                if indexMedian > worst.nanoseconds { worst = (indexMedian, "\(path.rawValue) path at \(sizeName(size))") }
            }
        }
        print(table.render())
        context.report.goal(
            "caller-ID choice < 1 µs (every path, every size)", met: worst.nanoseconds < limitNanoseconds,
            "slowest median \(fixed(worst.nanoseconds, 1)) ns/op (\(worst.where))"
        )
        context.report.goal(
            "caller-ID choice: no heap allocation (every path, every size)", met: mostAllocations == 0,
            "at most \(fixed(mostAllocations, 4)) allocations per choice (counted by the malloc interposer)"
        )
    }

    static func makeProbes(_ generated: GeneratedDirectory, path: Path, count: Int, seed: UInt64) -> [CallerIDProbe] {
        var random = SplitMix64(seed: seed)
        let agents = generated.agentIDs.indices
        let withNumber = agents.filter { generated.agentNumbers[$0] != 0 }
        let withoutNumber = agents.filter { generated.agentNumbers[$0] == 0 }
        return (0..<count).map { _ in
            switch path {
            case .assigned:
                return CallerIDProbe(agentID: generated.agentIDs[withNumber.randomElement(using: &random)!], explicit: nil)
            case .default:
                return CallerIDProbe(agentID: generated.agentIDs[withoutNumber.randomElement(using: &random)!], explicit: nil)
            case .explicit:
                let agent = agents.randomElement(using: &random)!
                let keys = generated.activeKeysByProvider[Int(generated.agentProviders[agent].rawValue)]
                return CallerIDProbe(agentID: generated.agentIDs[agent], explicit: E164(key: keys.randomElement(using: &random)!)!)
            }
        }
    }

    /// Set-up check: every probe takes the path it is meant to, and index and baselines agree.
    static func check(_ fixture: RoutingFixture, probes: [CallerIDProbe], path: Path) {
        for probe in probes {
            let decision = fixture.index.callerID(account: fixture.account, agentID: probe.agentID, explicit: probe.explicit)
            let mutex = fixture.mutexCallerID.callerID(account: fixture.account, agentID: probe.agentID, explicit: probe.explicit)
            let pthread = fixture.pthreadCallerID.callerID(account: fixture.account, agentID: probe.agentID, explicit: probe.explicit)
            let locked = fixture.lockedCallerID.callerID(account: fixture.account, agentID: probe.agentID, explicit: probe.explicit)
            guard decision.same(as: mutex), decision.same(as: pthread), decision.same(as: locked) else {
                fatalError("index and baseline disagree on the caller ID of \(probe.agentID)")
            }
            guard case .chosen(_, let source, _) = decision, source.description == path.rawValue else {
                fatalError("probe for \(probe.agentID) took \(decision), not the \(path) path")
            }
        }
    }

    static func nanosecondsPerCall<Chooser: CallerIDChooser>(
        _ chooser: Chooser, probes: [CallerIDProbe], account: UInt32, operations: Int, expected: UInt64
    ) -> Double {
        let started = monotonicNanoseconds()
        let checksum = callerIDLoop(chooser, probes, account: account, operations: operations)
        let elapsed = monotonicNanoseconds() - started
        precondition(checksum == expected, "a run decided differently from the index's reference run")
        return Double(elapsed) / Double(operations)
    }
}

/// The timed loop: `operations` caller-ID choices over `probes`, cycling; returns a checksum.
@inline(never)
func callerIDLoop<Chooser: CallerIDChooser>(_ chooser: Chooser, _ probes: [CallerIDProbe], account: UInt32, operations: Int) -> UInt64 {
    probes.withUnsafeBufferPointer { probes in
        var checksum: UInt64 = 0
        var position = 0
        for _ in 0..<operations {
            let probe = probes[position]
            position += 1
            if position == probes.count { position = 0 }
            checksum &+= chooser.callerID(account: account, agentID: probe.agentID, explicit: probe.explicit).digest
        }
        return checksum
    }
}
