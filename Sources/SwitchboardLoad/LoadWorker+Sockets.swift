import CSwitchboardLinux
import Glibc
import SwitchboardPosix

extension LoadWorker {
    // MARK: Connecting

    /// Connects every closed connection whose retry time has come (`writersOnly`: the restore
    /// after the run, when the traffic connections stay closed).
    func reconnectDue(now: UInt64, writersOnly: Bool = false) {
        guard tally.disconnected > 0 else { return }
        for connection in connections where connection.state == .disconnected && connection.retryAt <= now {
            if writersOnly && connection.role != .writes { continue }
            connect(connection, now: now)
        }
    }

    private func connect(_ connection: LoadConnection, now: UInt64) {
        do {
            let fd = try Posix.streamSocket(domain: plan.address.family)
            connection.fd = fd
            // Requests are single writes; Nagle would hold a pipelined one back by up to 40 ms.
            try Posix.setOption(fd, level: CSB_IPPROTO_TCP, name: CSB_TCP_NODELAY, value: 1)
            switch try Posix.connect(fd, to: plan.address) {
            case .done:
                try Posix.epollControl(epollFD, CSB_EPOLL_CTL_ADD, fd, events: CSB_EPOLLIN, data: connection.token)
                connected(connection)
            case .wouldBlock:
                try Posix.epollControl(epollFD, CSB_EPOLL_CTL_ADD, fd, events: CSB_EPOLLOUT, data: connection.token)
                connection.state = .connecting
                connection.watchingWrites = true
            }
        } catch {
            connectFailed(connection, now: now)
        }
    }

    private func connected(_ connection: LoadConnection) {
        if connection.connectedBefore { recorder.reconnects += 1 }
        connection.connectedBefore = true
        connection.answeredSinceConnect = false
        markIdle(connection)
    }

    private func connectFailed(_ connection: LoadConnection, now: UInt64) {
        recorder.connectFailures += 1
        progress.errors.add(1, ordering: .relaxed)
        discard(connection)
        backOff(connection, now: now)
    }

    /// Doubles the wait before the next connect, 1 ms to 0.5 s: a server that refuses or drops
    /// every connection costs a few attempts a second, not a busy loop.
    private func backOff(_ connection: LoadConnection, now: UInt64) {
        connection.backoff = Swift.min(Swift.max(connection.backoff * 2, 1_000_000), 500_000_000)
        connection.retryAt = now + connection.backoff
    }

    /// Closes the socket; a new connect follows at once if the connection had answered since it
    /// connected, else after a back-off.
    func close(_ connection: LoadConnection, now: UInt64) {
        discard(connection)
        if connection.answeredSinceConnect {
            connection.backoff = 0
            connection.retryAt = now
        } else {
            backOff(connection, now: now)
        }
    }

    private func discard(_ connection: LoadConnection) {
        if connection.fd >= 0 { Posix.close(connection.fd) }  // closing also removes it from epoll
        connection.fd = -1
        connection.state = .disconnected
        connection.watchingWrites = false
        connection.parser.reset()
        connection.output = []
        connection.outputOffset = 0
        connection.inFlight = nil
    }

    // MARK: Events

    func handle(_ event: csb_epoll_event, connection: LoadConnection, now: UInt64) {
        guard connection.fd >= 0 else { return }  // closed earlier in this batch
        if connection.state == .connecting {
            guard event.events & (CSB_EPOLLOUT | CSB_EPOLLERR | CSB_EPOLLHUP) != 0 else { return }
            finishConnect(connection, now: now)
            return
        }
        if event.events & (CSB_EPOLLIN | CSB_EPOLLHUP | CSB_EPOLLERR) != 0 {
            readable(connection, now: now)
        }
        if connection.fd >= 0, event.events & CSB_EPOLLOUT != 0, connection.hasPendingOutput {
            flush(connection, now: now)
        }
    }

    private func finishConnect(_ connection: LoadConnection, now: UInt64) {
        do {
            guard try Posix.pendingError(connection.fd) == 0 else {
                connectFailed(connection, now: now)
                return
            }
            try Posix.epollControl(epollFD, CSB_EPOLL_CTL_MOD, connection.fd, events: CSB_EPOLLIN, data: connection.token)
            connection.watchingWrites = false
            connected(connection)
        } catch {
            connectFailed(connection, now: now)
        }
    }

    // MARK: Sending

    /// Starts sending `bytes` as `flight`; the rest goes out on EPOLLOUT if the kernel takes less.
    func transmit(_ bytes: [UInt8], _ flight: InFlight, on connection: LoadConnection, now: UInt64) {
        connection.inFlight = flight
        connection.state = .busy
        connection.output = bytes
        connection.outputOffset = 0
        nextTimeoutScan = Swift.min(nextTimeoutScan, now + timeout)
        flush(connection, now: now)
    }

    private func flush(_ connection: LoadConnection, now: UInt64) {
        do {
            while connection.hasPendingOutput {
                let result = try connection.output.withUnsafeBytes { raw throws(PosixError) in
                    try Posix.send(connection.fd, UnsafeRawBufferPointer(rebasing: raw[connection.outputOffset...]))
                }
                switch result {
                case .done(let count):
                    connection.outputOffset += count
                case .wouldBlock:
                    try watchWrites(connection, true)
                    return
                }
            }
            if connection.watchingWrites { try watchWrites(connection, false) }
        } catch {
            fail(connection, .connection, now: now, detail: "send: \(error)")
            close(connection, now: now)
        }
    }

    private func watchWrites(_ connection: LoadConnection, _ on: Bool) throws(PosixError) {
        guard connection.watchingWrites != on else { return }
        let events = on ? CSB_EPOLLIN | CSB_EPOLLOUT : CSB_EPOLLIN
        try Posix.epollControl(epollFD, CSB_EPOLL_CTL_MOD, connection.fd, events: events, data: connection.token)
        connection.watchingWrites = on
    }

    // MARK: Receiving

    private func readable(_ connection: LoadConnection, now: UInt64) {
        // A few reads per event: enough to empty the socket for small answers, without letting one
        // connection that streams starve the others (level-triggered epoll comes back to it).
        for _ in 0..<4 {
            let result: IOResult<Int>
            do {
                result = try Posix.receive(connection.fd, into: readBuffer)
            } catch {
                closedByPeer(connection, now: now, problem: "recv: \(error)")
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .done(0):
                closedByPeer(connection, now: now, problem: "the server closed the connection")
                return
            case .done(let count):
                connection.parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[..<count]))
                guard takeResponses(connection, now: now) else { return }
                if count < readBuffer.count { return }
            }
        }
    }

    /// Completes every whole response in the parser; false when the connection was closed.
    private func takeResponses(_ connection: LoadConnection, now: UInt64) -> Bool {
        while true {
            let action: HTTPResponseParser.Action
            do {
                action = try connection.parser.next()
            } catch {
                fail(connection, .parse, now: now, detail: "\(error)")
                close(connection, now: now)
                return false
            }
            guard case .response(let head) = action else { return true }
            guard connection.inFlight != nil else {
                // An answer nobody asked for: the stream is out of step; start again.
                recorder.connectFailures += 1
                close(connection, now: now)
                return false
            }
            complete(connection, head: head, now: now)
            if !head.keepAlive {
                close(connection, now: now)
                return false
            }
        }
    }

    /// End of stream or a reset: a body that runs to the close is complete; an unanswered request
    /// is a connection error; an idle keep-alive connection the server closed just reconnects.
    private func closedByPeer(_ connection: LoadConnection, now: UInt64, problem: String) {
        do {
            if let head = try connection.parser.finish(), connection.inFlight != nil {
                complete(connection, head: head, now: now)
            }
        } catch {
            fail(connection, .connection, now: now, detail: "\(problem): \(error)")
        }
        if connection.inFlight != nil { fail(connection, .connection, now: now, detail: problem) }
        close(connection, now: now)
    }
}
