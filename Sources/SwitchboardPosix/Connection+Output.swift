import CSwitchboardLinux
import SwitchboardHTTP

extension Connection {
    /// Encodes a handler's response and tells the machine.
    func queue(_ response: HTTPResponse, framing: Framing, now: MonotonicInstant) {
        if response.truncatedBodyLength != nil { machine.closeAfterThisResponse() }
        encode(response, framing: framing, keepAlive: machine.responseKeepsAlive)
        machine.responseQueued(
            pendingOutput: pendingOutput, partialRequestBuffered: parser.isMidRequest, now: now)
        loop.shared.counters.recordBufferedOutput(pendingOutput)
    }

    /// Appends `response` to the output. A response the encoder refuses (a reserved or malformed
    /// header from the handler: a programming error) is replaced by a 500, so one bad handler path
    /// cannot break the connection's framing.
    func encode(_ response: HTTPResponse, framing: Framing, keepAlive: Bool) {
        do {
            try loop.encoder.encode(
                status: response.status, headers: response.headers, body: response.body,
                keepAlive: keepAlive, requestVersion: framing.version, into: &output)
            if framing.isHead && response.status.allowsContent {
                output.removeLast(response.body.count)
            } else if let cut = response.truncatedBodyLength, cut < response.body.count {
                // A fault a test asked for: the head declares the whole body; `queue` made this
                // the connection's last response, so the close follows the short body.
                output.removeLast(response.body.count - max(cut, 0))
            }
        } catch {
            let fallback = HTTPResponse.error(
                status: .internalServerError, code: "internal_error",
                message: "The server produced an invalid response.")
            encode(fallback, framing: framing, keepAlive: keepAlive)
        }
    }

    /// Writes what the socket takes, then lets the machine decide: keep going, half-close, close.
    /// When writing drains enough output to lift back-pressure, the requests held in the parser
    /// are answered and written in the same call.
    func flush(now: MonotonicInstant) -> Outcome {
        while true {
            var blocked = false
            while flushed < output.count {
                let result: IOResult<Int>
                do {
                    result = try output.withUnsafeBytes { bytes throws(PosixError) in
                        try Posix.send(fd, UnsafeRawBufferPointer(rebasing: bytes[flushed...]))
                    }
                } catch {
                    return .close  // EPIPE, ECONNRESET: the client is gone.
                }
                guard case .done(let count) = result else {
                    blocked = true
                    break
                }
                flushed += count
            }
            compactOutput()
            switch machine.outputWritten(pendingOutput: pendingOutput, now: now) {
            case .close:
                return .close
            case .halfClose:
                do {
                    try Posix.shutdownWrite(fd)
                } catch {
                    return .close
                }
            case .proceed:
                break
            }
            guard !blocked, machine.mayParse else { break }
            let before = output.count
            process(now: now)
            if output.count == before { break }
        }
        updateInterest()
        return .keep
    }

    /// Drops written bytes. A large buffer is released once empty, so one big response does not
    /// pin its memory for the life of a keep-alive connection.
    private func compactOutput() {
        if flushed == output.count {
            if output.capacity > 64 * 1024 {
                output = []
            } else {
                output.removeAll(keepingCapacity: true)
            }
            flushed = 0
        } else if flushed >= 64 * 1024 && flushed * 2 >= output.count {
            output.removeSubrange(..<flushed)
            flushed = 0
        }
    }

    /// Registers for exactly the readiness the machine can use: EPOLLIN only while it reads
    /// (so back-pressure reaches the client through TCP flow control), EPOLLOUT only while output
    /// is queued (so a writable socket does not wake the loop for nothing).
    func updateInterest() {
        var events: UInt32 = 0
        if machine.wantsRead { events |= CSB_EPOLLIN }
        if pendingOutput > 0 { events |= CSB_EPOLLOUT }
        guard events != registeredEvents else { return }
        registeredEvents = events
        loop.modify(fd: fd, events: events, connectionID: id)
    }

    /// A 408 for a request that did not arrive in time; one non-blocking attempt, since the
    /// connection closes next either way.
    func sendRequestTimeout() {
        let response = HTTPResponse.error(
            status: .requestTimeout, code: "request_timeout",
            message: "The request did not arrive in time.")
        encode(response, framing: Framing(version: .http11, isHead: false), keepAlive: false)
        _ = try? output.withUnsafeBytes { bytes throws(PosixError) in
            try Posix.send(fd, UnsafeRawBufferPointer(rebasing: bytes[flushed...]))
        }
    }
}
