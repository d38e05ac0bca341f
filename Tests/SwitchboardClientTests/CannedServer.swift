import Foundation
import Glibc

/// A loopback HTTP server for the client's tests: accepts on 127.0.0.1 (port 0), reads one request
/// per connection, answers with what `answer` returns for the request head, and closes. It records
/// each request head. Bounded: each accept waits at most `acceptTimeout`, then the thread ends.
final class CannedServer: @unchecked Sendable {
    // `@unchecked Sendable`: `requests` is only touched under `lock`; `listener` and `port` are set in
    // init and never change; the accept thread owns everything else it uses.
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var heads: [String] = []
    private var stopped = false

    /// `answer` gets the request head (request line and header fields) and returns the whole response.
    /// With `accepting` false the socket listens but nothing is ever accepted or answered.
    init(accepting: Bool = true, acceptTimeout: Int32 = 5000, answer: @escaping @Sendable (String) -> String = { _ in "" }) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else {
            close(fd)
            throw CocoaError(.fileWriteUnknown)
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        guard accepting else { return }
        let listening = self.listener
        Thread.detachNewThread { [self] in
            while true {
                var poller = pollfd(fd: listening, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, acceptTimeout) == 1, !isStopped else { return }
                let connection = accept(listening, nil, nil)
                guard connection >= 0 else { return }
                serve(connection, answer)
            }
        }
    }

    deinit {
        close(listener)
    }

    /// Stops accepting: the accept thread wakes from `poll` and ends.
    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    /// The heads received so far.
    var requestHeads: [String] { lock.withLock { heads } }

    /// The request lines (`GET /path?query HTTP/1.1`) received so far.
    var requestLines: [String] { requestHeads.map { $0.components(separatedBy: "\r\n").first ?? "" } }

    private func serve(_ connection: Int32, _ answer: (String) -> String) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // The head ends at the blank line; the client's requests here carry small or no bodies.
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n").first ?? text
        lock.withLock { heads.append(head) }
        let response = Array(answer(head).utf8)
        var offset = 0
        while offset < response.count {
            let sent = response[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// A complete response that closes the connection.
    static func response(_ status: Int, _ body: String, contentType: String = "application/json") -> String {
        "HTTP/1.1 \(status) X\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }
}
