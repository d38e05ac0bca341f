import CSwitchboardLinux
import SwitchboardPosix
import Synchronization

/// Live counts a worker publishes for the once-a-second progress line (relaxed atomics: a
/// progress line needs no ordering with anything else).
final class WorkerProgress: Sendable {
    let answered = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    /// Set when the loop has ended (the coordinator stops waiting early).
    let done = Atomic<Bool>(false)
}

/// One load thread: its own epoll loop, timerfd and keep-alive connections. Closed loop: every
/// idle connection sends at once. Open loop: requests fall due at this worker's share of the rate
/// and wait in a queue for a free connection, and their latency counts from when they were due.
final class LoadWorker: @unchecked Sendable {
    // @unchecked Sendable: made on the coordinator thread, then touched only by its own thread in
    // `run()`; the coordinator reads the results only after joining that thread (pthread_join
    // orders the writes), and reads `progress` (atomics) meanwhile.

    let index: Int
    let plan: LoadPlan
    let schedule: RunSchedule
    let progress = WorkerProgress()
    var recorder: LoadRecorder
    var connections: [LoadConnection] = []
    let tally = ConnectionTally()
    var random: SplitMix64
    let epollFD: Int32
    let timerFD: Int32
    /// The deadline the timerfd is armed for (0: not armed).
    var armedAt: UInt64 = 0
    let readBuffer: UnsafeMutableRawBufferPointer
    var table: RequestTable
    var lastTableCheck: UInt64 = 0
    let timeout: UInt64
    var nextTimeoutScan: UInt64 = .max

    // Open loop: due times are firstDue + k·interval.
    let interval: Double?
    let firstDue: UInt64
    var dueCount: UInt64 = 0
    var queue: [UInt64] = []
    var queueHead = 0

    /// Idle connections by index, most recently idle last; entries are re-checked when taken.
    var idleTraffic: [Int] = []
    var idleWriters: [Int] = []
    let writer: Operator?
    /// Requests due but never sent, and sent but unanswered, when the run stopped (not errors:
    /// the run ended first).
    var unsent: UInt64 = 0
    var unfinished: UInt64 = 0
    /// The seeded state could not be fully restored after the run.
    var restoreIncomplete = false

    static let timerToken = UInt64.max

    init(index: Int, plan: LoadPlan, schedule: RunSchedule, trafficConnections: Int, writeConnections: Int) throws(LoadTestError) {
        self.index = index
        self.plan = plan
        self.schedule = schedule
        let configuration = plan.configuration
        recorder = LoadRecorder(slots: schedule.slots)
        random = SplitMix64(seed: SplitMix64.mix(configuration.seed &+ UInt64(index) &* 0x9E37_79B9))
        timeout = configuration.timeoutNanoseconds
        table = plan.currentTable
        if case .openLoop(let rate) = configuration.mode {
            let threads = Double(configuration.threads)
            interval = threads * 1e9 / rate
            firstDue = schedule.start + UInt64(Double(index) * 1e9 / rate)
        } else {
            interval = nil
            firstDue = schedule.start
        }
        writer = writeConnections > 0 ? Operator(plan: plan, schedule: schedule) : nil
        do {
            epollFD = try Posix.epollCreate()
        } catch {
            throw LoadTestError("cannot start load thread \(index): \(error)")
        }
        do {
            timerFD = try Posix.timerFD()
            try Posix.epollControl(epollFD, CSB_EPOLL_CTL_ADD, timerFD, events: CSB_EPOLLIN, data: LoadWorker.timerToken)
        } catch {
            Posix.close(epollFD)
            throw LoadTestError("cannot start load thread \(index): \(error)")
        }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        for _ in 0..<trafficConnections { connections.append(LoadConnection(token: UInt64(connections.count), role: .traffic, tally: tally)) }
        for _ in 0..<writeConnections { connections.append(LoadConnection(token: UInt64(connections.count), role: .writes, tally: tally)) }
    }

    deinit {
        readBuffer.deallocate()
    }

    /// The loop; returns when the run is over. On its own thread.
    func run() {
        let events = UnsafeMutableBufferPointer<csb_epoll_event>.allocate(capacity: Int(CSB_EPOLL_MAX_EVENTS))
        defer { events.deallocate() }
        while true {
            let now = Nanoclock.now()
            if now >= schedule.drainEnd { break }
            if now >= schedule.end && !hasOutstanding { break }
            if now &- lastTableCheck >= 100_000_000 {
                table = plan.currentTable
                lastTableCheck = now
            }
            enqueueDue(now: now)
            writer?.enqueueDue(now: now, end: schedule.end)
            reconnectDue(now: now)
            dispatch(now: now)
            if now >= nextTimeoutScan { scanTimeouts(now: now) }
            wait(until: nextWake(now: now), now: now, events: events)
        }
        finish()
        progress.done.store(true, ordering: .releasing)
    }

    /// Requests queued, or answers awaited.
    private var hasOutstanding: Bool {
        queueHead < queue.count || writer?.hasQueued == true || tally.busy > 0
    }

    // MARK: Schedule

    private func enqueueDue(now: UInt64) {
        guard let interval else { return }
        while true {
            let due = firstDue + UInt64(Double(dueCount) * interval)
            guard due <= now, due < schedule.end else { return }
            queue.append(due)
            dueCount += 1
        }
    }

    private func nextDue() -> UInt64? {
        guard let interval else { return nil }
        let due = firstDue + UInt64(Double(dueCount) * interval)
        return due < schedule.end ? due : nil
    }

    private func dequeue() -> UInt64? {
        guard queueHead < queue.count else { return nil }
        let due = queue[queueHead]
        queueHead += 1
        if queueHead > 4096 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return due
    }

    /// Hands queued (open loop) or immediate (closed loop) requests to idle connections.
    private func dispatch(now: UInt64) {
        if interval == nil {
            while now < schedule.end, let connection = takeIdle(&idleTraffic) {
                sendTraffic(on: connection, intended: now, now: now)
            }
        } else {
            while queueHead < queue.count, let connection = takeIdle(&idleTraffic) {
                sendTraffic(on: connection, intended: dequeue()!, now: now)
            }
        }
        guard let writer else { return }
        while writer.hasQueued, let connection = takeIdle(&idleWriters) {
            let due = writer.dequeue()!
            guard let write = writer.nextWrite(now: now) else {
                recorder.skippedWrites += 1
                markIdle(connection)
                continue
            }
            if now > due &+ LoadRecorder.lateWriteNanoseconds { recorder.lateWrites += 1 }
            sendWrite(write, on: connection, intended: due, now: now)
        }
    }

    private func takeIdle(_ list: inout [Int]) -> LoadConnection? {
        while let index = list.popLast() {
            let connection = connections[index]
            if connection.state == .idle { return connection }
        }
        return nil
    }

    func markIdle(_ connection: LoadConnection) {
        connection.state = .idle
        if connection.role == .traffic { idleTraffic.append(Int(connection.token)) } else { idleWriters.append(Int(connection.token)) }
    }

    /// The earliest moment something is due: a request, a write, a reconnect, a timeout, the end.
    private func nextWake(now: UInt64) -> UInt64 {
        var wake = now < schedule.end ? schedule.end : schedule.drainEnd
        if let due = nextDue() { wake = Swift.min(wake, due) }
        if let due = writer?.nextDue(end: schedule.end) { wake = Swift.min(wake, due) }
        wake = Swift.min(wake, nextTimeoutScan)
        if tally.disconnected > 0 {
            for connection in connections where connection.state == .disconnected {
                wake = Swift.min(wake, connection.retryAt)
            }
        }
        return wake
    }

    /// Waits for socket events or `deadline` (through the timerfd: nanosecond resolution, where
    /// epoll_wait's own timeout has whole milliseconds), and handles what arrived.
    private func wait(until deadline: UInt64, now: UInt64, events: UnsafeMutableBufferPointer<csb_epoll_event>) {
        var timeoutMilliseconds: Int32 = -1
        if deadline <= now {
            timeoutMilliseconds = 0
        } else if deadline != armedAt {
            do {
                try Posix.armTimer(timerFD, at: deadline)
                armedAt = deadline
            } catch {
                // Cannot happen with a valid descriptor; fall back to a coarse wait.
                timeoutMilliseconds = Int32(clamping: (deadline - now) / 1_000_000 + 1)
            }
        }
        let count: Int
        do {
            count = try Posix.epollWait(epollFD, into: events, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            fatalError("load thread \(index): \(error)")  // EBADF/EFAULT/EINVAL: a bug, not a condition
        }
        let woke = Nanoclock.now()
        for event in events[..<count] {
            if event.data == LoadWorker.timerToken {
                try? Posix.drainTimer(timerFD)
                armedAt = 0
            } else {
                handle(event, connection: connections[Int(event.data)], now: woke)
            }
        }
    }

    private func scanTimeouts(now: UInt64) {
        var next = UInt64.max
        for connection in connections where connection.state == .busy {
            guard let flight = connection.inFlight else { continue }
            if now &- flight.sent >= timeout {
                fail(connection, .timeout, now: now, detail: "no answer in \(plan.configuration.timeout) s")
                close(connection, now: now)
            } else {
                next = Swift.min(next, flight.sent + timeout)
            }
        }
        nextTimeoutScan = next
    }

    /// Counts what the run left undone, closes the traffic connections, restores the seeded
    /// state if writes ran, and releases every descriptor.
    private func finish() {
        unsent = UInt64(queue.count - queueHead) + UInt64(writer?.queuedCount ?? 0)
        for connection in connections where connection.state == .busy && connection.role == .traffic {
            unfinished += 1
        }
        for connection in connections where connection.role == .traffic && connection.fd >= 0 {
            Posix.close(connection.fd)
            connection.fd = -1
            connection.state = .disconnected
            connection.inFlight = nil
        }
        if let writer, plan.configuration.restoreAfterRun {
            restore(writer)
        }
        for connection in connections where connection.fd >= 0 {
            if connection.state == .busy { unfinished += 1 }
            Posix.close(connection.fd)
            connection.fd = -1
        }
        Posix.close(timerFD)
        Posix.close(epollFD)
    }

    /// Puts every number the writes moved back with its seeded agent (bounded by
    /// `restoreTimeout`), on the writers' connections, checking each answer like any write.
    private func restore(_ writer: Operator) {
        let events = UnsafeMutableBufferPointer<csb_epoll_event>.allocate(capacity: Int(CSB_EPOLL_MAX_EVENTS))
        defer { events.deallocate() }
        let deadline = Nanoclock.now() + UInt64(plan.configuration.restoreTimeout * 1e9)
        var planned = false
        while true {
            let now = Nanoclock.now()
            // Writes of the run still out finish (or time out) first: the plan needs settled owners.
            if !planned && writer.isIdle {
                writer.beginRestore()
                planned = true
            }
            if (planned && writer.restoreDone) || now >= deadline { break }
            reconnectDue(now: now, writersOnly: true)
            while planned, let connection = takeIdle(&idleWriters) {
                guard let write = writer.nextRestoreWrite() else {
                    markIdle(connection)
                    break
                }
                sendWrite(write, on: connection, intended: now, now: now, restoring: true)
            }
            if now >= nextTimeoutScan { scanTimeouts(now: now) }
            var wake = Swift.min(deadline, now + 50_000_000, nextTimeoutScan)
            for connection in connections where connection.role == .writes && connection.state == .disconnected {
                wake = Swift.min(wake, connection.retryAt)
            }
            wait(until: wake, now: now, events: events)
        }
        restoreIncomplete = !planned || !writer.restoreDone || writer.unrestorable > 0
    }
}
