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
    /// The body is larger than the caller accepts.
    case tooLarge(String)

    public var description: String {
        switch self {
        case .invalidAddress(let detail), .invalidHeader(let detail), .connectFailed(let detail), .timedOut(let detail),
            .incomplete(let detail), .malformed(let detail), .tooLarge(let detail):
            detail
        }
    }
}

/// A small blocking HTTP/1.1 client over a real socket, one connection per request
/// (`Connection: close`), with one deadline for connect, send and receive. What the simulator's
/// `WebhookSender` posts with; tests use it too, for what URLSession cannot show (a cut body's
/// exact bytes). `HTTPClientConnection` is the same exchange on a connection kept for the next one.
public enum LoopbackHTTPClient {
    /// Responses larger than this are refused (a bound on memory, not a protocol limit).
    public static let maxResponseBytes = 64 * 1024 * 1024

    public static func send(
        host: String, port: UInt16, method: String, path: String, headers: [(name: String, value: String)] = [],
        body: [UInt8] = [], timeout: Duration
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        let deadline = ContinuousClock.now + timeout
        let connection = try HTTPClientConnection.open(host: host, port: port, deadline: deadline)
        defer { connection.close() }
        return try connection.exchange(
            method: method, path: path, headers: headers, body: body, keepAlive: false,
            maxResponseBytes: maxResponseBytes, deadline: deadline)
    }
}

/// One HTTP/1.1 client connection that can carry one exchange after another (keep-alive), each
/// bounded by its deadline. After an exchange, `reusable` says whether the connection may carry the
/// next: the response was framed by a length or chunks, neither side asked to close, and nothing
/// failed. Not thread-safe: one exchange at a time.
public final class HTTPClientConnection {
    public let host: String
    public let port: UInt16
    private let socket: ClientSocket
    /// Bytes received beyond the last response (none from a well-behaved server).
    private var buffer: [UInt8] = []
    public private(set) var reusable = true
    /// Whether any byte of an answer arrived during the last exchange (a failure before that may be
    /// a kept connection the server had closed: nothing was answered).
    public private(set) var answered = false
    /// When the last exchange ended (for idle limits).
    public private(set) var lastUsed: ContinuousClock.Instant

    private init(host: String, port: UInt16, socket: ClientSocket) {
        self.host = host
        self.port = port
        self.socket = socket
        lastUsed = .now
    }

    /// Connects to a numeric address (or `localhost`) by `deadline`.
    public static func open(host: String, port: UInt16, deadline: ContinuousClock.Instant) throws(HTTPExchangeError) -> HTTPClientConnection {
        HTTPClientConnection(host: host, port: port, socket: try ClientSocket.connect(host: host, port: port, deadline: deadline))
    }

    public func close() {
        reusable = false
        socket.close()
    }

    /// Whether an idle connection can be used again: reusable, and the server has neither closed it
    /// nor sent anything unasked since the last exchange.
    public var isUsableNow: Bool { reusable && buffer.isEmpty && !socket.isReadableNow }

    /// Sends one request and reads its response. `keepAlive` false asks the server to close after it.
    public func exchange(
        method: String, path: String, headers: [(name: String, value: String)], body: [UInt8], keepAlive: Bool,
        maxResponseBytes: Int, deadline: ContinuousClock.Instant
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        guard reusable else { throw .incomplete("the connection cannot carry another request") }
        reusable = false  // until this exchange completes whole
        answered = !buffer.isEmpty
        guard !method.isEmpty, method.utf8.allSatisfy(HTTPClientConnection.isTokenByte) else {
            throw .invalidHeader("method '\(method.prefix(20))' is not an HTTP token")
        }
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidHeader("request target '\(path.prefix(80))' must start with / and hold no spaces or control characters")
        }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(HTTPClientConnection.hostHeader(host, port))\r\n"
        if !keepAlive { request += "Connection: close\r\n" }
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(HTTPClientConnection.isTokenByte),
                header.value.utf8.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7f })
            else { throw .invalidHeader("header \(header.name) has a character that cannot be sent") }
            request += "\(header.name): \(header.value)\r\n"
        }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            request += "Content-Length: \(body.count)\r\n"
        }
        request += "\r\n"
        var bytes = Array(request.utf8)
        bytes.append(contentsOf: body)
        try socket.sendAll(bytes, deadline: deadline)
        let (response, framed) = try readResponse(isHead: method == "HEAD", maxResponseBytes: maxResponseBytes, deadline: deadline)
        let closing = response.headers["connection"].map { $0.lowercased().contains("close") } ?? false
        reusable = keepAlive && framed && !closing && buffer.isEmpty
        lastUsed = .now
        if !reusable { socket.close() }
        return response
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

    /// The response, and whether its end was framed (a length, chunks, or no body) rather than the
    /// connection closing.
    private func readResponse(isHead: Bool, maxResponseBytes: Int, deadline: ContinuousClock.Instant)
        throws(HTTPExchangeError) -> (HTTPExchangeResponse, framed: Bool)
    {
        var closed = false
        let socket = self.socket
        func more(_ buffer: inout [UInt8]) throws(HTTPExchangeError) {
            guard !closed else { throw .incomplete("the connection closed before the response was complete") }
            closed = try socket.receive(into: &buffer, deadline: deadline) == 0
            if !closed { answered = true }
            // The head's allowance on top of the body's limit.
            if buffer.count > maxResponseBytes + 64 * 1024 { throw .tooLarge("the answer is larger than \(maxResponseBytes) bytes") }
        }
        while true {
            var headEnd: Int?
            while headEnd == nil {
                headEnd = HTTPClientConnection.find([13, 10, 13, 10], in: buffer)
                if headEnd == nil {
                    if closed {
                        throw buffer.isEmpty ? .incomplete("the connection closed without a response") : .incomplete("the connection closed inside the response head")
                    }
                    try more(&buffer)
                }
            }
            let (status, headers) = try HTTPClientConnection.parseHead(buffer[..<headEnd!])
            buffer.removeSubrange(..<(headEnd! + 4))
            // Interim responses (100 Continue) precede the real one (RFC 9110 §15.2).
            if (100..<200).contains(status) { continue }
            if isHead || status == 204 || status == 304 {
                return (HTTPExchangeResponse(status: status, headers: headers, body: []), !closed)
            }
            if let encoding = headers["transfer-encoding"], encoding.lowercased().contains("chunked") {
                let body = try HTTPClientConnection.dechunk(&buffer, maxResponseBytes: maxResponseBytes, more: more)
                return (HTTPExchangeResponse(status: status, headers: headers, body: body), !closed)
            }
            if let lengthText = headers["content-length"] {
                guard let length = Int(lengthText), length >= 0 else {
                    throw .malformed("Content-Length \(lengthText) is not a valid length")
                }
                guard length <= maxResponseBytes else { throw .tooLarge("the answer is larger than \(maxResponseBytes) bytes") }
                while buffer.count < length {
                    do {
                        try more(&buffer)
                    } catch .incomplete {
                        throw .incomplete("the body was cut short: \(buffer.count) of the \(length) bytes Content-Length declared arrived before the connection closed")
                    }
                }
                let body = Array(buffer[..<length])
                buffer.removeSubrange(..<length)
                return (HTTPExchangeResponse(status: status, headers: headers, body: body), !closed)
            }
            while !closed { try more(&buffer) }
            defer { buffer = [] }
            return (HTTPExchangeResponse(status: status, headers: headers, body: buffer), false)
        }
    }

    /// The status and header fields of a head (without its final empty line), over the bytes: a
    /// push parses one per exchange, and splitting a String into Characters cost more than the rest.
    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPExchangeError) -> (Int, HTTPHeaders) {
        var lines: [Range<Int>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 13, index + 1 < bytes.endIndex, bytes[index + 1] == 10 {
                lines.append(start..<index)
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        lines.append(start..<bytes.endIndex)
        let statusLine = bytes[lines[0]]
        // "HTTP/1.x 200 reason": the version, one space, three digits, then a space or the end.
        let codeStart = statusLine.startIndex + 9
        guard statusLine.count >= 12, statusLine.starts(with: "HTTP/1.".utf8), statusLine[statusLine.startIndex + 8] == 32,
            statusLine[codeStart..<codeStart + 3].allSatisfy({ $0 >= 48 && $0 <= 57 }),
            statusLine.count == 12 || statusLine[codeStart + 3] == 32
        else {
            throw .malformed("not an HTTP/1.1 status line: \(String(decoding: statusLine.prefix(80), as: UTF8.self))")
        }
        let status = statusLine[codeStart..<codeStart + 3].reduce(0) { $0 * 10 + Int($1 - 48) }
        var headers = HTTPHeaders()
        for range in lines.dropFirst() {
            let line = bytes[range]
            guard let colon = line.firstIndex(of: 58) else {
                throw .malformed("a header line without a colon: \(String(decoding: line.prefix(80), as: UTF8.self))")
            }
            var valueStart = colon + 1
            var valueEnd = line.endIndex
            while valueStart < valueEnd, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
            while valueEnd > valueStart, line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9 { valueEnd -= 1 }
            headers.append(name: String(decoding: line[..<colon], as: UTF8.self), value: String(decoding: line[valueStart..<valueEnd], as: UTF8.self))
        }
        return (status, headers)
    }

    /// The data of a chunked body (RFC 9112 §7.1); trailers are read and dropped.
    private static func dechunk(
        _ buffer: inout [UInt8], maxResponseBytes: Int, more: (inout [UInt8]) throws(HTTPExchangeError) -> Void
    ) throws(HTTPExchangeError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = find([13, 10], in: buffer)
            while lineEnd == nil {
                try more(&buffer)
                lineEnd = find([13, 10], in: buffer)
            }
            let sizeText = String(decoding: buffer[..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: " \t"), radix: 16), size >= 0 else {
                throw .malformed("a chunk size that is not hex: \(sizeText.prefix(20))")
            }
            guard size <= maxResponseBytes - body.count else { throw .tooLarge("the answer is larger than \(maxResponseBytes) bytes") }
            buffer.removeSubrange(..<(lineEnd! + 2))
            if size == 0 {
                // The trailer section (usually empty) ends with an empty line; drop it whole, so a
                // kept connection starts its next response clean.
                var end = find([13, 10, 13, 10], in: [13, 10] + buffer)
                while end == nil {
                    try more(&buffer)
                    end = find([13, 10, 13, 10], in: [13, 10] + buffer)
                }
                buffer.removeSubrange(..<(end! + 2))
                return body
            }
            while buffer.count < size + 2 { try more(&buffer) }
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
