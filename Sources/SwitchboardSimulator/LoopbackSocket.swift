import Glibc

/// A connected, non-blocking TCP socket whose every wait is a poll(2) bounded by a deadline.
final class LoopbackSocket {
    private let fd: Int32
    private var closed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }

    /// Connects to a numeric address (or `localhost`) by `deadline`. No name is looked up, so
    /// nothing is asked of DNS.
    static func connect(host: String, port: UInt16, deadline: ContinuousClock.Instant) throws(HTTPExchangeError) -> LoopbackSocket {
        guard port != 0 else { throw .invalidAddress("port 0 is not a port to connect to") }
        let numeric = host == "localhost" ? "127.0.0.1" : host
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        if numeric.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, numeric, &address.sin6_addr) == 1 else {
                throw .invalidAddress("\(host) is not an IPv6 address")
            }
            withUnsafeBytes(of: address) { bytes in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, numeric, &address.sin_addr) == 1 else {
                throw .invalidAddress("\(host) is not a numeric IPv4 or IPv6 address (or localhost)")
            }
            withUnsafeBytes(of: address) { bytes in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connectFailed("socket: \(describe(errno))") }
        let socket = LoopbackSocket(fd: fd)
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if result != 0 {
            let code = errno
            guard code == EINPROGRESS || code == EINTR else {
                throw .connectFailed("connect to \(host):\(port): \(describe(code))")
            }
            guard try socket.wait(for: Int16(POLLOUT), deadline: deadline) else {
                throw .timedOut("no connection to \(host):\(port) within the timeout")
            }
            var failure: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size)
            guard failure == 0 else { throw .connectFailed("connect to \(host):\(port): \(describe(failure))") }
        }
        return socket
    }

    func sendAll(_ bytes: [UInt8], deadline: ContinuousClock.Instant) throws(HTTPExchangeError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count >= 0 {
                offset += count
                continue
            }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                throw .incomplete("the connection failed while sending the request: \(Self.describe(code))")
            }
            guard try wait(for: Int16(POLLOUT), deadline: deadline) else {
                throw .timedOut("the request could not be sent within the timeout")
            }
        }
    }

    /// Appends what arrives (waiting for it until `deadline`); returns the count, 0 at end of stream.
    func receive(into buffer: inout [UInt8], deadline: ContinuousClock.Instant) throws(HTTPExchangeError) -> Int {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return count
            }
            if count == 0 { return 0 }
            let code = errno
            if code == EINTR { continue }
            if code == ECONNRESET { return 0 }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                throw .incomplete("the connection failed while reading the response: \(Self.describe(code))")
            }
            guard try wait(for: Int16(POLLIN), deadline: deadline) else {
                throw .timedOut("no complete response within the timeout")
            }
        }
    }

    /// Waits until the socket is ready for `events`; false when `deadline` passes first.
    private func wait(for events: Int16, deadline: ContinuousClock.Instant) throws(HTTPExchangeError) -> Bool {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            let (seconds, attoseconds) = remaining.components
            let millis = Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            var poller = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&poller, 1, millis)
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { throw .incomplete("poll failed: \(Self.describe(errno))") }
        }
    }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code)) + " (errno \(code))"
    }
}
