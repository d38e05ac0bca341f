import Testing

@testable import SwitchboardPosix

/// The connection lifecycle without sockets or sleeps: the clock is a value the test moves.
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    let start = MonotonicInstant.now
    let configuration = Machine.Configuration(
        headerTimeout: .seconds(10), idleTimeout: .seconds(60), lingerTimeout: .seconds(2), maxBufferedOutput: 1000)

    func machine() -> Machine {
        Machine(configuration: configuration, now: start)
    }

    /// A machine that has answered one keep-alive request at `start + 1s`, with output written.
    func machineAfterOneRequest() -> Machine {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 100, partialRequestBuffered: false, now: start + .seconds(1))
        _ = machine.outputWritten(pendingOutput: 0, now: start + .seconds(1))
        return machine
    }

    @Test func newConnection_silentPastHeaderTimeout_timesOutWithout408() {
        var machine = machine()
        #expect(machine.timerFired(now: start + .seconds(9)) == .none)
        #expect(machine.timerFired(now: start + .seconds(10)) == .timedOut(.header, answerRequestTimeout: false))
        #expect(machine.phase == .closed)
    }

    @Test func partialRequest_pastHeaderTimeout_timesOutWith408() {
        var machine = machine()
        machine.bytesReceived(now: start + .seconds(5))
        #expect(machine.timerFired(now: start + .seconds(14)) == .none)
        #expect(machine.timerFired(now: start + .seconds(15)) == .timedOut(.header, answerRequestTimeout: true))
    }

    @Test func partialRequest_moreBytes_keepFirstByteDeadline() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.bytesReceived(now: start + .seconds(9))
        #expect(machine.phase == .readingRequest(deadline: start + .seconds(10)))
    }

    @Test func shutdownWhileHandling_keepAliveRequest_responseCloses() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        #expect(machine.responseKeepsAlive)
        _ = machine.beginShutdown()
        #expect(!machine.responseKeepsAlive)
    }

    @Test func keepAlive_afterResponse_waitsIdleTimeout() {
        var machine = machineAfterOneRequest()
        #expect(machine.phase == .awaitingRequest(deadline: start + .seconds(61), timeout: .idle))
        #expect(machine.mayParse && machine.wantsRead)
        #expect(machine.timerFired(now: start + .seconds(60)) == .none)
        #expect(machine.timerFired(now: start + .seconds(61)) == .timedOut(.idle, answerRequestTimeout: false))
    }

    @Test func keepAlive_nextRequestBytes_switchToHeaderDeadline() {
        var machine = machineAfterOneRequest()
        machine.bytesReceived(now: start + .seconds(30))
        #expect(machine.phase == .readingRequest(deadline: start + .seconds(40)))
    }

    @Test func pipelined_partialNextRequestBuffered_readingWithHeaderDeadline() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 10, partialRequestBuffered: true, now: start + .seconds(1))
        #expect(machine.phase == .readingRequest(deadline: start + .seconds(11)))
    }

    @Test func handling_noReadsNoParsingNoDeadline() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        #expect(!machine.wantsRead && !machine.mayParse)
        #expect(machine.timerFired(now: start + .seconds(3600)) == .none)
    }

    @Test func requestWithoutKeepAlive_closesAfterFlushThenLingers() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: false)
        #expect(!machine.responseKeepsAlive)
        machine.responseQueued(pendingOutput: 50, partialRequestBuffered: false, now: start)
        #expect(machine.phase == .closing)
        #expect(!machine.wantsRead)
        #expect(machine.outputWritten(pendingOutput: 20, now: start) == .proceed)
        #expect(machine.outputWritten(pendingOutput: 0, now: start) == .halfClose)
        #expect(machine.isLingering && machine.wantsRead && !machine.mayParse)
        #expect(machine.timerFired(now: start + .seconds(2)) == .lingerEnded)
    }

    @Test func lingering_clientCloses_closesAtOnce() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: false)
        machine.responseQueued(pendingOutput: 0, partialRequestBuffered: false, now: start)
        #expect(machine.outputWritten(pendingOutput: 0, now: start) == .halfClose)
        #expect(machine.inputEnded() == .close)
    }

    @Test func parseFailure_closesAfterErrorResponse() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestFailed(pendingOutput: 120, now: start)
        #expect(machine.phase == .closing && !machine.mayParse)
        #expect(machine.outputWritten(pendingOutput: 0, now: start) == .halfClose)
    }

    @Test func inputEnded_midRequest_closesWithoutHandling() {
        var machine = machine()
        machine.bytesReceived(now: start)
        #expect(machine.inputEnded() == .close)
        #expect(machine.phase == .closed)
    }

    @Test func inputEnded_whileHandling_answersThenCloses() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        #expect(machine.inputEnded() == .proceed)
        machine.responseQueued(pendingOutput: 10, partialRequestBuffered: false, now: start)
        #expect(machine.phase == .closing)
        // The client cannot read any more leftovers from us: no lingering, just close.
        #expect(machine.outputWritten(pendingOutput: 0, now: start) == .close)
    }

    @Test func inputEnded_withOutputQueued_flushesFirst() {
        var machine = machineAfterOneRequest()
        machine.bytesReceived(now: start + .seconds(2))
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 10, partialRequestBuffered: false, now: start + .seconds(2))
        #expect(machine.inputEnded() == .proceed)
        #expect(machine.outputWritten(pendingOutput: 0, now: start + .seconds(2)) == .close)
    }

    @Test func backpressure_overLimit_stopsReadingAndParsing() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 1001, partialRequestBuffered: true, now: start)
        #expect(machine.isBackpressured)
        #expect(!machine.wantsRead && !machine.mayParse)
    }

    @Test func backpressure_drainedToQuarter_resumes() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 1001, partialRequestBuffered: true, now: start)
        _ = machine.outputWritten(pendingOutput: 251, now: start)
        #expect(machine.isBackpressured)
        _ = machine.outputWritten(pendingOutput: 250, now: start)
        #expect(!machine.isBackpressured && machine.wantsRead && machine.mayParse)
    }

    @Test func backpressure_paused_readDeadlineSuspendedAndRestarted() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 5000, partialRequestBuffered: true, now: start)
        // Progress every 5 s keeps the write deadline alive; the read deadline must not fire.
        for second in stride(from: 5, through: 30, by: 5) {
            _ = machine.outputWritten(pendingOutput: 5000 - second * 100, now: start + .seconds(second))
            #expect(machine.timerFired(now: start + .seconds(second)) == .none)
        }
        _ = machine.outputWritten(pendingOutput: 0, now: start + .seconds(31))
        #expect(machine.phase == .readingRequest(deadline: start + .seconds(41)))
    }

    @Test func writeStall_noProgressForIdleTimeout_timesOut() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 500, partialRequestBuffered: false, now: start)
        _ = machine.outputWritten(pendingOutput: 400, now: start + .seconds(1))
        _ = machine.outputWritten(pendingOutput: 400, now: start + .seconds(30))
        #expect(machine.writeDeadline == start + .seconds(61))
        #expect(machine.timerFired(now: start + .seconds(61)) == .timedOut(.write, answerRequestTimeout: false))
    }

    @Test func shutdown_idle_closesAtOnce() {
        var machine = machineAfterOneRequest()
        #expect(machine.beginShutdown() == .close)
    }

    @Test func shutdown_whileHandling_answersWithCloseThenCloses() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        #expect(machine.beginShutdown() == .proceed)
        machine.responseQueued(pendingOutput: 10, partialRequestBuffered: false, now: start)
        #expect(machine.phase == .closing)
    }

    @Test func shutdown_midRequest_finishesItWithoutKeepAlive() {
        var machine = machine()
        machine.bytesReceived(now: start)
        #expect(machine.beginShutdown() == .proceed)
        machine.requestReceived(requestKeepAlive: true)
        #expect(!machine.responseKeepsAlive)
    }

    @Test func shutdown_idleWithOutputQueued_flushesThenCloses() {
        var machine = machine()
        machine.bytesReceived(now: start)
        machine.requestReceived(requestKeepAlive: true)
        machine.responseQueued(pendingOutput: 10, partialRequestBuffered: false, now: start)
        #expect(machine.beginShutdown() == .proceed)
        #expect(machine.phase == .closing)
        #expect(machine.outputWritten(pendingOutput: 0, now: start) == .halfClose)
    }
}
