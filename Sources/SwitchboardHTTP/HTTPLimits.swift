/// Every unbounded part of a request has a named limit, each refused with its own status.
///
/// The defaults suit a JSON API: small heads, bodies well under a mebibyte. Each check happens as
/// early as possible (a Content-Length over the limit is refused before any body byte arrives), so a
/// hostile client cannot make the parser buffer more than about one limit's worth per connection.
public struct HTTPLimits: Hashable, Sendable {
    /// Bytes in the request line, without its CRLF. Over → 414 `request_line_too_long`.
    public var maxRequestLineLength: Int
    /// Bytes in the header section: every field line with its CRLF plus the final empty line's
    /// CRLF (the request line is not counted). Over → 431 `header_too_large`. Also bounds the
    /// trailer section of a chunked body.
    public var maxHeaderBytes: Int
    /// Header field lines (also trailer field lines). Over → 431 `too_many_headers`.
    public var maxHeaderCount: Int
    /// Bytes of request content, from Content-Length up front or summed over chunks.
    /// Over → 413 `body_too_large`.
    public var maxBodyBytes: Int
    /// Bytes in a chunk-size line with its extensions, without its CRLF.
    /// Over → 400 `chunk_line_too_long`.
    public var maxChunkLineLength: Int
    /// Empty lines skipped before a request line (RFC 9112 §2.2 lets a server ignore them; some
    /// clients send a stray CRLF after a body). Over → 400 `too_many_empty_lines`.
    public var maxLeadingEmptyLines: Int

    public init(
        maxRequestLineLength: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1024 * 1024,
        maxChunkLineLength: Int = 1024,
        maxLeadingEmptyLines: Int = 8
    ) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineLength = maxChunkLineLength
        self.maxLeadingEmptyLines = maxLeadingEmptyLines
    }
}
