// Every system call this module makes goes through this file (STYLE.md habit 2): EINTR is
// retried, EAGAIN/EWOULDBLOCK on a non-blocking descriptor comes back as `.wouldBlock` (a normal
// outcome, not an error), and any other failure throws a `PosixError` naming the call and errno.
// A loop that died on EINTR from epoll_wait (FlyingFox once did) cannot happen here.

package import CSwitchboardLinux
import Glibc

/// The outcome of a call on a non-blocking descriptor.
package enum IOResult<Value> {
    case done(Value)
    case wouldBlock
}

/// The syscall wrapper. Functions throw `PosixError`; none returns -1.
package enum Posix {
    /// Runs `body` until it returns something other than -1 with errno EINTR.
    @inline(__always)
    package static func call<Result: BinaryInteger>(
        _ name: StaticString, _ body: () -> Result
    ) throws(PosixError) -> Result {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw PosixError(call: "\(name)", errno: code)
        }
    }

    /// Like `call`, for non-blocking descriptors: would-block is a value.
    @inline(__always)
    package static func nonBlocking<Result: BinaryInteger>(
        _ name: StaticString, _ body: () -> Result
    ) throws(PosixError) -> IOResult<Result> {
        while true {
            let result = body()
            if result != -1 { return .done(result) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw PosixError(call: "\(name)", errno: code)
        }
    }

    // MARK: Descriptors

    /// `close(2)`. Not retried on EINTR: Linux releases the descriptor even then, and a retry could
    /// close one another thread just opened. Errors are ignored: there is nothing to do about them
    /// for a socket, and the descriptor is gone either way.
    package static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    // MARK: Sockets

    /// A non-blocking, close-on-exec TCP socket.
    package static func streamSocket(domain: Int32) throws(PosixError) -> Int32 {
        try call("socket") { csb_stream_socket(domain) }
    }

    package static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(PosixError) {
        _ = try call("setsockopt") { csb_setsockopt_int(fd, level, name, value) }
    }

    static func bind(_ fd: Int32, to address: SocketAddress) throws(PosixError) {
        _ = try address.withSockaddr { pointer, length throws(PosixError) in
            try call("bind") { Glibc.bind(fd, pointer, length) }
        }
    }

    static func listen(_ fd: Int32, backlog: Int32) throws(PosixError) {
        _ = try call("listen") { Glibc.listen(fd, backlog) }
    }

    /// `accept4` with SOCK_NONBLOCK | SOCK_CLOEXEC.
    static func accept(_ fd: Int32) throws(PosixError) -> IOResult<(fd: Int32, peer: SocketAddress)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        switch try nonBlocking("accept4", { csb_accept(fd, &storage, &length) }) {
        case .wouldBlock: return .wouldBlock
        case .done(let client): return .done((client, SocketAddress(storage: storage, length: length)))
        }
    }

    /// The address a socket is bound to (for the port the kernel chose for port 0).
    static func localAddress(_ fd: Int32) throws(PosixError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(PosixError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(PosixError) in
                try call("getsockname") { getsockname(fd, address, &length) }
            }
        }
        return SocketAddress(storage: storage, length: length)
    }

    /// One `recv(2)`; `.done(0)` is end of stream.
    package static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(PosixError) -> IOResult<Int> {
        try nonBlocking("recv") { recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// One `send(2)` with MSG_NOSIGNAL: a peer that went away gives EPIPE here instead of killing
    /// the process with SIGPIPE.
    package static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(PosixError) -> IOResult<Int> {
        try nonBlocking("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, CSB_MSG_NOSIGNAL) }
    }

    /// Starts a non-blocking `connect(2)`. `.done` when it completed at once (loopback may),
    /// `.wouldBlock` while it is in progress: wait for writability, then read `pendingError`.
    package static func connect(_ fd: Int32, to address: SocketAddress) throws(PosixError) -> IOResult<Void> {
        let result = address.withSockaddr { pointer, length in Glibc.connect(fd, pointer, length) }
        if result == 0 { return .done(()) }
        let code = errno
        // EINTR on a non-blocking connect also leaves it in progress (connect(2)); it is not
        // restarted, because a second connect would fail with EALREADY.
        if code == EINPROGRESS || code == EINTR { return .wouldBlock }
        throw PosixError(call: "connect", errno: code)
    }

    /// The socket's pending error (`SO_ERROR`), 0 when the connect in progress succeeded.
    package static func pendingError(_ fd: Int32) throws(PosixError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try call("getsockopt") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value
    }

    /// `poll(2)` on one descriptor: the events that are ready (0 when `milliseconds` passed first).
    package static func poll(_ fd: Int32, events: Int16, milliseconds: Int32) throws(PosixError) -> Int16 {
        var poller = pollfd(fd: fd, events: events, revents: 0)
        let ready = try call("poll") { Glibc.poll(&poller, 1, milliseconds) }
        return ready > 0 ? poller.revents : 0
    }

    /// `shutdown(fd, SHUT_WR)`: sends FIN after the queued bytes, keeps reading possible.
    static func shutdownWrite(_ fd: Int32) throws(PosixError) {
        _ = try call("shutdown") { Glibc.shutdown(fd, CSB_SHUT_WR) }
    }

    // MARK: epoll and eventfd

    package static func epollCreate() throws(PosixError) -> Int32 {
        try call("epoll_create1") { csb_epoll_create() }
    }

    package static func epollControl(
        _ epfd: Int32, _ operation: Int32, _ fd: Int32, events: UInt32, data: UInt64
    ) throws(PosixError) {
        _ = try call("epoll_ctl") { csb_epoll_ctl(epfd, operation, fd, events, data) }
    }

    /// Waits for events; EINTR (a signal arrived) is retried with the same timeout, which at worst
    /// delays a timer check by one timeout.
    package static func epollWait(
        _ epfd: Int32, into events: UnsafeMutableBufferPointer<csb_epoll_event>, timeoutMilliseconds: Int32
    ) throws(PosixError) -> Int {
        Int(
            try call("epoll_wait") {
                csb_epoll_wait(epfd, events.baseAddress, Int32(events.count), timeoutMilliseconds)
            })
    }

    static func eventFD() throws(PosixError) -> Int32 {
        try call("eventfd") { csb_eventfd() }
    }

    /// Adds one to an eventfd's counter. Would-block means the counter is saturated, which still
    /// wakes the reader, so it is not an error.
    static func eventFDSignal(_ fd: Int32) throws(PosixError) {
        var one: UInt64 = 1
        _ = try nonBlocking("write") { write(fd, &one, 8) }
    }

    /// Resets an eventfd's counter to zero.
    static func eventFDDrain(_ fd: Int32) throws(PosixError) {
        var value: UInt64 = 0
        _ = try nonBlocking("read") { read(fd, &value, 8) }
    }
}
