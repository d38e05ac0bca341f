import Glibc
import SwitchboardHTTP
import SwitchboardPosix

/// A deliberately rude HTTP/1.1 server for one test: each connection gets `answersPerConnection`
/// answers, then the server closes it with the next request unanswered. Blocking sockets, a
/// thread per connection, every wait bounded (100 ms polls), on 127.0.0.1 port 0.
final class DroppingServer: Sendable {
    let port: UInt16
    private let listener: Int32
    private let stopped = Guarded(false)
    private let acceptThread = Guarded<pthread_t?>(nil)

    init(answersPerConnection: Int, respond: @escaping @Sendable (HTTPRequest) -> HTTPResponseBytes) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 64) == 0 else { throw DroppingServerError(errno: errno) }
        port = UInt16(bigEndian: address.sin_port)
        let stopped = self.stopped
        let thread = try PosixThread.spawn(name: "drop-accept", joinable: true) {
            while !stopped.withLock({ $0 }) {
                var poll = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard Glibc.poll(&poll, 1, 100) == 1 else { continue }
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                _ = try? PosixThread.spawn(name: "drop-conn") {
                    DroppingServer.serve(client, answers: answersPerConnection, stopped: stopped, respond: respond)
                }
            }
        }
        acceptThread.withLock { $0 = thread }
    }

    private static func serve(_ fd: Int32, answers: Int, stopped: Guarded<Bool>, respond: @Sendable (HTTPRequest) -> HTTPResponseBytes) {
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var parser = HTTPRequestParser()
        var answered = 0
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !stopped.withLock({ $0 }) {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return
            }
            parser.feed(Array(buffer[..<count]))
            while case .request(let request) = parser.next() {
                if answered == answers { return }  // drop it: the client sees the close
                let bytes = respond(request).bytes
                guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else { return }
                answered += 1
            }
        }
    }

    func stop() {
        stopped.withLock { $0 = true }
        if let thread = acceptThread.withLock({ $0 }) { PosixThread.join(thread) }
        close(listener)
        usleep(150_000)  // connection threads notice within one 100 ms poll
    }
}

struct DroppingServerError: Error {
    let errno: Int32
}

/// A response serialised by hand (the rude server has no encoder).
struct HTTPResponseBytes {
    let bytes: [UInt8]

    init(status: Int, body: [UInt8]) {
        let head = "HTTP/1.1 \(status) \(HTTPStatus(code: status).reasonPhrase)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        bytes = Array(head.utf8) + body
    }
}
