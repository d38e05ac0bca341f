import CSwitchboardLinux
import Glibc
import Testing

/// A response as the test client saw it.
struct TestResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

struct TestClientError: Error, CustomStringConvertible {
    let description: String
}

/// A tiny blocking HTTP/1.1 client over a real loopback socket: sends raw bytes, reads responses
/// with a timeout (poll + recv), and tells a close from a timeout. Nothing leaves the machine.
final class TestClient {
    let fd: Int32
    /// Received and not yet consumed by `readResponse`.
    private(set) var buffer: [UInt8] = []
    private(set) var peerClosed = false

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` shrinks SO_RCVBUF (a slow reader's window).
    init(port: UInt16, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestClientError(description: "socket: errno \(errno)") }
        // Each send goes out at once, so a test that writes one byte at a time really does.
        var one: Int32 = 1
        setsockopt(fd, CSB_IPPROTO_TCP, CSB_TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestClientError(description: "connect: errno \(code)")
        }
    }

    private var isClosed = false

    deinit {
        close()
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw TestClientError(description: "send: errno \(errno)")
            }
            offset += count
        }
    }

    /// Reads once (waiting up to `timeout`); false on timeout. Sets `peerClosed` on EOF or reset.
    @discardableResult
    func receive(timeout: Duration) throws -> Bool {
        guard !peerClosed else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&poller, 1, max(milliseconds, 0))
        if ready == 0 { return false }
        if ready < 0 {
            if errno == EINTR { return true }
            throw TestClientError(description: "poll: errno \(errno)")
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return true }
            if errno == ECONNRESET {
                peerClosed = true
                return true
            }
            throw TestClientError(description: "recv: errno \(errno)")
        }
        if count == 0 {
            peerClosed = true
        } else {
            buffer.append(contentsOf: chunk[..<count])
        }
        return true
    }

    /// The next complete response (100 Continue included), or an error after `timeout`.
    /// `bodyless`: the answer to HEAD, whose Content-Length describes a body that is not sent.
    func readResponse(timeout: Duration = .seconds(5), bodyless: Bool = false) throws -> TestResponse {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let response = try takeResponse(bodyless: bodyless) { return response }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if peerClosed { throw TestClientError(description: "connection closed before a full response") }
            if remaining <= .zero { throw TestClientError(description: "no response within \(timeout)") }
            try receive(timeout: remaining)
        }
    }

    /// Whether the server closed the connection within `timeout` (bytes received meanwhile are kept).
    func waitForClose(timeout: Duration = .seconds(5)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !peerClosed {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            try receive(timeout: remaining)
        }
        return true
    }

    /// Parses one response from the front of `buffer`, if it is all there.
    private func takeResponse(bodyless: Bool) throws -> TestResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = buffer.indices.dropLast(3).first(where: { buffer[$0..<$0 + 4].elementsEqual(separator) })
        else {
            return nil
        }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestClientError(description: "bad status line in \(head)")
        }
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let value = line[colon...].dropFirst().trimmingPrefix(" ")
            return (String(line[..<colon]), String(value))
        }
        let declared = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let length = bodyless ? 0 : declared
        let bodyStart = headEnd + 4
        guard buffer.count >= bodyStart + length else { return nil }
        let body = Array(buffer[bodyStart..<bodyStart + length])
        buffer.removeSubrange(..<(bodyStart + length))
        return TestResponse(status: status, headers: headers, body: body)
    }
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// A GET request with the Host header the parser requires.
func get(_ path: String, headers: [String] = []) -> String {
    (["GET \(path) HTTP/1.1", "Host: test"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
}

func post(_ path: String, body: String, headers: [String] = []) -> String {
    (["POST \(path) HTTP/1.1", "Host: test", "Content-Length: \(body.utf8.count)"] + headers).joined(separator: "\r\n")
        + "\r\n\r\n" + body
}
