/// A complete request: head and the whole body, de-chunked.
public struct HTTPRequest: Hashable, Sendable {
    public var head: HTTPRequestHead
    /// The content: Content-Length bytes, or the concatenated chunk data (trailers are dropped).
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public var method: String { head.method }
    public var target: String { head.target }
    public var version: HTTPVersion { head.version }
    public var headers: HTTPHeaders { head.headers }
    public var keepAlive: Bool { head.keepAlive }
}
