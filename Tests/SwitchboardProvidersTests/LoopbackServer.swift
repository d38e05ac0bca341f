import Foundation
import Glibc
import SwitchboardCore

/// A one-connection-at-a-time HTTP server on 127.0.0.1, port 0, for testing URLSessionTransport
/// against real sockets. Each accepted connection gets the next scripted behaviour. Every wait is
/// bounded (poll with a deadline), so a test can never hang on it.
///
/// `@unchecked Sendable`: `listener` is set once in `init` and closed once in `stop`; everything
/// else that changes is in `state`, behind its lock.
final class LoopbackServer: @unchecked Sendable {
    enum Behaviour: Sendable {
        /// Send these bytes, then close.
        case respond([UInt8])
        /// Send nothing for this long, then close.
        case stall(seconds: Double)
        /// Send `head`, then one byte of body every `interval` for `count` bytes.
        case drip(head: [UInt8], interval: Double, count: Int)
        /// Answer successive requests on the one connection with these, then close it; with
        /// `dropNext`, first read one more request and close without answering it.
        case keepAlive([[UInt8]], dropNext: Bool)
    }

    struct State {
        var script: [Behaviour]
        var requests: [String] = []
        var connections = 0
        var stopped = false
    }

    let port: UInt16
    private let listener: Int32
    private let state: Locked<State>
    private let finished = DispatchSemaphore(value: 0)

    init(_ script: [Behaviour]) throws {
        state = Locked(State(script: script))
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The request heads and bodies received, as text.
    var requests: [String] { state.withLock { $0.requests } }
    var connections: Int { state.withLock { $0.connections } }

    /// Stops accepting and waits (bounded) for the serving thread to end.
    func stop() {
        state.withLock { $0.stopped = true }
        _ = finished.wait(timeout: .now() + 5)
        close(listener)
    }

    private func serve() {
        defer { finished.signal() }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if state.withLock({ $0.stopped }) { return }
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            state.withLock { $0.connections += 1 }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        let request = readRequest(client)
        let behaviour: Behaviour? = state.withLock { state in
            state.requests.append(request)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch behaviour {
        case .respond(let bytes)?:
            write(client, bytes)
        case .stall(let seconds)?:
            let end = Date().addingTimeInterval(seconds)
            while Date() < end, !state.withLock({ $0.stopped }) { usleep(20_000) }
        case .drip(let head, let interval, let count)?:
            write(client, head)
            for _ in 0..<count {
                if state.withLock({ $0.stopped }) { return }
                usleep(UInt32(interval * 1_000_000))
                guard write(client, [UInt8(ascii: "x")]) else { return }
            }
        case .keepAlive(let responses, let dropNext)?:
            for (index, response) in responses.enumerated() {
                if index > 0 {
                    let next = readRequest(client)
                    guard !next.isEmpty else { return }
                    state.withLock { $0.requests.append(next) }
                }
                guard write(client, response) else { return }
            }
            if dropNext {
                let next = readRequest(client)
                if !next.isEmpty { state.withLock { $0.requests.append(next) } }
            }
        case nil:
            write(client, Array("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        }
    }

    /// The head, and the body when Content-Length says there is one; at most 2 s of reading.
    private func readRequest(_ client: Int32) -> String {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(2)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            if let headEnd = LoopbackServer.headEnd(bytes) {
                let head = String(decoding: bytes[..<headEnd], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if bytes.count >= headEnd + length { break }
            }
            var poller = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    @discardableResult
    private func write(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        close(fd)
        return UInt16(bigEndian: address.sin_port)
    }
}
