import CSwitchboardLinux
import Glibc
import SwitchboardHTTP

/// The listening loop's half: accept, enforce the connection cap, hand connections round-robin to
/// the loops (itself included).
///
/// Why one listener with hand-off rather than SO_REUSEPORT (a listener per loop):
/// - connections spread evenly by count; the kernel's REUSEPORT hash spreads by 4-tuple and can
///   pile a load generator's connections onto one loop;
/// - the connection cap is checked in one place, by one thread, so it is never overshot;
/// - shutdown closes one socket; closing one of several REUSEPORT sockets resets the connections
///   waiting in its backlog, and REUSEPORT lets any process of the same user bind the port too.
/// The cost is one locked append and one eventfd write per accepted connection, small next to the
/// many requests a keep-alive connection carries.
extension EventLoop {
    /// Connections accepted per readiness event before other work gets a turn.
    static let acceptBatch = 64
    /// How long to stop accepting after running out of descriptors or memory: the connection stays
    /// in the backlog instead of the level-triggered listener spinning the loop.
    static let acceptPause = Duration.milliseconds(100)

    func installListener(_ fd: Int32) throws(PosixError) {
        try Posix.epollControl(epollFD, CSB_EPOLL_CTL_ADD, fd, events: CSB_EPOLLIN, data: Self.listenerToken)
        listenerFD = fd
    }

    func acceptConnections(now: MonotonicInstant) {
        guard let listenerFD, !peers.isEmpty else { return }
        for _ in 0..<Self.acceptBatch {
            let result: IOResult<(fd: Int32, peer: SocketAddress)>
            do {
                result = try Posix.accept(listenerFD)
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO, EPERM:
                    continue  // that client gave up (or a firewall refused it); try the next
                default:
                    pauseAccepting(now: now)  // EMFILE, ENFILE, ENOBUFS, ENOMEM
                    return
                }
            }
            guard case .done(let client) = result else { return }
            let counters = shared.counters
            counters.increment(counters.accepted)
            if counters.open.load(ordering: .relaxed) >= shared.maxConnections {
                rejectOverCapacity(client.fd)
                continue
            }
            counters.open.add(1, ordering: .relaxed)
            // Small responses go out at once instead of waiting on Nagle for the next segment.
            try? Posix.setOption(client.fd, level: CSB_IPPROTO_TCP, name: CSB_TCP_NODELAY, value: 1)
            let target = peers[nextPeer]
            nextPeer = (nextPeer + 1) % peers.count
            let remoteAddress = client.peer.description
            if target === self {
                adopt(fd: client.fd, remoteAddress: remoteAddress, now: now)
            } else {
                target.post(.adopt(fd: client.fd, remoteAddress: remoteAddress))
            }
        }
    }

    /// Over the cap: a canned 503 and close, without the connection ever reaching a loop. One
    /// non-blocking send (a fresh socket's buffer always has room for it), then whatever request
    /// bytes already arrived are read so the close is less likely to turn into a reset.
    private func rejectOverCapacity(_ fd: Int32) {
        let total = shared.counters.rejected.add(1, ordering: .relaxed).newValue
        var bytes: [UInt8] = []
        let response = HTTPResponse.error(
            status: .serviceUnavailable, code: "over_capacity",
            message: "The server has too many open connections; retry shortly.")
        try? encoder.encode(
            status: response.status, headers: response.headers, body: response.body, keepAlive: false, into: &bytes)
        _ = try? bytes.withUnsafeBytes { bytes throws(PosixError) in try Posix.send(fd, bytes) }
        try? Posix.shutdownWrite(fd)
        _ = try? Posix.receive(fd, into: readBuffer)
        Posix.close(fd)
        shared.handler.connectionRejected(total: total)
    }

    private func pauseAccepting(now: MonotonicInstant) {
        guard let listenerFD else { return }
        try? Posix.epollControl(epollFD, CSB_EPOLL_CTL_DEL, listenerFD, events: 0, data: 0)
        acceptPausedUntil = now + Self.acceptPause
    }

    func resumeAccepting() {
        acceptPausedUntil = nil
        guard let listenerFD else { return }
        try? Posix.epollControl(epollFD, CSB_EPOLL_CTL_ADD, listenerFD, events: CSB_EPOLLIN, data: Self.listenerToken)
    }

    /// Closes the listening socket: the kernel refuses new connections from here on (and resets
    /// those still in the backlog). The other loops' references to themselves are released too.
    func stopAccepting() {
        if let listenerFD { Posix.close(listenerFD) }
        listenerFD = nil
        acceptPausedUntil = nil
        peers = []
    }
}
