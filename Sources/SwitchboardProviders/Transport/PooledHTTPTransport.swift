import Dispatch
import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix

/// The network transport: plain `http://` providers at a numeric address (the simulator, a local
/// egress proxy that adds TLS) go through our own HTTP/1.1 client on kept-alive connections, a few
/// idle ones pooled per host; everything else (`https://`, names that need DNS) goes to `fallback`,
/// URLSession. Why: URLSession on Linux (libcurl, OperationQueue, Dispatch hops) costs the router
/// about a millisecond of CPU per request, which at a thousand reassignments a second (each a push)
/// took a third of the CPU the webhooks needed; this client costs a small fraction of that.
///
/// Each exchange blocks one thread of a private concurrent queue, never a Swift concurrency thread,
/// within its deadline (connect, send and receive together). Cancellation is seen before the
/// exchange starts; once started it ends by its deadline. A kept connection the server closed
/// while idle is noticed before use (it reads as ready), and an idempotent request that found it
/// closed anyway, before any byte of an answer, is sent once more on a new connection.
public final class PooledHTTPTransport: ProviderTransport {
    /// Idle connections kept per host:port.
    public static let maxIdlePerHost = 16
    /// An idle connection older than this is closed rather than reused (servers drop idle ones).
    public static let maxIdle: Duration = .seconds(20)

    private let fallback: any ProviderTransport
    private let maxBodyBytes: Int
    private let idle = Locked<[PlainHTTPTarget.Origin: [IdleConnection]]>([:])
    private let queue = DispatchQueue(label: "switchboard.http-client", attributes: .concurrent)

    /// `@unchecked Sendable`: a connection is used by one exchange at a time; the pool hands it over
    /// under its lock and forgets it while it is out.
    private struct IdleConnection: @unchecked Sendable {
        let connection: HTTPClientConnection
    }

    public init(fallback: any ProviderTransport, maxBodyBytes: Int = URLSessionTransport.defaultMaxBodyBytes) {
        self.fallback = fallback
        self.maxBodyBytes = maxBodyBytes
    }

    /// Closes the idle connections.
    public func shutdown() {
        let all = idle.withLock { pool in
            defer { pool = [:] }
            return pool.values.flatMap { $0 }
        }
        for entry in all { entry.connection.close() }
    }

    public func send(_ request: ProviderRequest, timeout: Duration) async throws(TransportError) -> ProviderResponse {
        guard let target = PlainHTTPTarget(request.url) else { return try await fallback.send(request, timeout: timeout) }
        guard !Task.isCancelled else { throw .cancelled }
        let waiter = Waiter()
        let result: Result<ProviderResponse, TransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiter.set(continuation)
                queue.async { waiter.resume(self.exchange(request, target, deadline: .now + timeout)) }
            }
        } onCancel: {
            // The caller goes on at once; the exchange ends by its deadline and is discarded.
            waiter.resume(.failure(.cancelled))
        }
        return try result.get()
    }

    /// The exchange on the calling thread (a push worker's): no hop to the queue and back.
    public func sendBlocking(_ request: ProviderRequest, timeout: Duration) throws(TransportError) -> ProviderResponse {
        guard let target = PlainHTTPTarget(request.url) else { return try fallback.sendBlocking(request, timeout: timeout) }
        return try exchange(request, target, deadline: .now + timeout).get()
    }

    /// Resumes the caller once: with the exchange's result, or with `.cancelled` if that came first.
    private final class Waiter: Sendable {
        private let state = Locked<(continuation: CheckedContinuation<Result<ProviderResponse, TransportError>, Never>?, early: Result<ProviderResponse, TransportError>?, done: Bool)>((nil, nil, false))

        func set(_ continuation: CheckedContinuation<Result<ProviderResponse, TransportError>, Never>) {
            let early = state.withLock { state -> Result<ProviderResponse, TransportError>? in
                if let early = state.early { return early }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func resume(_ result: Result<ProviderResponse, TransportError>) {
            let continuation = state.withLock { state -> CheckedContinuation<Result<ProviderResponse, TransportError>, Never>? in
                guard !state.done else { return nil }
                state.done = true
                guard let continuation = state.continuation else {
                    state.early = result  // cancelled before the continuation was set
                    return nil
                }
                state.continuation = nil
                return continuation
            }
            continuation?.resume(returning: result)
        }
    }

    /// One exchange, blocking this thread until `deadline` at most.
    func exchange(_ request: ProviderRequest, _ target: PlainHTTPTarget, deadline: MonotonicInstant) -> Result<ProviderResponse, TransportError> {
        let idempotent = request.method == .get
        var retried = false
        while true {
            let reused: Bool
            let connection: HTTPClientConnection
            if let kept = checkout(target.origin) {
                connection = kept
                reused = true
            } else {
                do {
                    connection = try HTTPClientConnection.open(host: target.host, port: target.port, deadline: deadline)
                } catch {
                    return .failure(PooledHTTPTransport.transportError(error, answered: false))
                }
                reused = false
            }
            do {
                // The client frames the request itself: it leaves out the request's own Host,
                // Content-Length, Connection and Transfer-Encoding fields.
                let response = try connection.exchange(
                    method: request.method.rawValue, path: target.path, headers: request.headers, body: request.body ?? [],
                    keepAlive: true, maxResponseBytes: maxBodyBytes, deadline: deadline)
                if connection.reusable { checkin(connection, origin: target.origin) }
                return .success(ProviderResponse(status: response.status, headers: response.headers, body: response.body))
            } catch {
                connection.close()
                if reused, idempotent, !retried, !connection.answered, MonotonicInstant.now < deadline {
                    retried = true
                    continue
                }
                return .failure(PooledHTTPTransport.transportError(error, answered: connection.answered))
            }
        }
    }

    private func checkout(_ origin: PlainHTTPTarget.Origin) -> HTTPClientConnection? {
        while let entry = idle.withLock({ $0[origin]?.popLast() }) {
            let connection = entry.connection
            if connection.isUsableNow && connection.lastUsed.duration(to: .now) < PooledHTTPTransport.maxIdle { return connection }
            connection.close()
        }
        return nil
    }

    private func checkin(_ connection: HTTPClientConnection, origin: PlainHTTPTarget.Origin) {
        let kept = idle.withLock { pool in
            guard pool[origin, default: []].count < PooledHTTPTransport.maxIdlePerHost else { return false }
            pool[origin, default: []].append(IdleConnection(connection: connection))
            return true
        }
        if !kept { connection.close() }
    }

    /// The client's failure as the adapters see it: nothing answered is "unreachable", a cut or
    /// oversized answer is "truncated".
    static func transportError(_ error: HTTPExchangeError, answered: Bool) -> TransportError {
        switch error {
        case .invalidAddress(let detail), .invalidHeader(let detail):
            .invalidRequest(detail)
        case .connectFailed(let detail):
            .unreachable(detail)
        case .timedOut:
            .timedOut
        case .incomplete(let detail):
            answered ? .truncatedBody(detail) : .unreachable(detail)
        case .tooLarge(let detail):
            .truncatedBody(detail)
        case .malformed(let detail):
            .unreachable("the answer is not HTTP/1.1: \(detail)")
        }
    }
}

