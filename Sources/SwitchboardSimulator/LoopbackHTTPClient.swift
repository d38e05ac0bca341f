import Glibc
public import SwitchboardHTTP


/// An HTTP response as a client read it off the socket.
public struct HTTPExchangeResponse: Sendable, Hashable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why a request did not get a complete response.
public enum HTTPExchangeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The host is not a numeric address or `localhost` (no name is looked up), or the port is 0.
    case invalidAddress(String)
    /// A header name or value that would break the request's framing.
    case invalidHeader(String)
    /// connect(2) failed: refused, unreachable.
    case connectFailed(String)
    /// No complete response within the timeout.
    case timedOut(String)
    /// The connection closed (or reset) before the response was complete: a body cut short.
    case incomplete(String)
    /// The bytes received are not an HTTP/1.1 response.
    case malformed(String)

    public var description: String {
        switch self {
        case .invalidAddress(let detail), .invalidHeader(let detail), .connectFailed(let detail), .timedOut(let detail),
            .incomplete(let detail), .malformed(let detail):
            detail
        }
    }
}

/// A small blocking HTTP/1.1 client over a real socket, one connection per request
/// (`Connection: close`), with one deadline for connect, send and receive. What `WebhookSender`
/// posts with; tests use it too, for what URLSession cannot show (a cut body's exact bytes).
public enum LoopbackHTTPClient {
    /// Responses larger than this are refused (a bound on memory, not a protocol limit).
    public static let maxResponseBytes = 64 * 1024 * 1024

    public static func send(
        host: String, port: UInt16, method: String, path: String, headers: [(name: String, value: String)] = [],
        body: [UInt8] = [], timeout: Duration
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        let deadline = ContinuousClock.now + timeout
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader(host, port))\r\nConnection: close\r\n"
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(isTokenByte),
                header.value.utf8.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7f })
            else { throw .invalidHeader("header \(header.name) has a character that cannot be sent") }
            request += "\(header.name): \(header.value)\r\n"
        }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            request += "Content-Length: \(body.count)\r\n"
        }
        request += "\r\n"
        let socket = try LoopbackSocket.connect(host: host, port: port, deadline: deadline)
        defer { socket.close() }
        try socket.sendAll(Array(request.utf8) + body, deadline: deadline)
        return try readResponse(socket, isHead: method == "HEAD", deadline: deadline)
    }

    /// RFC 9110 §5.6.2 tchar.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func hostHeader(_ host: String, _ port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func readResponse(_ socket: LoopbackSocket, isHead: Bool, deadline: ContinuousClock.Instant)
        throws(HTTPExchangeError) -> HTTPExchangeResponse
    {
        var buffer: [UInt8] = []
        var closed = false
        func more() throws(HTTPExchangeError) {
            guard !closed else { throw .incomplete("the connection closed before the response was complete") }
            closed = try socket.receive(into: &buffer, deadline: deadline) == 0
            if buffer.count > maxResponseBytes { throw .malformed("the response is larger than \(maxResponseBytes) bytes") }
        }
        while true {
            var headEnd: Int?
            while headEnd == nil {
                headEnd = find([13, 10, 13, 10], in: buffer)
                if headEnd == nil {
                    if closed {
                        throw buffer.isEmpty ? .incomplete("the connection closed without a response") : .incomplete("the connection closed inside the response head")
                    }
                    try more()
                }
            }
            let (status, headers) = try parseHead(buffer[..<headEnd!])
            buffer.removeSubrange(..<(headEnd! + 4))
            // Interim responses (100 Continue) precede the real one (RFC 9110 §15.2).
            if (100..<200).contains(status) { continue }
            if isHead || status == 204 || status == 304 {
                return HTTPExchangeResponse(status: status, headers: headers, body: [])
            }
            if let encoding = headers["transfer-encoding"], encoding.lowercased().contains("chunked") {
                return HTTPExchangeResponse(status: status, headers: headers, body: try dechunk(&buffer, more: more))
            }
            if let lengthText = headers["content-length"] {
                guard let length = Int(lengthText), length >= 0, length <= maxResponseBytes else {
                    throw .malformed("Content-Length \(lengthText) is not a valid length")
                }
                while buffer.count < length {
                    do {
                        try more()
                    } catch .incomplete {
                        throw .incomplete("the body was cut short: \(buffer.count) of the \(length) bytes Content-Length declared arrived before the connection closed")
                    }
                }
                return HTTPExchangeResponse(status: status, headers: headers, body: Array(buffer[..<length]))
            }
            while !closed { try more() }
            return HTTPExchangeResponse(status: status, headers: headers, body: buffer)
        }
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPExchangeError) -> (Int, HTTPHeaders) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].utf8.count == 3, let status = Int(parts[1]) else {
            throw .malformed("not an HTTP/1.1 status line: \(statusLine.prefix(80))")
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("a header line without a colon: \(line.prefix(80))") }
            headers.append(name: String(line[..<colon]), value: String(line[line.index(after: colon)...]).trimmingSpaces)
        }
        return (status, headers)
    }

    /// The data of a chunked body (RFC 9112 §7.1); trailers are read and dropped.
    private static func dechunk(_ buffer: inout [UInt8], more: () throws(HTTPExchangeError) -> Void) throws(HTTPExchangeError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = find([13, 10], in: buffer)
            while lineEnd == nil {
                try more()
                lineEnd = find([13, 10], in: buffer)
            }
            let sizeText = String(decoding: buffer[..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: " \t"), radix: 16), size >= 0, size <= maxResponseBytes else {
                throw .malformed("a chunk size that is not hex: \(sizeText.prefix(20))")
            }
            buffer.removeSubrange(..<(lineEnd! + 2))
            if size == 0 {
                while find([13, 10, 13, 10], in: [13, 10] + buffer) == nil { try more() }
                return body
            }
            while buffer.count < size + 2 { try more() }
            body.append(contentsOf: buffer[..<size])
            buffer.removeSubrange(..<(size + 2))
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index }
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
