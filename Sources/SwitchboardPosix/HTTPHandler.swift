public import SwitchboardHTTP

/// Answers requests. Called on an event loop thread, so it must not block: a handler that waits on
/// the network (a provider call) returns `.deferred` and does the waiting off the loop.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest, context: RequestContext) -> HandlerResult

    /// The server answered a new connection 503 and closed it because `maxConnections` were open;
    /// `total` counts every such connection since the server started. Called on the listening
    /// loop, possibly thousands of times a second under overload: return at once, and do anything
    /// slow (a log line) elsewhere. The default does nothing.
    func connectionRejected(total: Int)
}

extension HTTPHandler {
    public func connectionRejected(total: Int) {}
}

/// What a handler decided.
public enum HandlerResult: Sendable {
    /// The answer, computed on the loop: the hot path (routing decisions, reads of the index).
    case respond(HTTPResponse)
    /// Work that may block. The closure runs on the server's offload pool (never on a loop) and
    /// must call `writer.respond` once, from any thread, whenever the answer is ready. Requests
    /// pipelined behind this one on the same connection wait, so answers stay in order.
    ///
    /// A writer released without responding answers 500, so a forgotten path cannot leave a
    /// client hanging.
    case deferred(@Sendable (ResponseWriter) -> Void)

    /// A deferred answer computed by async code (e.g. an async HTTP client): `body` runs in a
    /// task started from the offload pool.
    public static func task(_ body: @escaping @Sendable () async -> HTTPResponse) -> HandlerResult {
        .deferred { writer in
            Task { writer.respond(await body()) }
        }
    }
}

/// Facts about a request that are not in its bytes.
public struct RequestContext: Sendable {
    /// The client's address, e.g. `127.0.0.1:54321` or `[::1]:54321`.
    public let remoteAddress: String
    /// When the loop woke up to read the bytes that completed this request (monotonic clock), for
    /// latency metrics: `receivedAt.duration(to: .now)`.
    public let receivedAt: MonotonicInstant
    /// Unique within the server's lifetime; the event loop's index is in the top 16 bits.
    public let connectionID: UInt64

    public init(remoteAddress: String, receivedAt: MonotonicInstant, connectionID: UInt64) {
        self.remoteAddress = remoteAddress
        self.receivedAt = receivedAt
        self.connectionID = connectionID
    }
}

/// A handler from a closure, for tests and small servers.
public struct ClosureHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest, RequestContext) -> HandlerResult

    public init(_ body: @escaping @Sendable (HTTPRequest, RequestContext) -> HandlerResult) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest, context: RequestContext) -> HandlerResult {
        body(request, context)
    }
}
