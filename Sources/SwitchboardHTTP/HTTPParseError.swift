/// Why a request was refused. Every case means the connection must be answered with `status` and
/// then closed: after any of these the byte stream's framing can no longer be trusted, and the
/// parser stays in its failed state (RFC 9112 §6.3, §9.6).
///
/// The raw value is the snake_case code used in the JSON error body (SPEC §3).
public enum HTTPParseError: String, Error, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    // Limits (`HTTPLimits`).
    case requestLineTooLong = "request_line_too_long"
    case headerTooLarge = "header_too_large"
    case tooManyHeaders = "too_many_headers"
    case bodyTooLarge = "body_too_large"
    case tooManyEmptyLines = "too_many_empty_lines"
    case chunkLineTooLong = "chunk_line_too_long"

    // Line structure (RFC 9112 §2.2).
    case bareLF = "bare_lf"
    case bareCR = "bare_cr"

    // Request line (RFC 9112 §3).
    case invalidRequestLine = "invalid_request_line"
    case invalidMethod = "invalid_method"
    case invalidTarget = "invalid_target"
    case invalidTargetForm = "invalid_target_form"
    case asteriskTargetNotOptions = "asterisk_target_not_options"
    case invalidVersion = "invalid_version"
    case unsupportedVersion = "http_version_not_supported"

    // Field lines (RFC 9112 §5).
    case obsoleteLineFolding = "obsolete_line_folding"
    case invalidHeaderName = "invalid_header_name"
    case whitespaceBeforeColon = "whitespace_before_colon"
    case invalidHeaderValue = "invalid_header_value"
    case missingHost = "missing_host"
    case duplicateHost = "duplicate_host"
    case invalidHost = "invalid_host"

    // Message framing (RFC 9112 §6).
    case invalidContentLength = "invalid_content_length"
    case conflictingContentLength = "conflicting_content_length"
    case contentLengthWithTransferEncoding = "content_length_with_transfer_encoding"
    case transferEncodingInHTTP10 = "transfer_encoding_in_http10"
    case invalidTransferEncoding = "invalid_transfer_encoding"
    case chunkedNotFinal = "chunked_not_final"
    case chunkedAppliedTwice = "chunked_applied_twice"
    case unsupportedTransferCoding = "unsupported_transfer_coding"

    // Chunked coding (RFC 9112 §7.1).
    case invalidChunkSize = "invalid_chunk_size"
    case invalidChunkExtension = "invalid_chunk_extension"
    case invalidChunkTerminator = "invalid_chunk_terminator"

    /// The snake_case code for the JSON error body.
    public var code: String { rawValue }

    /// The status to answer with before closing.
    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headerTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        // RFC 9112 §6.1: a transfer coding the server does not understand → 501.
        case .unsupportedTransferCoding: .notImplemented
        default: .badRequest
        }
    }

    /// A short sentence for people: what was wrong.
    public var message: String {
        switch self {
        case .requestLineTooLong: "The request line is too long."
        case .headerTooLarge: "The header section is too large."
        case .tooManyHeaders: "The request has too many header fields."
        case .bodyTooLarge: "The request body is too large."
        case .tooManyEmptyLines: "Too many empty lines before the request line."
        case .chunkLineTooLong: "A chunk-size line is too long."
        case .bareLF: "Lines must end with CRLF, not a bare LF."
        case .bareCR: "A bare CR is not allowed in the message head."
        case .invalidRequestLine: "The request line must be: method SP target SP version."
        case .invalidMethod: "The method is not a valid token."
        case .invalidTarget: "The request target contains invalid characters."
        case .invalidTargetForm: "The request target must be a path (/…) or an absolute http(s) URI with a host."
        case .asteriskTargetNotOptions: "The request target * is only for OPTIONS."
        case .invalidVersion: "The HTTP version is malformed."
        case .unsupportedVersion: "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .obsoleteLineFolding: "Obsolete line folding is not allowed."
        case .invalidHeaderName: "A header field name is invalid."
        case .whitespaceBeforeColon: "Whitespace between a header field name and the colon is not allowed."
        case .invalidHeaderValue: "A header field value contains invalid characters."
        case .missingHost: "An HTTP/1.1 request must have a Host header field."
        case .duplicateHost: "The request has more than one Host header field."
        case .invalidHost: "The Host header field is invalid."
        case .invalidContentLength: "Content-Length must be a decimal number."
        case .conflictingContentLength: "The request has differing Content-Length values."
        case .contentLengthWithTransferEncoding: "Content-Length and Transfer-Encoding must not both be present."
        case .transferEncodingInHTTP10: "Transfer-Encoding is not allowed in HTTP/1.0."
        case .invalidTransferEncoding: "The Transfer-Encoding header field is invalid."
        case .chunkedNotFinal: "Transfer-Encoding must end with chunked."
        case .chunkedAppliedTwice: "Transfer-Encoding lists chunked more than once."
        case .unsupportedTransferCoding: "Only the chunked transfer coding is supported."
        case .invalidChunkSize: "A chunk size is invalid."
        case .invalidChunkExtension: "A chunk extension contains invalid characters."
        case .invalidChunkTerminator: "Chunk data must be followed by CRLF."
        }
    }

    public var description: String { "\(status.code) \(rawValue): \(message)" }
}
