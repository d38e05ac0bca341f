/// Sends one `ProviderRequest` and returns the answer, whatever its status; only a missing or
/// incomplete answer is an error. Implementations: `PooledHTTPTransport` (plain http on loopback
/// or a local egress proxy), `URLSessionTransport` (the network) and `InMemoryTransport` (tests).
public protocol ProviderTransport: Sendable {
    /// The answer to `request`, within `timeout` for the whole exchange.
    func send(_ request: ProviderRequest, timeout: Duration) async throws(TransportError) -> ProviderResponse

    /// The same exchange, blocking the calling thread until the answer or the timeout: for callers
    /// on threads of their own (the push workers), where a hop into Swift concurrency and back
    /// would cost more than the exchange. An implementation must not wait for Swift concurrency
    /// (no task to await): a caller on one of its few threads would then wait for itself.
    func sendBlocking(_ request: ProviderRequest, timeout: Duration) throws(TransportError) -> ProviderResponse
}

/// Why no complete answer arrived. Details never carry request headers (where the key is).
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No complete answer within the timeout.
    case timedOut
    /// The connection could not be made or broke before an answer: refused, DNS, TLS, reset.
    case unreachable(String)
    /// The answer's body ended before it was complete, or was larger than the transport accepts.
    case truncatedBody(String)
    /// The request could not be sent as built (an unparsable URL).
    case invalidRequest(String)
    /// The caller's task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .timedOut: "timed out"
        case .unreachable(let detail): "unreachable: \(detail)"
        case .truncatedBody(let detail): "answer cut short: \(detail)"
        case .invalidRequest(let detail): "invalid request: \(detail)"
        case .cancelled: "cancelled"
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for `URLRequest.timeoutInterval` and messages).
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
