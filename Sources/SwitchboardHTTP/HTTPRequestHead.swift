/// A request's head: everything before the body, with the connection decisions already made.
public struct HTTPRequestHead: Hashable, Sendable {
    /// The method token as sent (case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// The request target in origin-form (`/path?query`), still percent-encoded; see
    /// `HTTPRequestTarget` to split it. An absolute-form target (`http://host/path?query`) arrives
    /// here reduced to its path and query, and `*` only with OPTIONS (RFC 9112 §3.2).
    public var target: String
    public var version: HTTPVersion
    /// Header fields in order, names as sent.
    public var headers: HTTPHeaders
    /// Whether the connection stays open after the response (RFC 9112 §9.3): HTTP/1.1 unless
    /// `Connection` lists `close`; HTTP/1.0 only if it lists `keep-alive` and not `close`.
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` in HTTP/1.1 (RFC 9110 §10.1.1; ignored for
    /// HTTP/1.0 as that section requires).
    public var expectContinue: Bool

    public init(
        method: String,
        target: String,
        version: HTTPVersion,
        headers: HTTPHeaders,
        keepAlive: Bool,
        expectContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectContinue = expectContinue
    }
}
