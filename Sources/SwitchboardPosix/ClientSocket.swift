import Glibc

/// A connected, non-blocking TCP client socket whose every wait is a poll(2) bounded by a
/// deadline. Its system calls go through `Posix` like the server's.
///
/// Not thread-safe: one exchange at a time (a connection pool hands it to one caller at a time).
public final class ClientSocket {
    private let fd: Int32
    private var closed = false
    /// Where `receive` reads to, allocated once: a temporary allocation this large is a malloc and
    /// a free per read (the standard library puts only small ones on the stack), which was a tenth
    /// of a push thread's CPU.
    private let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: ClientSocket.chunkBytes)
    private static let chunkBytes = 16 * 1024

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close()
        chunk.deallocate()
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Posix.close(fd)
    }

    /// Connects to a numeric IPv4 or IPv6 address (or `localhost`) by `deadline`. No name is looked
    /// up, so nothing is asked of DNS.
    public static func connect(host: String, port: UInt16, deadline: MonotonicInstant) throws(HTTPExchangeError) -> ClientSocket {
        guard port != 0 else { throw .invalidAddress("port 0 is not a port to connect to") }
        let address: SocketAddress
        do {
            address = try SocketAddress(host: host, port: port)
        } catch {
            throw .invalidAddress("\(host) is not a numeric IPv4 or IPv6 address (or localhost)")
        }
        let socket: ClientSocket
        do {
            socket = ClientSocket(fd: try Posix.streamSocket(domain: address.family))
        } catch {
            throw .connectFailed("socket: \(error)")
        }
        do {
            if case .wouldBlock = try Posix.connect(socket.fd, to: address) {
                guard try socket.wait(for: Int16(POLLOUT), deadline: deadline) else {
                    throw HTTPExchangeError.timedOut("no connection to \(host):\(port) within the timeout")
                }
                let failure = try Posix.pendingError(socket.fd)
                guard failure == 0 else {
                    throw HTTPExchangeError.connectFailed("connect to \(host):\(port): \(PosixError(call: "connect", errno: failure))")
                }
            }
        } catch let error as HTTPExchangeError {
            throw error
        } catch {
            throw .connectFailed("connect to \(host):\(port): \(error)")
        }
        return socket
    }

    public func sendAll(_ bytes: [UInt8], deadline: MonotonicInstant) throws(HTTPExchangeError) {
        var offset = 0
        while offset < bytes.count {
            let result: IOResult<Int>
            do {
                result = try bytes[offset...].withUnsafeBytes { buffer throws(PosixError) in try Posix.send(fd, buffer) }
            } catch {
                throw .incomplete("the connection failed while sending the request: \(error)")
            }
            switch result {
            case .done(let count):
                offset += count
            case .wouldBlock:
                guard try wait(for: Int16(POLLOUT), deadline: deadline) else {
                    throw .timedOut("the request could not be sent within the timeout")
                }
            }
        }
    }

    /// Appends what arrives (waiting for it until `deadline`); returns the count, 0 at end of stream
    /// (a reset counts as the end: what arrived before it stands). Reads first and polls only when
    /// nothing is there yet.
    public func receive(into buffer: inout [UInt8], deadline: MonotonicInstant) throws(HTTPExchangeError) -> Int {
        while true {
            let result: IOResult<Int>
            do {
                result = try Posix.receive(fd, into: UnsafeMutableRawBufferPointer(chunk))
            } catch {
                if error.errno == ECONNRESET { return 0 }
                throw .incomplete("the connection failed while reading the response: \(error)")
            }
            switch result {
            case .done(let count):
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[..<count]))
                return count
            case .wouldBlock:
                guard try wait(for: Int16(POLLIN), deadline: deadline) else {
                    throw .timedOut("no complete response within the timeout")
                }
            }
        }
    }

    /// Whether the socket has something to read or was closed by the peer right now: for an idle
    /// keep-alive connection, either means it must not be used again.
    public var isReadableNow: Bool {
        ((try? Posix.poll(fd, events: Int16(POLLIN), milliseconds: 0)) ?? Int16(POLLERR)) != 0
    }

    /// Waits until the socket is ready for `events`; false when `deadline` passes first.
    private func wait(for events: Int16, deadline: MonotonicInstant) throws(HTTPExchangeError) -> Bool {
        while true {
            let now = MonotonicInstant.now
            guard now < deadline else { return false }
            let millis = now.millisecondsRoundedUp(to: deadline)
            do {
                if try Posix.poll(fd, events: events, milliseconds: millis) != 0 { return true }
            } catch {
                throw .incomplete("poll failed: \(error)")
            }
        }
    }
}
