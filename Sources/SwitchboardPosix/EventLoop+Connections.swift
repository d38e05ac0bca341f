import CSwitchboardLinux

extension EventLoop {
    /// Takes ownership of an accepted socket.
    func adopt(fd: Int32, remoteAddress: String, now: MonotonicInstant) {
        nextSequence &+= 1
        let id = UInt64(index) << 48 | (nextSequence & 0xFFFF_FFFF_FFFF)
        do {
            try Posix.epollControl(epollFD, CSB_EPOLL_CTL_ADD, fd, events: CSB_EPOLLIN, data: id)
        } catch {
            Posix.close(fd)
            shared.counters.open.subtract(1, ordering: .relaxed)
            return
        }
        let connection = Connection(id: id, fd: fd, remoteAddress: remoteAddress, loop: self, now: now)
        connections[id] = connection
        // Accepted before the listener closed but handed over after shutdown began: no request
        // is in flight, so it closes like any idle connection.
        if shutdownDeadline != nil, connection.beginShutdown(now: now) == .close {
            close(connection)
        }
    }

    /// Closes the socket (which also removes it from the epoll set: it was never duplicated) and
    /// forgets the connection. A deferred response arriving later finds no connection and is dropped.
    func close(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        Posix.close(connection.fd)
        shared.counters.open.subtract(1, ordering: .relaxed)
    }

    /// Changes a connection's registered events.
    func modify(fd: Int32, events: UInt32, connectionID: UInt64) {
        // Cannot fail for a registered, open descriptor; if it somehow did, the connection would
        // still be closed by its deadlines.
        try? Posix.epollControl(epollFD, CSB_EPOLL_CTL_MOD, fd, events: events, data: connectionID)
    }

    func beginShutdown(deadline: MonotonicInstant, now: MonotonicInstant) {
        shutdownDeadline = deadline
        for connection in Array(connections.values) where connection.beginShutdown(now: now) == .close {
            close(connection)
        }
    }

    /// Runs every `timerInterval`: deadlines of every connection, the accept pause, the shutdown
    /// grace period.
    func checkTimers(now: MonotonicInstant) {
        nextTimerCheck = now + shared.timerInterval
        if let until = acceptPausedUntil, now >= until { resumeAccepting() }
        if let deadline = shutdownDeadline, now >= deadline {
            // Grace is over: whatever is still in flight is cut off.
            for connection in Array(connections.values) { close(connection) }
            return
        }
        var expired: [Connection] = []
        for connection in connections.values where connection.checkDeadlines(now: now) == .close {
            expired.append(connection)
        }
        for connection in expired { close(connection) }
    }
}
