import Foundation

#if canImport(Glibc)
import Glibc
#endif

@testable import SwitchboardServer

/// A raw HTTP/1.1 exchange over one loopback socket, for requests no well-behaved client sends
/// (malformed, oversized, absolute-form targets) and for holding connections open.
final class RawConnection {
    let fd: Int32

    init(port: UInt16, receiveTimeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw ServiceError("connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes` (a peer that closes early ends the send quietly: its answer is read next).
    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until the server closes the connection or the receive timeout passes.
    func readToClose() -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until a whole response with Content-Length has arrived (or the timeout).
    func readResponse() -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length { return text }
            }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return text }
            received += buffer[0..<count]
        }
    }

    /// One request on a fresh connection; everything the server sent until it closed.
    static func exchange(port: UInt16, _ request: String) throws -> String {
        let connection = try RawConnection(port: port)
        connection.send(request)
        return connection.readToClose()
    }

    /// The status code of a raw answer ("HTTP/1.1 431 …" → 431), or -1.
    static func status(_ answer: String) -> Int { Int(answer.dropFirst(9).prefix(3)) ?? -1 }
}
