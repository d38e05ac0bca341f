import CSwitchboardLinux
import SwitchboardHTTP

/// One client connection: the I/O driver around `ConnectionStateMachine` and `HTTPRequestParser`.
///
/// Confined to its event loop's thread (not Sendable): the loop calls it when the socket is ready
/// or a deferred response arrives, and it reports whether to keep or close the connection.
final class Connection {
    enum Outcome {
        case keep, close
    }

    /// How the response to the request in flight is framed; whether it keeps the connection open
    /// is the machine's to say when the response is queued.
    struct Framing {
        var version: HTTPVersion
        /// HEAD: the head says what GET would send (Content-Length included), without the body
        /// (RFC 9110 §9.3.2).
        var isHead: Bool
    }

    let id: UInt64
    let fd: Int32
    let remoteAddress: String
    unowned let loop: EventLoop
    var machine: ConnectionStateMachine
    var parser: HTTPRequestParser
    /// Queued response bytes; `output[..<flushed]` is already written.
    var output: [UInt8] = []
    var flushed = 0
    /// The epoll events currently registered for `fd`.
    var registeredEvents: UInt32
    /// Set while a `.deferred` handler owns the request in flight.
    var deferredFraming: Framing?
    /// Answers are queued and the loop writes them once its batch of events is handled
    /// (`EventLoop.flushAnswered`).
    var awaitsFlush = false

    init(id: UInt64, fd: Int32, remoteAddress: String, loop: EventLoop, now: MonotonicInstant) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.machine = ConnectionStateMachine(configuration: loop.shared.connectionConfiguration, now: now)
        self.parser = HTTPRequestParser(limits: loop.shared.limits)
        self.registeredEvents = CSB_EPOLLIN
    }

    var pendingOutput: Int { output.count - flushed }

    /// The socket is readable, or reported an error or hang-up. The answers this queues are
    /// written once the loop has handled its whole batch of events, not here
    /// (`EventLoop.flushAnswered`).
    func readable(now: MonotonicInstant) -> Outcome {
        var reads = 0
        while machine.wantsRead {
            let result: IOResult<Int>
            do {
                result = try Posix.receive(fd, into: loop.readBuffer)
            } catch {
                return .close  // ECONNRESET and friends: the client is gone.
            }
            guard case .done(let count) = result else { break }
            if count == 0 {
                if machine.inputEnded() == .close { return .close }
                break
            }
            if !machine.isLingering {
                parser.feed(UnsafeRawBufferPointer(rebasing: loop.readBuffer[..<count]))
                machine.bytesReceived(now: now)
                process(now: now)
            }
            reads += 1
            // A short read drained the socket; level-triggered epoll reports anything newer. A few
            // full reads in a row are allowed, then other connections get their turn.
            if count < loop.readBuffer.count || reads == 4 { break }
        }
        if !awaitsFlush {
            awaitsFlush = true
            loop.answered.append(self)
        }
        return .keep
    }

    /// The socket can take more output.
    func writable(now: MonotonicInstant) -> Outcome {
        flush(now: now)
    }

    /// A `.deferred` handler answered.
    func deliver(_ response: HTTPResponse, now: MonotonicInstant) -> Outcome {
        guard let framing = deferredFraming, machine.phase == .handling else { return .keep }
        deferredFraming = nil
        queue(response, framing: framing, now: now)
        process(now: now)  // requests pipelined behind it were waiting
        return flush(now: now)
    }

    /// Graceful shutdown began.
    func beginShutdown(now: MonotonicInstant) -> Outcome {
        if machine.beginShutdown() == .close { return .close }
        return flush(now: now)
    }

    /// The loop's periodic deadline check.
    func checkDeadlines(now: MonotonicInstant) -> Outcome {
        switch machine.timerFired(now: now) {
        case .none:
            return .keep
        case .lingerEnded:
            return .close
        case .timedOut(let timeout, let answerRequestTimeout):
            loop.shared.counters.recordTimeout(timeout, answered: answerRequestTimeout)
            if answerRequestTimeout { sendRequestTimeout() }
            return .close
        }
    }

    /// Parses and answers buffered requests until the parser needs bytes or the machine says wait.
    func process(now: MonotonicInstant) {
        while machine.mayParse {
            switch parser.next() {
            case .needMoreBytes:
                return
            case .sendContinue:
                HTTPResponseEncoder.encodeContinue(into: &output)
                machine.interimResponseQueued(pendingOutput: pendingOutput, now: now)
            case .request(let request):
                loop.shared.counters.increment(loop.shared.counters.requests)
                machine.requestReceived(requestKeepAlive: request.keepAlive)
                let framing = Framing(version: request.version, isHead: request.method == "HEAD")
                let context = RequestContext(remoteAddress: remoteAddress, receivedAt: now, connectionID: id)
                switch loop.shared.handler.handle(request, context: context) {
                case .respond(let response):
                    queue(response, framing: framing, now: now)
                case .deferred(let work):
                    deferredFraming = framing
                    let writer = ResponseWriter(loop: loop, connectionID: id)
                    loop.shared.offload.submit { work(writer) }
                    return
                }
            case .failed(let error):
                loop.shared.counters.recordMalformed(error.status)
                let response = HTTPResponse.error(status: error.status, code: error.code, message: error.message)
                encode(response, framing: Framing(version: .http11, isHead: false), keepAlive: false)
                machine.requestFailed(pendingOutput: pendingOutput, now: now)
                return
            }
        }
    }
}
