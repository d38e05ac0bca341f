import CSwitchboardLinux
import SwitchboardHTTP

/// What every loop of one server shares; immutable after `HTTPServer.start()`.
final class LoopShared: Sendable {
    let handler: any HTTPHandler
    let limits: HTTPLimits
    let connectionConfiguration: ConnectionStateMachine.Configuration
    let timerInterval: Duration
    let maxConnections: Int
    let counters: ServerCounters
    let offload: OffloadPool

    init(
        configuration: HTTPServer.Configuration, handler: any HTTPHandler, counters: ServerCounters,
        offload: OffloadPool
    ) {
        self.handler = handler
        self.limits = configuration.limits
        self.connectionConfiguration = configuration.connectionConfiguration
        self.timerInterval = configuration.timerInterval
        self.maxConnections = configuration.maxConnections
        self.counters = counters
        self.offload = offload
    }
}

/// One epoll loop on its own thread, owning the connections handed to it.
///
/// Level-triggered epoll: a connection is registered for exactly what it can use now (see
/// `Connection.updateInterest`), so nothing is lost if a handler stops reading early, and no
/// "drain until EAGAIN" discipline is needed. Deadlines are checked by scanning the connections
/// every `timerInterval` via epoll_wait's timeout; a loop with no connections sleeps until woken.
final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: other threads only call `post`, which touches the inbox under its lock
    // (and signals the eventfd under that same lock). Every other `var` is used only on the loop's
    // thread inside `run()`, or set before that thread starts (pthread_create orders those writes).

    enum Message {
        /// A connection accepted by the listening loop for this one.
        case adopt(fd: Int32, remoteAddress: String)
        /// A deferred handler's answer.
        case response(connectionID: UInt64, HTTPResponse)
        /// Close the listening socket, then call `done`.
        case stopAccepting(done: @Sendable () -> Void)
        /// Finish in-flight requests, close idle connections, exit when none are left or at `deadline`.
        case shutdown(deadline: MonotonicInstant)
    }

    private struct Inbox {
        var messages: [Message] = []
        var open = true
    }

    /// epoll data for the two descriptors that are not connections; connection ids never reach
    /// these values (the loop index is in the top 16 bits and stays below 65,535).
    static let wakeToken = UInt64.max
    static let listenerToken = UInt64.max - 1

    let index: Int
    let shared: LoopShared
    /// Each loop has its own date cache, so the cache's lock is never contended (and a lock that
    /// TSan cannot see is never touched by two threads).
    let encoder = HTTPResponseEncoder(dateCache: HTTPDateCache())
    /// One read buffer per loop, not per connection: 10,000 idle connections cost no buffers.
    let readBuffer: UnsafeMutableRawBufferPointer
    let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Guarded(Inbox())

    var connections: [UInt64: Connection] = [:]
    /// Connections that read requests in the current batch of events, to be written at its end.
    var answered: [Connection] = []
    var nextSequence: UInt64 = 0
    var shutdownDeadline: MonotonicInstant?
    var nextTimerCheck = MonotonicInstant.now
    // The listening loop only:
    var listenerFD: Int32?
    var peers: [EventLoop] = []
    var nextPeer = 0
    var acceptPausedUntil: MonotonicInstant?

    init(index: Int, shared: LoopShared, readBufferSize: Int = 64 * 1024) throws(PosixError) {
        self.index = index
        self.shared = shared
        epollFD = try Posix.epollCreate()
        do {
            wakeFD = try Posix.eventFD()
        } catch {
            Posix.close(epollFD)
            throw error
        }
        do {
            try Posix.epollControl(epollFD, CSB_EPOLL_CTL_ADD, wakeFD, events: CSB_EPOLLIN, data: Self.wakeToken)
        } catch {
            Posix.close(wakeFD)
            Posix.close(epollFD)
            throw error
        }
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Queues `message` for the loop and wakes it. Any thread.
    func post(_ message: Message) {
        let queued = inbox.withLock { inbox in
            guard inbox.open else { return false }
            inbox.messages.append(message)
            // Only the first message needs a wake-up: the loop drains the eventfd before taking
            // the messages, so later ones are taken with it. Signalled under the lock because the
            // loop closes the eventfd only after closing the inbox under this lock.
            if inbox.messages.count == 1 { try? Posix.eventFDSignal(wakeFD) }
            return true
        }
        if !queued { discard(message) }
    }

    /// The loop body; returns after shutdown once its connections are gone.
    func run() {
        let capacity = Int(CSB_EPOLL_MAX_EVENTS)
        let events = UnsafeMutableBufferPointer<csb_epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        nextTimerCheck = .now + shared.timerInterval
        while !isFinished {
            let count: Int
            do {
                count = try Posix.epollWait(epollFD, into: events, timeoutMilliseconds: waitTimeout())
            } catch {
                // Only EBADF/EFAULT/EINVAL remain after EINTR is retried: a bug, not a condition.
                fatalError("event loop \(index): \(error)")
            }
            let now = MonotonicInstant.now
            for event in events[..<count] {
                dispatch(event, now: now)
            }
            flushAnswered(now: now)
            if now >= nextTimerCheck { checkTimers(now: now) }
        }
        tearDown()
    }

    private var isFinished: Bool {
        shutdownDeadline != nil && connections.isEmpty && listenerFD == nil
    }

    /// Milliseconds until the next deadline check; -1 (sleep until woken) with nothing to time.
    private func waitTimeout() -> Int32 {
        if connections.isEmpty && shutdownDeadline == nil && acceptPausedUntil == nil { return -1 }
        return MonotonicInstant.now.millisecondsRoundedUp(to: nextTimerCheck)
    }

    private func dispatch(_ event: csb_epoll_event, now: MonotonicInstant) {
        switch event.data {
        case Self.wakeToken:
            drainInbox(now: now)
        case Self.listenerToken:
            acceptConnections(now: now)
        default:
            guard let connection = connections[event.data] else { return }  // closed earlier in this batch
            var outcome = Connection.Outcome.keep
            if event.events & (CSB_EPOLLIN | CSB_EPOLLHUP | CSB_EPOLLERR) != 0 {
                if connection.machine.wantsRead {
                    outcome = connection.readable(now: now)
                } else if event.events & (CSB_EPOLLHUP | CSB_EPOLLERR) != 0 {
                    outcome = .close  // gone in both directions (or reset) while we were not reading
                }
            }
            // A connection that just read writes at the batch's end (`flushAnswered`).
            if outcome == .keep && event.events & CSB_EPOLLOUT != 0 && !connection.awaitsFlush {
                outcome = connection.writable(now: now)
            }
            if outcome == .close { close(connection) }
        }
    }

    /// Writes the answers of every connection that read requests in this batch of events.
    ///
    /// Why at the end and not after each read: on loopback (and on a busy host) a `send` wakes
    /// the client, which then took the processor from the loop in the middle of its batch (the
    /// scheduler's wake-up preemption): a context switch per answer, and the batch's other
    /// requests waited behind it. Writing after the batch, the loop parses and answers all of its
    /// ready requests first; the answers wait at most for the batch (microseconds a request).
    /// Closed loop, 64 and 256 connections, alternating builds: more requests a second in 12 pairs
    /// of 13 (+2 to +22%; one −9.5%); open loop at 20,000/s, p50, p90 and p99 no higher.
    private func flushAnswered(now: MonotonicInstant) {
        guard !answered.isEmpty else { return }
        let batch = answered
        answered.removeAll(keepingCapacity: true)
        for connection in batch {
            connection.awaitsFlush = false
            // Closed by a later event of the batch (its descriptor may even be a new connection's).
            guard connections[connection.id] === connection else { continue }
            if connection.flush(now: now) == .close { close(connection) }
        }
    }

    private func drainInbox(now: MonotonicInstant) {
        try? Posix.eventFDDrain(wakeFD)
        let messages = inbox.withLock { inbox in
            defer { inbox.messages = [] }
            return inbox.messages
        }
        for message in messages {
            switch message {
            case .adopt(let fd, let remoteAddress):
                adopt(fd: fd, remoteAddress: remoteAddress, now: now)
            case .response(let connectionID, let response):
                if let connection = connections[connectionID], connection.deliver(response, now: now) == .close {
                    close(connection)
                }
            case .stopAccepting(let done):
                stopAccepting()
                done()
            case .shutdown(let deadline):
                beginShutdown(deadline: deadline, now: now)
            }
        }
    }

    /// After shutdown: refuse further messages, release what they carried, close descriptors.
    private func tearDown() {
        let leftovers = inbox.withLock { inbox in
            inbox.open = false
            defer { inbox.messages = [] }
            return inbox.messages
        }
        leftovers.forEach(discard)
        for connection in Array(connections.values) { close(connection) }
        stopAccepting()
        Posix.close(epollFD)
        Posix.close(wakeFD)
    }

    /// Releases the descriptors of a loop whose thread never started.
    func closeUnstarted() {
        inbox.withLock { $0.open = false }
        stopAccepting()
        Posix.close(epollFD)
        Posix.close(wakeFD)
    }

    /// Releases what an undeliverable message carries.
    private func discard(_ message: Message) {
        switch message {
        case .adopt(let fd, _):
            Posix.close(fd)
            shared.counters.open.subtract(1, ordering: .relaxed)
        case .stopAccepting(let done):
            done()
        case .response, .shutdown:
            break
        }
    }
}
