/// Encodes responses into a caller-provided buffer, so the connection layer can reuse one buffer
/// per connection.
///
/// The encoder owns framing and connection management: it writes Content-Length (or
/// `Transfer-Encoding: chunked` for streaming), the cached `Date`, and `Connection: close` when the
/// connection will close (RFC 9112 §9.6) or `Connection: keep-alive` when an HTTP/1.0 client's
/// connection stays open (RFC 9112 §9.3: a 1.0 client otherwise assumes it closes). Callers may not
/// set those fields themselves. The status line always says HTTP/1.1 (RFC 9110 §6.2).
///
/// Header names and values from the caller are validated before anything is written: a CR or LF in
/// a value throws, so header injection cannot happen, and a failed call leaves the buffer unchanged.
public struct HTTPResponseEncoder: Sendable {
    public let dateCache: HTTPDateCache

    public init(dateCache: HTTPDateCache = HTTPDateCache()) {
        self.dateCache = dateCache
    }

    /// Appends a complete response framed with Content-Length (omitted for 204 and 304, which must
    /// then have an empty body).
    ///
    /// - Parameters:
    ///   - keepAlive: whether the connection stays open after this response; usually the request's
    ///     `keepAlive`, but false whenever the server will close (errors, shutdown).
    ///   - requestVersion: the request's version, to tell a 1.0 client it may keep the connection.
    public func encode(
        status: HTTPStatus,
        headers: HTTPHeaders = HTTPHeaders(),
        body: some Collection<UInt8>,
        keepAlive: Bool,
        requestVersion: HTTPVersion = .http11,
        into buffer: inout [UInt8]
    ) throws(HTTPEncodingError) {
        // Generic entry, concrete work: across modules this function is not specialised, so hand
        // the body over as one contiguous buffer (one dynamic call) instead of iterating it.
        var failure: HTTPEncodingError?
        func encodeBytes(_ bytes: UnsafeRawBufferPointer) {
            do throws(HTTPEncodingError) {
                try encode(status, headers, bytes, keepAlive, requestVersion, &buffer)
            } catch {
                failure = error
            }
        }
        let handled: Void? = body.withContiguousStorageIfAvailable { encodeBytes(UnsafeRawBufferPointer($0)) }
        if handled == nil {
            Array(body).withUnsafeBytes { encodeBytes($0) }
        }
        if let failure { throw failure }
    }

    private func encode(
        _ status: HTTPStatus,
        _ headers: HTTPHeaders,
        _ body: UnsafeRawBufferPointer,
        _ keepAlive: Bool,
        _ requestVersion: HTTPVersion,
        _ buffer: inout [UInt8]
    ) throws(HTTPEncodingError) {
        let length = body.count
        if !status.allowsContent && length > 0 { throw .contentNotAllowed(status) }
        try validate(status: status, headers: headers)
        buffer.reserveCapacity(buffer.count + 160 + length)
        writeHead(status, headers, into: &buffer)
        if status.allowsContent {
            Self.append("Content-Length: ", to: &buffer)
            Self.appendDecimal(length, to: &buffer)
            Self.append("\r\n", to: &buffer)
        }
        writeTrailingFields(keepAlive: keepAlive, requestVersion: requestVersion, into: &buffer)
        buffer.append(contentsOf: body)
    }

    /// Appends a complete response without content (`Content-Length: 0`, or none for 204/304).
    public func encode(
        status: HTTPStatus,
        headers: HTTPHeaders = HTTPHeaders(),
        keepAlive: Bool,
        requestVersion: HTTPVersion = .http11,
        into buffer: inout [UInt8]
    ) throws(HTTPEncodingError) {
        try encode(
            status: status, headers: headers, body: EmptyCollection<UInt8>(), keepAlive: keepAlive,
            requestVersion: requestVersion, into: &buffer)
    }

    /// Appends the head of a streamed response with `Transfer-Encoding: chunked`; follow it with
    /// `encodeChunk` calls and one `encodeLastChunk`. Only for HTTP/1.1 requests.
    public func encodeChunkedHead(
        status: HTTPStatus,
        headers: HTTPHeaders = HTTPHeaders(),
        keepAlive: Bool,
        requestVersion: HTTPVersion = .http11,
        into buffer: inout [UInt8]
    ) throws(HTTPEncodingError) {
        if requestVersion == .http10 { throw .chunkedNotAllowedForHTTP10 }
        if !status.allowsContent { throw .contentNotAllowed(status) }
        try validate(status: status, headers: headers)
        writeHead(status, headers, into: &buffer)
        Self.append("Transfer-Encoding: chunked\r\n", to: &buffer)
        writeTrailingFields(keepAlive: keepAlive, requestVersion: requestVersion, into: &buffer)
    }

    /// Appends one chunk: hex size, CRLF, data, CRLF (RFC 9112 §7.1). Empty data writes nothing,
    /// because a zero-size chunk would end the body.
    public static func encodeChunk(_ data: some Collection<UInt8>, into buffer: inout [UInt8]) {
        let handled: Void? = data.withContiguousStorageIfAvailable { bytes in
            encodeChunk(UnsafeRawBufferPointer(bytes), into: &buffer)
        }
        if handled == nil {
            Array(data).withUnsafeBytes { encodeChunk($0, into: &buffer) }
        }
    }

    private static func encodeChunk(_ data: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        guard !data.isEmpty else { return }
        appendHex(data.count, to: &buffer)
        Self.append("\r\n", to: &buffer)
        buffer.append(contentsOf: data)
        Self.append("\r\n", to: &buffer)
    }

    /// Appends the last chunk and the empty trailer section that end a chunked body.
    public static func encodeLastChunk(into buffer: inout [UInt8]) {
        Self.append("0\r\n\r\n", to: &buffer)
    }

    /// Appends the interim `100 Continue` response (RFC 9110 §15.2.1) for `.sendContinue`.
    public static func encodeContinue(into buffer: inout [UInt8]) {
        Self.append("HTTP/1.1 100 Continue\r\n\r\n", to: &buffer)
    }

    private func validate(status: HTTPStatus, headers: HTTPHeaders) throws(HTTPEncodingError) {
        guard (200...999).contains(status.code) else { throw .invalidStatus(status.code) }
        try headers.withFieldBytes { name, value throws(HTTPEncodingError) in
            guard !name.isEmpty, name.allSatisfy(HTTPByte.isTchar) else {
                throw .invalidHeaderName(String(decoding: name, as: UTF8.self))
            }
            guard value.allSatisfy(HTTPByte.isFieldValueByte) else {
                throw .invalidHeaderValue(name: String(decoding: name, as: UTF8.self))
            }
            if Self.isReserved(name) { throw .reservedHeader(String(decoding: name, as: UTF8.self)) }
        }
    }

    /// Content-Length, Transfer-Encoding, Connection, Date: dispatched on length so most names
    /// cost one compare.
    private static func isReserved(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 4: HTTPByte.equalsIgnoringCase(name, lowercase: "date")
        case 10: HTTPByte.equalsIgnoringCase(name, lowercase: "connection")
        case 14: HTTPByte.equalsIgnoringCase(name, lowercase: "content-length")
        case 17: HTTPByte.equalsIgnoringCase(name, lowercase: "transfer-encoding")
        default: false
        }
    }

    /// Status line and the caller's fields.
    private func writeHead(_ status: HTTPStatus, _ headers: HTTPHeaders, into buffer: inout [UInt8]) {
        Self.append("HTTP/1.1 ", to: &buffer)
        Self.appendDecimal(status.code, to: &buffer)
        buffer.append(HTTPByte.sp)
        Self.append(status.reasonPhrase, to: &buffer)
        Self.append("\r\n", to: &buffer)
        headers.withFieldBytes { name, value in
            buffer.append(contentsOf: name)
            Self.append(": ", to: &buffer)
            buffer.append(contentsOf: value)
            Self.append("\r\n", to: &buffer)
        }
    }

    /// Date, Connection and the empty line that ends the head.
    private func writeTrailingFields(keepAlive: Bool, requestVersion: HTTPVersion, into buffer: inout [UInt8]) {
        Self.append("Date: ", to: &buffer)
        buffer.append(contentsOf: dateCache.current())
        Self.append("\r\n", to: &buffer)
        if !keepAlive {
            Self.append("Connection: close\r\n", to: &buffer)
        } else if requestVersion == .http10 {
            Self.append("Connection: keep-alive\r\n", to: &buffer)
        }
        Self.append("\r\n", to: &buffer)
    }

    /// Appends a literal with one memcpy.
    private static func append(_ literal: StaticString, to buffer: inout [UInt8]) {
        literal.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    /// Appends a String's UTF-8 with one memcpy (native Strings are contiguous).
    private static func append(_ text: String, to buffer: inout [UInt8]) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { buffer.append(contentsOf: $0) }
        if done == nil { buffer.append(contentsOf: text.utf8) }
    }

    /// Appends a non-negative integer in decimal, without building a String.
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        appendDigits(value, radix: 10, to: &buffer)
    }

    /// Appends a non-negative integer in lowercase hex, without building a String.
    static func appendHex(_ value: Int, to buffer: inout [UInt8]) {
        appendDigits(value, radix: 16, to: &buffer)
    }

    private static func appendDigits(_ value: Int, radix: Int, to buffer: inout [UInt8]) {
        precondition(value >= 0, "lengths and status codes are non-negative")
        var digits = 1
        var rest = value / radix
        while rest > 0 {
            digits += 1
            rest /= radix
        }
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: digits))
        var remaining = value
        for index in stride(from: start + digits - 1, through: start, by: -1) {
            let digit = UInt8(truncatingIfNeeded: remaining % radix)
            buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            remaining /= radix
        }
    }
}
