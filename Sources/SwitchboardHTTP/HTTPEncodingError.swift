/// Why a response could not be encoded. These are programming errors in the caller, reported rather
/// than trapped so that one bad handler cannot take the process down; nothing is written when one is
/// thrown.
public enum HTTPEncodingError: Error, Hashable, Sendable {
    /// `encode` takes final statuses (200–999); interim ones have their own methods.
    case invalidStatus(Int)
    /// A header name that is not a token (RFC 9110 §5.1), e.g. with a space, colon or CRLF.
    case invalidHeaderName(String)
    /// A header value with a control character, CR or LF among them: it would split the response
    /// (header injection, RFC 9110 §5.5).
    case invalidHeaderValue(name: String)
    /// Content-Length, Transfer-Encoding, Connection and Date are the encoder's to write.
    case reservedHeader(String)
    /// 1xx, 204 and 304 responses have no content (RFC 9110 §6.4.1).
    case contentNotAllowed(HTTPStatus)
    /// HTTP/1.0 clients do not understand chunked (RFC 9112 §6.1 forbids sending it to them).
    case chunkedNotAllowedForHTTP10
}
