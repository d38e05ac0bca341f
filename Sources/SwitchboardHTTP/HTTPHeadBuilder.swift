/// How the body of a request is delimited, decided once the head is complete (RFC 9112 §6.3).
enum HTTPBodyFraming: Hashable, Sendable {
    case none
    case length(Int)
    case chunked
}

/// Collects a request head field by field and accumulates what the framing fields mean.
///
/// A field's own errors (a bad Content-Length, a second Host) fail at its line; the decisions that
/// depend on several fields (TE with CL, a missing Host) wait for the end of the head.
struct HTTPHeadBuilder: Sendable {
    var method = ""
    var target = ""
    var version = HTTPVersion.http11
    var headers = HTTPHeaders()

    private var contentLength: Int?
    private var sawTransferEncoding = false
    private var transferCodingCount = 0
    private var chunkedCount = 0
    private var lastCodingIsChunked = false
    private var transferEncodingMalformed = false
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var hostCount = 0
    private var expectContinue = false

    /// Starts a new head; the header array is sized for typical requests so it grows rarely.
    mutating func start(method: String, target: String, version: HTTPVersion) {
        self = HTTPHeadBuilder()
        self.method = method
        self.target = target
        self.version = version
        headers.reserveCapacity(fields: 16, bytes: 512)
    }

    /// Adds one field line with its meaning (from `HTTPFieldMeaning.interpret`).
    mutating func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, meaning: HTTPFieldMeaning) throws(HTTPParseError) {
        headers.append(name: name, value: value)
        switch meaning {
        case .other:
            break
        case .host(let valid):
            // RFC 9112 §3.2: more than one Host, or an invalid one, is a 400.
            hostCount += 1
            if hostCount > 1 { throw .duplicateHost }
            if !valid { throw .invalidHost }
        case .expect(let expectsContinue):
            expectContinue = expectContinue || expectsContinue
        case .connection(let close, let keepAlive):
            connectionClose = connectionClose || close
            connectionKeepAlive = connectionKeepAlive || keepAlive
        case .contentLength(.failure(let error)):
            throw error
        case .contentLength(.success(let length)):
            // Repeated lines must agree, as list elements must (RFC 9110 §8.6).
            if let existing = contentLength, existing != length { throw .conflictingContentLength }
            contentLength = length
        case .transferEncoding(let codings, let chunked, let lastIsChunked, let malformed):
            // Lines combine in order into one list (RFC 9110 §5.3).
            sawTransferEncoding = true
            transferCodingCount += codings
            chunkedCount += chunked
            if codings > 0 { lastCodingIsChunked = lastIsChunked }
            transferEncodingMalformed = transferEncodingMalformed || malformed
        }
    }

    /// Completes the head and decides the framing; resets the builder for the next request.
    mutating func finish(limits: HTTPLimits) throws(HTTPParseError) -> (HTTPRequestHead, HTTPBodyFraming) {
        // RFC 9112 §3.2: a 1.1 request without Host is a 400.
        if version == .http11 && hostCount == 0 { throw .missingHost }

        let framing: HTTPBodyFraming
        if sawTransferEncoding {
            // RFC 9112 §6.1: TE in an HTTP/1.0 message means faulty framing.
            if version == .http10 { throw .transferEncodingInHTTP10 }
            // RFC 9112 §6.3 (3): TE with CL may be a smuggling attempt; refusing is the safe choice.
            if contentLength != nil { throw .contentLengthWithTransferEncoding }
            if transferEncodingMalformed || transferCodingCount == 0 { throw .invalidTransferEncoding }
            // RFC 9112 §6.3 (4): chunked not final → the length cannot be determined → 400.
            if !lastCodingIsChunked { throw .chunkedNotFinal }
            // RFC 9112 §6.1: chunked must not be applied more than once.
            if chunkedCount > 1 { throw .chunkedAppliedTwice }
            // "gzip, chunked" is well framed but we cannot decode gzip: RFC 9112 §6.1 says 501.
            if transferCodingCount > 1 { throw .unsupportedTransferCoding }
            framing = .chunked
        } else if let length = contentLength, length > 0 {
            // Refused before any body byte is read, so an oversized upload costs nothing.
            if length > limits.maxBodyBytes { throw .bodyTooLarge }
            framing = .length(length)
        } else {
            // RFC 9112 §6.3 (6): a request with neither has no content.
            framing = .none
        }

        let keepAlive: Bool =
            switch version {
            case .http11: !connectionClose
            case .http10: connectionKeepAlive && !connectionClose
            }
        let head = HTTPRequestHead(
            method: method,
            target: target,
            version: version,
            headers: headers,
            keepAlive: keepAlive,
            // RFC 9110 §10.1.1: a 100-continue expectation in HTTP/1.0 MUST be ignored.
            expectContinue: expectContinue && version == .http11
        )
        self = HTTPHeadBuilder()
        return (head, framing)
    }
}
