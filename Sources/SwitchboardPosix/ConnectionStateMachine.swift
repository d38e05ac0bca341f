/// The lifecycle of one HTTP/1.1 connection: which phase it is in, when it must close, whether it
/// may read, parse or must wait. A pure value with the clock passed in (STYLE.md habit 3): the
/// driver (`Connection`) does the I/O and reports what happened; this decides what that means.
///
/// Phases, in the usual order:
///
/// ```
/// awaitingRequest ──bytes──▶ readingRequest ──request──▶ handling ──response──▶ awaitingRequest
///        │ (keep-alive)                                      │ (close)
///        └────────── timeout / EOF: closed             closing ──flushed──▶ lingering ──▶ closed
/// ```
///
/// Deadlines (every unbounded wait has a named limit, STYLE.md habit 5):
/// - a new connection must start a request and finish its head within `headerTimeout`; a request
///   whose first byte arrived must be complete (head and body: the parser does not say where the
///   head ends) within `headerTimeout` of that byte, else 408 and close;
/// - between keep-alive requests the connection may sit idle for `idleTimeout`;
/// - queued output must make progress within `idleTimeout` (a client that stops reading);
/// - after our last response the connection lingers at most `lingerTimeout`.
///
/// Back-pressure: when more than `maxBufferedOutput` bytes are queued, the connection stops
/// reading and parsing (so a client pipelining requests while not reading the answers cannot make
/// us buffer without bound) until the queue drains to a quarter of that. While paused, the read
/// deadlines are suspended (we are the ones not reading) and restart when reading resumes.
struct ConnectionStateMachine: Sendable {
    typealias Instant = MonotonicInstant

    struct Configuration: Hashable, Sendable {
        var headerTimeout: Duration
        var idleTimeout: Duration
        /// How long to read and discard the client's bytes after our last response before closing:
        /// closing with unread input makes the kernel send RST, which can destroy the response
        /// before the client reads it (RFC 9112 §9.6 asks for this staged close).
        var lingerTimeout: Duration = .seconds(2)
        /// Queued output above which reading stops.
        var maxBufferedOutput: Int

        /// Queued output at or below which reading resumes.
        var resumeBufferedOutput: Int { maxBufferedOutput / 4 }
    }

    enum Phase: Hashable, Sendable {
        /// Nothing of the next request has arrived; `timeout` says which limit `deadline` enforces
        /// (`.header` on a new connection, `.idle` between keep-alive requests).
        case awaitingRequest(deadline: Instant, timeout: Timeout)
        /// Part of a request has arrived; the rest is due by `deadline`.
        case readingRequest(deadline: Instant)
        /// A request is with the handler; nothing more is read or parsed until its response is
        /// queued, which keeps pipelined answers in order and bounds buffered input.
        case handling
        /// The last response is queued; close once it is written.
        case closing
        /// Our side is shut down for writing; the client's leftovers are read and dropped.
        case lingering(deadline: Instant)
        case closed
    }

    enum Timeout: Hashable, Sendable {
        case header, idle, write
    }

    enum TimerAction: Hashable, Sendable {
        case none
        /// A limit passed: close now. With `answerRequestTimeout`, a request was partly received
        /// and nothing else is queued, so a 408 may be sent first (best effort).
        case timedOut(Timeout, answerRequestTimeout: Bool)
        /// The linger period ended: close. Not the client's fault, not counted as a timeout.
        case lingerEnded
    }

    enum Decision: Hashable, Sendable {
        case proceed, close
    }

    enum FlushOutcome: Hashable, Sendable {
        case proceed
        /// The last response is written: shut down our write side and start lingering.
        case halfClose
        case close
    }

    let configuration: Configuration
    private(set) var phase: Phase
    /// Bytes queued and not yet written, as last reported by the driver.
    private(set) var pendingOutput = 0
    /// When queued output must have made progress by; nil when nothing is queued.
    private(set) var writeDeadline: Instant?
    /// The client sent FIN: no more requests can arrive.
    private(set) var inputClosed = false
    private(set) var isShuttingDown = false
    private(set) var isBackpressured = false
    /// The response being produced is the last on this connection.
    private var closeAfterResponse = false

    /// The configuration's time limits in nanoseconds, converted once per connection: `Duration`'s
    /// conversions are opaque calls into the standard library, and every request moves a deadline.
    private let limits: Limits

    private struct Limits {
        let header: Int64
        let idle: Int64
        let linger: Int64
    }

    init(configuration: Configuration, now: Instant) {
        self.configuration = configuration
        limits = Limits(
            header: configuration.headerTimeout.clampedNanoseconds, idle: configuration.idleTimeout.clampedNanoseconds,
            linger: configuration.lingerTimeout.clampedNanoseconds)
        phase = .awaitingRequest(deadline: now.advanced(byNanoseconds: limits.header), timeout: .header)
    }

    /// Whether the driver may ask the parser for the next request.
    var mayParse: Bool {
        switch phase {
        case .awaitingRequest, .readingRequest: !isBackpressured
        default: false
        }
    }

    /// Whether the driver should read from the socket (EPOLLIN interest).
    var wantsRead: Bool {
        if inputClosed { return false }
        switch phase {
        case .lingering: return true
        case .awaitingRequest, .readingRequest: return !isBackpressured
        default: return false
        }
    }

    /// Whether the response being produced keeps the connection open. Read when the response is
    /// encoded, not when the request arrived: a shutdown or a client FIN in between changes it.
    var responseKeepsAlive: Bool { !closeAfterResponse }

    /// Whether reads are to be dropped rather than parsed.
    var isLingering: Bool {
        if case .lingering = phase { return true }
        return false
    }
}

// MARK: - Events the driver reports

extension ConnectionStateMachine {
    /// Bytes were read and fed to the parser: a request's clock starts with its first byte.
    mutating func bytesReceived(now: Instant) {
        if case .awaitingRequest = phase {
            phase = .readingRequest(deadline: now.advanced(byNanoseconds: limits.header))
        }
    }

    /// The parser produced a request, which now goes to the handler. Its response keeps the
    /// connection open if the request allows it (RFC 9112 §9.3), unless the server is shutting
    /// down or the client has already closed its side (see `responseKeepsAlive`).
    mutating func requestReceived(requestKeepAlive: Bool) {
        precondition(mayParse, "a request was parsed while parsing was paused")
        phase = .handling
        closeAfterResponse = !requestKeepAlive || isShuttingDown || inputClosed
    }

    /// The response about to be queued must be the connection's last: after a body cut short
    /// (`HTTPResponse.truncatedBodyLength`) the framing cannot be trusted, so nothing may follow.
    mutating func closeAfterThisResponse() {
        precondition(phase == .handling, "no request in flight")
        closeAfterResponse = true
    }

    /// The handler's response is queued. `partialRequestBuffered`: the parser already holds bytes
    /// of the next (pipelined) request.
    mutating func responseQueued(pendingOutput pending: Int, partialRequestBuffered: Bool, now: Instant) {
        precondition(phase == .handling, "a response was queued with no request in flight")
        outputQueued(pending, now: now)
        if closeAfterResponse {
            phase = .closing
        } else if partialRequestBuffered {
            phase = .readingRequest(deadline: now.advanced(byNanoseconds: limits.header))
        } else {
            phase = .awaitingRequest(deadline: now.advanced(byNanoseconds: limits.idle), timeout: .idle)
        }
    }

    /// An interim response (100 Continue) is queued; the phase does not change.
    mutating func interimResponseQueued(pendingOutput pending: Int, now: Instant) {
        outputQueued(pending, now: now)
    }

    /// The parser failed; its error response is queued and the connection closes after it
    /// (RFC 9112 §9.6: the framing can no longer be trusted).
    mutating func requestFailed(pendingOutput pending: Int, now: Instant) {
        outputQueued(pending, now: now)
        phase = .closing
    }

    private mutating func outputQueued(_ pending: Int, now: Instant) {
        if pendingOutput == 0 && pending > 0 { writeDeadline = now.advanced(byNanoseconds: limits.idle) }
        pendingOutput = pending
        if pending > configuration.maxBufferedOutput { isBackpressured = true }
    }

    /// The driver wrote what the socket took; `pending` bytes remain queued.
    mutating func outputWritten(pendingOutput pending: Int, now: Instant) -> FlushOutcome {
        if pending == 0 {
            writeDeadline = nil
        } else if pending < pendingOutput || writeDeadline == nil {
            // Progress: the client is reading, so its write clock restarts.
            writeDeadline = now.advanced(byNanoseconds: limits.idle)
        }
        pendingOutput = pending
        if isBackpressured && pending <= configuration.resumeBufferedOutput {
            isBackpressured = false
            restartReadDeadline(now: now)
        }
        guard pending == 0, phase == .closing else { return .proceed }
        if inputClosed {
            phase = .closed
            return .close
        }
        phase = .lingering(deadline: now.advanced(byNanoseconds: limits.linger))
        return .halfClose
    }

    /// While paused we were not reading, so the client could not make progress: its read deadline
    /// starts again from now rather than expiring for our delay.
    private mutating func restartReadDeadline(now: Instant) {
        switch phase {
        case .readingRequest:
            phase = .readingRequest(deadline: now.advanced(byNanoseconds: limits.header))
        case .awaitingRequest(_, let timeout):
            let limit = timeout == .idle ? limits.idle : limits.header
            phase = .awaitingRequest(deadline: now.advanced(byNanoseconds: limit), timeout: timeout)
        default:
            break
        }
    }

    /// A read returned end of stream: the client will send nothing more. A partly received request
    /// is abandoned (its handler never runs); one already with the handler is still answered.
    mutating func inputEnded() -> Decision {
        inputClosed = true
        switch phase {
        case .handling:
            closeAfterResponse = true
            return .proceed
        case .closing:
            return .proceed
        case .awaitingRequest, .readingRequest:
            if pendingOutput > 0 {
                phase = .closing
                return .proceed
            }
            phase = .closed
            return .close
        case .lingering, .closed:
            phase = .closed
            return .close
        }
    }

    /// Graceful shutdown began: idle connections close now; a request being read or handled is
    /// finished and answered with `Connection: close`.
    mutating func beginShutdown() -> Decision {
        isShuttingDown = true
        switch phase {
        case .awaitingRequest:
            if pendingOutput > 0 {
                phase = .closing
                return .proceed
            }
            phase = .closed
            return .close
        case .handling:
            closeAfterResponse = true
            return .proceed
        case .readingRequest, .closing, .lingering:
            return .proceed
        case .closed:
            return .close
        }
    }

    /// Called by the loop's periodic timer check.
    mutating func timerFired(now: Instant) -> TimerAction {
        if let writeDeadline, now >= writeDeadline, phase != .closed {
            phase = .closed
            return .timedOut(.write, answerRequestTimeout: false)
        }
        switch phase {
        case .awaitingRequest(let deadline, let timeout) where !isBackpressured && now >= deadline:
            phase = .closed
            return .timedOut(timeout, answerRequestTimeout: false)
        case .readingRequest(let deadline) where !isBackpressured && now >= deadline:
            phase = .closed
            return .timedOut(.header, answerRequestTimeout: pendingOutput == 0)
        case .lingering(let deadline) where now >= deadline:
            phase = .closed
            return .lingerEnded
        default:
            return .none
        }
    }
}
