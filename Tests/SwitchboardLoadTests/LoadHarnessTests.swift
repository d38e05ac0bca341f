import Glibc
import SwitchboardCore
import SwitchboardPosix
import Testing

@testable import SwitchboardLoad

/// The harness against fake routers on loopback: right answers, wrong agents, a stall, dropped
/// connections, no server at all. Serialized: the stall checks are about time, and the machine
/// has two cores.
@Suite(.serialized) struct LoadHarnessTests {
    static let dataSet = try! DataSet(DataSetSpec(numbers: 3000, seed: 11, accounts: 3))

    static func configuration(port: UInt16, mode: LoadConfiguration.Mode = .closedLoop) -> LoadConfiguration {
        var configuration = LoadConfiguration()
        configuration.port = port
        configuration.mode = mode
        configuration.connections = 8
        configuration.threads = 2
        configuration.warmup = 0.2
        configuration.duration = 0.8
        configuration.timeout = 2
        configuration.adminToken = "test-admin"
        configuration.mix = TrafficMix(weights: [.webhookRetell: 3, .webhookVapi: 2, .webhookBland: 2, .callerID: 1])
        return configuration
    }

    @Test func harness_correctRouterWithWrites_zeroErrorsAndTheSameFinalState() throws {
        let router = try FakeRouter(dataSet: Self.dataSet)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        var configuration = Self.configuration(port: server.boundPort!)
        configuration.writeRate = 300
        configuration.writeConnections = 2
        configuration.timeout = 0.5  // the writes' cool-down: short, so numbers move more than once
        configuration.restoreAfterRun = false
        let test = try LoadTest(configuration: configuration, dataSet: Self.dataSet)
        let result = try test.run()
        #expect(result.totalErrors == 0, "\(LoadReport.text(result))")
        #expect(result.warmupErrors == 0)
        for kind in RequestKind.allCases {
            #expect(result.statistics(kind).correct > 0, "no correct \(kind) answers")
        }
        #expect(result.statistics(.assign).correct + result.statistics(.unassign).correct > 150)
        #expect(result.overall.correct == result.overall.latency.count)
        #expect(result.connectFailures == 0)
        #expect(result.unsent == 0)
        #expect(result.uncertainWrites == 0)
        #expect(result.lateWrites == 0, "\(LoadReport.text(result))")
        // What the harness believes the router holds is what it holds.
        let dataSet = Self.dataSet
        var moved = 0
        for number in test.plan.movableNumbers.map(Int.init) {
            let slot = test.plan.live.number(number)
            let held = router.directory.number(account: try Identifier(dataSet.accountID(ofNumber: number)), number: dataSet.number(number))?.agentID
            #expect(held?.value == (slot.committed < 0 ? nil : dataSet.agentID(Int(slot.committed))))
            if slot.committed != dataSet.initialAgent[number] { moved += 1 }
        }
        #expect(moved > 50)
    }

    @Test func harness_afterARunWithWrites_restoresTheSeedSoTheNextRunIsRight() throws {
        let router = try FakeRouter(dataSet: Self.dataSet)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        let seeded = try Self.dataSet.makeDirectory().image()
        var configuration = Self.configuration(port: server.boundPort!)
        configuration.writeRate = 300
        configuration.writeConnections = 2
        configuration.timeout = 0.5
        let first = try LoadTest(configuration: configuration, dataSet: Self.dataSet).run()
        #expect(first.totalErrors == 0, "\(LoadReport.text(first))")
        #expect(first.restoredWrites > 50)
        #expect(first.restoreErrors == 0)
        #expect(!first.restoreIncomplete)
        #expect(router.directory.image() == seeded)
        // A fresh harness (seeded expectations) against the same router: still all right.
        configuration.writeRate = 0
        let second = try LoadTest(configuration: configuration, dataSet: Self.dataSet).run()
        #expect(second.totalErrors == 0, "\(LoadReport.text(second))")
        #expect(second.overall.correct > 500)
    }

    @Test func harness_writesSlowerThanTheirConnectionsAllow_areReportedAsFallingBehind() throws {
        // One connection, 30 ms a write: about 33 writes a second, where 100 were asked for.
        let router = try FakeRouter(dataSet: Self.dataSet, slowWrites: 0.03)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        var configuration = Self.configuration(port: server.boundPort!)
        configuration.writeRate = 100
        configuration.writeConnections = 1
        configuration.timeout = 0.5
        configuration.restoreAfterRun = false
        let result = try LoadTest(configuration: configuration, dataSet: Self.dataSet).run()
        #expect(result.totalErrors == 0, "\(LoadReport.text(result))")
        #expect(result.lateWrites > 10, "\(LoadReport.text(result))")
        #expect(LoadReport.text(result).contains("writes fell behind"))
        #expect(LoadReport.json(result).contains(#""late_writes":\#(result.lateWrites)"#))
    }

    @Test func harness_routerIgnoringAcknowledgedWrites_countsWrongAnswers() throws {
        // Writes are acknowledged, but webhooks keep answering from the seed: after the
        // acknowledgement only the new agent is right, so the old one is a wrong answer.
        let router = try FakeRouter(dataSet: Self.dataSet, staleReads: true)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        var configuration = Self.configuration(port: server.boundPort!)
        configuration.writeRate = 300
        configuration.writeConnections = 2
        configuration.timeout = 0.5
        configuration.restoreAfterRun = false
        // Few numbers called, so the moved ones are called often after their move.
        configuration.poolSize = 100
        let result = try LoadTest(configuration: configuration, dataSet: Self.dataSet).run()
        #expect(result.errors(.wrongAnswer) > 20, "\(LoadReport.text(result))")
        #expect(result.statistics(.assign).errorCount + result.statistics(.unassign).errorCount == 0)
        #expect(result.errors(.status) + result.errors(.connection) + result.errors(.timeout) + result.errors(.parse) == 0)
    }

    @Test func harness_correctRouterOpenLoop_achievesTheRateWithoutErrors() throws {
        let router = try FakeRouter(dataSet: Self.dataSet)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        let result = try LoadTest(configuration: Self.configuration(port: server.boundPort!, mode: .openLoop(ratePerSecond: 1000)), dataSet: Self.dataSet).run()
        #expect(result.totalErrors == 0, "\(LoadReport.text(result))")
        // 1000/s for 0.8 s: every due request was sent and answered.
        #expect((790...810).contains(result.overall.sent), "\(result.overall.sent) sent")
        #expect(result.overall.correct == result.overall.sent)
        #expect(result.unsent == 0)
    }

    @Test func harness_routerAnsweringWrongAgents_countsWrongAnswersNotLatency() throws {
        // Every number whose key ends in 3 or 7 is answered with somebody else's agent when routed.
        let router = try FakeRouter(dataSet: Self.dataSet, wrongAgentFor: { $0.key % 10 == 3 || $0.key % 10 == 7 })
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        let result = try LoadTest(configuration: Self.configuration(port: server.boundPort!), dataSet: Self.dataSet).run()
        let wrong = result.errors(.wrongAnswer)
        #expect(wrong > 20, "\(LoadReport.text(result))")
        #expect(result.errors(.status) + result.errors(.connection) + result.errors(.timeout) + result.errors(.parse) == 0)
        #expect(result.statistics(.callerID).errorCount == 0)
        // Roughly a fifth of the routed webhooks (85% of numbers) are wrong: 17% of webhooks.
        let webhooks = [RequestKind.webhookRetell, .webhookVapi, .webhookBland].reduce(UInt64(0)) { $0 + result.statistics($1).sent }
        let share = Double(wrong) / Double(webhooks)
        #expect(share > 0.08 && share < 0.28, "wrong share \(share)")
        #expect(result.overall.latency.count == result.overall.correct)
        #expect(result.samples.contains { $0.contains("agent_somebody_else") })
    }

    @Test func harness_openLoopAgainstAStall_reportsItInTheHighPercentiles() throws {
        // All requests between 0.6 s and 1.0 s after start wait until 1.0 s: a fifth of the
        // measured 1.8 s.
        let router = try FakeRouter(dataSet: Self.dataSet, stall: 0.6...1.0)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        var configuration = Self.configuration(port: server.boundPort!, mode: .openLoop(ratePerSecond: 400))
        configuration.duration = 1.8
        let test = try LoadTest(configuration: configuration, dataSet: Self.dataSet)
        router.restartClock()
        let result = try test.run()
        #expect(result.totalErrors == 0, "\(LoadReport.text(result))")
        let latency = result.overall.latency
        // ~160 requests fall due during the stall and wait up to 0.4 s each, counted from when
        // they were due: 15% of the requests wait 0.1 s or more, 7% 0.25 s or more, so the stall
        // owns p90 and above, not just the max (counted from the send, it would be one request
        // per connection: 8 of 720, about p99).
        #expect(latency.value(atPercentile: 99) >= 250_000_000, "\(LoadReport.text(result))")
        #expect(latency.value(atPercentile: 90) >= 100_000_000, "\(LoadReport.text(result))")
        #expect(latency.max >= 350_000_000)
        #expect(latency.value(atPercentile: 50) < 50_000_000)
    }

    @Test func harness_closedLoopAgainstAStall_showsItAsAThroughputGap() throws {
        let router = try FakeRouter(dataSet: Self.dataSet, stall: 0.5...0.9)
        let server = try router.serve()
        defer { server.shutdown(gracePeriod: .seconds(1)) }
        var configuration = Self.configuration(port: server.boundPort!)
        configuration.duration = 1.2
        let test = try LoadTest(configuration: configuration, dataSet: Self.dataSet)
        router.restartClock()
        let result = try test.run()
        #expect(result.totalErrors == 0, "\(LoadReport.text(result))")
        // 100 ms slots wholly inside the stall (0.6 to 0.8 s): nothing but the answers released at
        // its end; before it, hundreds per slot.
        let before = result.timeline[2...3].reduce(0, +)
        let during = result.timeline[6...7].reduce(0, +)
        #expect(before > 100, "timeline \(result.timeline)")
        #expect(during == 0, "timeline \(result.timeline)")
        #expect(result.overall.latency.max >= 300_000_000)
    }

    @Test func harness_serverThatDropsConnections_countsConnectionErrorsAndReconnects() throws {
        let router = try FakeRouter(dataSet: Self.dataSet)
        // Every connection gets 5 answers, then is closed with the sixth request unanswered.
        let server = try DroppingServer(answersPerConnection: 5) { request in
            let response = router.respond(request)
            return HTTPResponseBytes(status: response.status.code, body: response.body)
        }
        defer { server.stop() }
        var configuration = Self.configuration(port: server.port)
        configuration.connections = 4
        let result = try LoadTest(configuration: configuration, dataSet: Self.dataSet).run()
        let connectionErrors = result.errors(.connection)
        #expect(connectionErrors > 10, "\(LoadReport.text(result))")
        #expect(result.reconnects >= connectionErrors)
        #expect(result.errors(.wrongAnswer) == 0)
        // About five answers for each dropped request.
        #expect(result.overall.correct >= 4 * connectionErrors, "\(LoadReport.text(result))")
    }

    @Test func harness_noServerListening_countsFailedConnectsAndEndsOnTime() throws {
        // A port that was just free: bind, read the port, close.
        let probe = try FakeRouter(dataSet: Self.dataSet).serve()
        let port = probe.boundPort!
        probe.shutdown(gracePeriod: .zero)
        var configuration = Self.configuration(port: port)
        configuration.duration = 0.5
        let started = ContinuousClock.now
        let result = try LoadTest(configuration: configuration, dataSet: Self.dataSet).run()
        #expect(started.duration(to: .now) < .seconds(4))
        #expect(result.connectFailures > 8)
        #expect(result.overall.correct == 0)
        #expect(result.overall.sent == 0)
    }
}
