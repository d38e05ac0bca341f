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
        let deadline = MonotonicInstant.now + timeout
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
///
/// A push makes one exchange, so this is per-push cost: the request is written as bytes into a
/// buffer the connection keeps (no String built per request), the `Host` line is made once, and the
/// response head is read in one pass over its bytes.
public final class HTTPClientConnection {
    public let host: String
    public let port: UInt16
    private let socket: ClientSocket
    /// `Host: host:port` and its line end: the same for every request on this connection.
    private let hostLine: [UInt8]
    /// Bytes received beyond the last response (none from a well-behaved server). Its capacity
    /// stays from one exchange to the next.
    private var buffer: [UInt8] = []
    /// The request being sent; kept for its capacity.
    private var output: [UInt8] = []
    public private(set) var reusable = true
    /// Whether any byte of an answer arrived during the last exchange (a failure before that may be
    /// a kept connection the server had closed: nothing was answered).
    public private(set) var answered = false
    /// When the last exchange ended (for idle limits).
    public private(set) var lastUsed: MonotonicInstant

    private init(host: String, port: UInt16, socket: ClientSocket) {
        self.host = host
        self.port = port
        self.socket = socket
        hostLine = Array("Host: \(HTTPClientConnection.hostHeader(host, port))\r\n".utf8)
        lastUsed = .now
    }

    /// Connects to a numeric address (or `localhost`) by `deadline`.
    public static func open(host: String, port: UInt16, deadline: MonotonicInstant) throws(HTTPExchangeError) -> HTTPClientConnection {
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
        maxResponseBytes: Int, deadline: MonotonicInstant
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        try exchange(method: method, path: path, body: body, keepAlive: keepAlive, maxResponseBytes: maxResponseBytes, deadline: deadline) {
            request throws(HTTPExchangeError) in
            for header in headers {
                var name = header.name
                var value = header.value
                let appended = name.withUTF8 { name in value.withUTF8 { value in HTTPClientConnection.appendField(name, value, to: &request) } }
                guard appended else { throw HTTPClientConnection.unsendable(header.name) }
            }
        }
    }

    /// The same exchange with the fields of `headers`, in order, except the ones that frame the
    /// message (`Host`, `Content-Length`, `Connection`, `Transfer-Encoding`): the connection writes
    /// those itself. Read over the fields' bytes: no String is made per field.
    public func exchange(
        method: String, path: String, headers: HTTPHeaders, body: [UInt8], keepAlive: Bool, maxResponseBytes: Int,
        deadline: MonotonicInstant
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        try exchange(method: method, path: path, body: body, keepAlive: keepAlive, maxResponseBytes: maxResponseBytes, deadline: deadline) {
            request throws(HTTPExchangeError) in
            try headers.withFieldBytes { name, value throws(HTTPExchangeError) in
                guard !HTTPClientConnection.isFramingField(name) else { return }
                guard HTTPClientConnection.appendField(name, value, to: &request) else {
                    throw HTTPClientConnection.unsendable(String(decoding: name, as: UTF8.self))
                }
            }
        }
    }

    /// Whether `name` is a field the connection writes itself (ASCII case-insensitive).
    static func isFramingField(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        equalsIgnoringCase(name, "host") || equalsIgnoringCase(name, "content-length") || equalsIgnoringCase(name, "connection")
            || equalsIgnoringCase(name, "transfer-encoding")
    }

    private func exchange(
        method: String, path: String, body: [UInt8], keepAlive: Bool, maxResponseBytes: Int, deadline: MonotonicInstant,
        writeFields: (inout [UInt8]) throws(HTTPExchangeError) -> Void
    ) throws(HTTPExchangeError) -> HTTPExchangeResponse {
        guard reusable else { throw .incomplete("the connection cannot carry another request") }
        reusable = false  // until this exchange completes whole
        answered = !buffer.isEmpty
        guard !method.isEmpty, method.utf8.allSatisfy(HTTPClientConnection.isTokenByte) else {
            throw .invalidHeader("method '\(method.prefix(20))' is not an HTTP token")
        }
        guard path.utf8.first == UInt8(ascii: "/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidHeader("request target '\(path.prefix(80))' must start with / and hold no spaces or control characters")
        }
        // The connection's buffers leave it for the exchange (one owner: no copy on write, no
        // exclusivity check per access) and come back with their capacity.
        var request = output
        output = []
        request.removeAll(keepingCapacity: true)
        request.reserveCapacity(256 + body.count)
        request.append(contentsOf: method.utf8)
        request.append(UInt8(ascii: " "))
        request.append(contentsOf: path.utf8)
        request.append(contentsOf: " HTTP/1.1\r\n".utf8)
        request.append(contentsOf: hostLine)
        if !keepAlive { request.append(contentsOf: "Connection: close\r\n".utf8) }
        try writeFields(&request)
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            request.append(contentsOf: "Content-Length: ".utf8)
            HTTPClientConnection.appendDecimal(body.count, to: &request)
            request.append(contentsOf: "\r\n".utf8)
        }
        request.append(contentsOf: "\r\n".utf8)
        request.append(contentsOf: body)
        try socket.sendAll(request, deadline: deadline)
        output = request
        var received = buffer
        buffer = []
        let read: (response: HTTPExchangeResponse, framed: Bool, closing: Bool)
        do {
            read = try readResponse(&received, isHead: method == "HEAD", maxResponseBytes: maxResponseBytes, deadline: deadline)
        } catch {
            buffer = received
            throw error
        }
        buffer = received
        reusable = keepAlive && read.framed && !read.closing && buffer.isEmpty
        lastUsed = .now
        if !reusable { socket.close() }
        return read.response
    }

    /// Appends `name: value` and its line end; false (nothing appended) for a field that would break
    /// the request's framing.
    private static func appendField(_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, to request: inout [UInt8]) -> Bool {
        guard !name.isEmpty, name.allSatisfy(HTTPClientConnection.isTokenByte), value.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7f })
        else { return false }
        request.append(contentsOf: name)
        request.append(contentsOf: ": ".utf8)
        request.append(contentsOf: value)
        request.append(contentsOf: "\r\n".utf8)
        return true
    }

    private static func unsendable(_ name: String) -> HTTPExchangeError {
        .invalidHeader("header \(name) has a character that cannot be sent")
    }

    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
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

    /// The response, whether its end was framed (a length, chunks, or no body) rather than the
    /// connection closing, and whether the server asked to close (`Connection: close`).
    private func readResponse(_ buffer: inout [UInt8], isHead: Bool, maxResponseBytes: Int, deadline: MonotonicInstant)
        throws(HTTPExchangeError) -> (response: HTTPExchangeResponse, framed: Bool, closing: Bool)
    {
        var closed = false
        var answered = self.answered
        defer { self.answered = answered }
        let socket = self.socket
        func more(_ buffer: inout [UInt8]) throws(HTTPExchangeError) {
            guard !closed else { throw .incomplete("the connection closed before the response was complete") }
            closed = try socket.receive(into: &buffer, deadline: deadline) == 0
            if !closed { answered = true }
            // The head's allowance on top of the body's limit.
            if buffer.count > maxResponseBytes + 64 * 1024 { throw .tooLarge("the answer is larger than \(maxResponseBytes) bytes") }
        }
        var searched = 0
        while true {
            var headEnd: Int?
            while headEnd == nil {
                headEnd = HTTPClientConnection.find([13, 10, 13, 10], in: buffer, from: searched)
                if headEnd == nil {
                    if closed {
                        throw buffer.isEmpty ? .incomplete("the connection closed without a response") : .incomplete("the connection closed inside the response head")
                    }
                    // What was searched needs no second look (a match may straddle the end).
                    searched = max(0, buffer.count - 3)
                    try more(&buffer)
                }
            }
            let head = try HTTPClientConnection.parseHead(buffer[..<headEnd!])
            buffer.removeSubrange(..<(headEnd! + 4))
            searched = 0
            // Interim responses (100 Continue) precede the real one (RFC 9110 §15.2).
            if (100..<200).contains(head.status) { continue }
            let status = head.status
            let headers = head.headers
            if isHead || status == 204 || status == 304 {
                return (HTTPExchangeResponse(status: status, headers: headers, body: []), !closed, head.closing)
            }
            if head.chunked {
                let body = try HTTPClientConnection.dechunk(&buffer, maxResponseBytes: maxResponseBytes, more: more)
                return (HTTPExchangeResponse(status: status, headers: headers, body: body), !closed, head.closing)
            }
            if let lengthText = head.contentLength {
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
                return (HTTPExchangeResponse(status: status, headers: headers, body: body), !closed, head.closing)
            }
            while !closed { try more(&buffer) }
            defer { buffer = [] }
            return (HTTPExchangeResponse(status: status, headers: headers, body: buffer), false, head.closing)
        }
    }

    /// A response head as the exchange reads it: the status, the fields, and what the first
    /// `Connection`, `Transfer-Encoding` and `Content-Length` fields say about framing.
    struct ResponseHead {
        var status: Int
        var headers: HTTPHeaders
        /// The first `Connection` field asks to close.
        var closing: Bool
        /// The first `Transfer-Encoding` field names chunked.
        var chunked: Bool
        /// The first `Content-Length` field's value.
        var contentLength: String?
    }

    /// The status and header fields of a head (without its final empty line), in one pass over the
    /// bytes: a push parses one per exchange, and splitting a String into Characters cost more than
    /// the rest. The framing fields are found on the way (the first of each name counts, as a
    /// look-up by name would find it).
    static func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPExchangeError) -> ResponseHead {
        var lineEnd = bytes.startIndex
        while lineEnd < bytes.endIndex, !(bytes[lineEnd] == 13 && lineEnd + 1 < bytes.endIndex && bytes[lineEnd + 1] == 10) { lineEnd += 1 }
        let statusLine = bytes[bytes.startIndex..<lineEnd]
        // "HTTP/1.x 200 reason": the version, one space, three digits, then a space or the end.
        let codeStart = statusLine.startIndex + 9
        guard statusLine.count >= 12, statusLine.starts(with: "HTTP/1.".utf8), statusLine[statusLine.startIndex + 8] == 32,
            statusLine[codeStart..<codeStart + 3].allSatisfy({ $0 >= 48 && $0 <= 57 }),
            statusLine.count == 12 || statusLine[codeStart + 3] == 32
        else {
            throw .malformed("not an HTTP/1.1 status line: \(String(decoding: statusLine.prefix(80), as: UTF8.self))")
        }
        var head = ResponseHead(
            status: statusLine[codeStart..<codeStart + 3].reduce(0) { $0 * 10 + Int($1 - 48) }, headers: HTTPHeaders(), closing: false,
            chunked: false, contentLength: nil)
        guard lineEnd < bytes.endIndex else { return head }
        var seenConnection = false
        var seenEncoding = false
        var seenLength = false
        try bytes.withUnsafeBufferPointer { all throws(HTTPExchangeError) in
            // Offsets into `all`, which starts at the slice's start.
            var start = lineEnd - bytes.startIndex + 2
            head.headers.reserveCapacity(fields: 8, bytes: all.count - start)
            while true {
                var end = start
                while end < all.count, !(all[end] == 13 && end + 1 < all.count && all[end + 1] == 10) { end += 1 }
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                guard let colon = line.firstIndex(of: 58) else {
                    throw .malformed("a header line without a colon: \(String(decoding: line.prefix(80), as: UTF8.self))")
                }
                var valueStart = colon + 1
                var valueEnd = line.count
                while valueStart < valueEnd, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
                while valueEnd > valueStart, line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9 { valueEnd -= 1 }
                let name = UnsafeBufferPointer(rebasing: line[..<colon])
                let value = UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd])
                head.headers.append(name: name, value: value)
                if !seenConnection, equalsIgnoringCase(name, "connection") {
                    seenConnection = true
                    head.closing = containsIgnoringCase(value, "close")
                } else if !seenEncoding, equalsIgnoringCase(name, "transfer-encoding") {
                    seenEncoding = true
                    head.chunked = containsIgnoringCase(value, "chunked")
                } else if !seenLength, equalsIgnoringCase(name, "content-length") {
                    seenLength = true
                    head.contentLength = String(decoding: value, as: UTF8.self)
                }
                guard end < all.count else { break }
                start = end + 2
            }
        }
        return head
    }

    /// ASCII case-insensitive equality with a lowercase literal.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        for offset in 0..<bytes.count where lowercased(bytes[offset]) != lowercase.utf8Start[offset] { return false }
        return true
    }

    /// Whether `value` lowercased contains `lowercase` (a lowercase ASCII literal). Over the bytes
    /// when the value is ASCII; otherwise through String, whose lowercasing of a few non-ASCII
    /// letters gives ASCII ones (the Kelvin sign gives k), as the field's String value would.
    static func containsIgnoringCase(_ value: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard value.allSatisfy({ $0 < 0x80 }) else {
            return String(decoding: value, as: UTF8.self).lowercased().contains(lowercase.description)
        }
        let count = lowercase.utf8CodeUnitCount
        guard value.count >= count else { return false }
        outer: for start in 0...(value.count - count) {
            for offset in 0..<count where lowercased(value[start + offset]) != lowercase.utf8Start[offset] { continue outer }
            return true
        }
        return false
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
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

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index] == needle[0] {
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
