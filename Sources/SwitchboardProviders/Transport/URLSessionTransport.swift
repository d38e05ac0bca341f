import Dispatch
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import SwitchboardCore
import SwitchboardHTTP
import SwitchboardPosix

/// The network `ProviderTransport`: URLSession (FoundationNetworking on Linux) with an ephemeral
/// configuration (no cache, no cookies, no credential store), redirects not followed (a redirect
/// would carry the API key to wherever it points), a body size limit, and a deadline for the whole
/// exchange. `URLRequest.timeoutInterval` alone is an idle timeout: a provider dripping one byte a
/// second would never trip it, so a timer cancels the task at the deadline too.
public final class URLSessionTransport: ProviderTransport {
    /// The largest answer body accepted.
    public static let defaultMaxBodyBytes = 8 << 20

    private let session: URLSession
    private let delegate: Delegate
    /// True once `shutdown` ran. URLSession traps (`fatalError("Session invalidated")`) when a task
    /// is created on an invalidated session, so creating a task and invalidating take this lock:
    /// a push or call still in flight when the router stops fails with `.cancelled` instead.
    private let invalidated = Locked(false)

    public init(maxBodyBytes: Int = URLSessionTransport.defaultMaxBodyBytes) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        delegate = Delegate(maxBodyBytes: maxBodyBytes)
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    /// Cancels whatever is in flight and releases the session (it holds its delegate strongly).
    public func shutdown() {
        invalidated.withLock { invalidated in
            guard !invalidated else { return }
            invalidated = true
            session.invalidateAndCancel()
        }
    }

    deinit {
        session.invalidateAndCancel()
    }

    public func send(_ request: ProviderRequest, timeout: Duration) async throws(TransportError) -> ProviderResponse {
        let seconds = max(0.001, timeout.seconds)
        let urlRequest = try URLSessionTransport.urlRequest(request, seconds: seconds)
        // A caller cancelled before we start would not be seen by the cancellation handler below
        // (nothing is registered yet), so check first.
        guard !Task.isCancelled else { throw .cancelled }
        let task = try makeTask(urlRequest)
        let id = task.taskIdentifier
        let delegate = self.delegate
        let result: Result<ProviderResponse, TransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                run(task, seconds: seconds) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            if delegate.expire(id, reason: .cancelled) { task.cancel() }
        }
        return try result.get()
    }

    /// Waits on the calling thread for URLSession's own callback: no task, so it is safe on any
    /// thread, a Swift concurrency one included (a task there could wait for the very thread the
    /// caller blocks).
    public func sendBlocking(_ request: ProviderRequest, timeout: Duration) throws(TransportError) -> ProviderResponse {
        let seconds = max(0.001, timeout.seconds)
        let task = try makeTask(try URLSessionTransport.urlRequest(request, seconds: seconds))
        let outcome = Guarded<Result<ProviderResponse, TransportError>?>(nil)
        run(task, seconds: seconds) { result in outcome.withLockNotifying { $0 = result } }
        return try outcome.wait(until: { $0 != nil }, then: { $0! }).get()
    }

    private static func urlRequest(_ request: ProviderRequest, seconds: Double) throws(TransportError) -> URLRequest {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .invalidRequest("'\(request.url.prefix(200))' is not an http(s) URL")
        }
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalAndRemoteCacheData, timeoutInterval: seconds)
        urlRequest.httpMethod = request.method.rawValue
        for field in request.headers.fields { urlRequest.addValue(field.value, forHTTPHeaderField: field.name) }
        if let body = request.body { urlRequest.httpBody = Data(body) }
        return urlRequest
    }

    /// A task for `urlRequest`; `.cancelled` once the transport was shut down.
    private func makeTask(_ urlRequest: URLRequest) throws(TransportError) -> URLSessionDataTask {
        let session = self.session
        guard let task = invalidated.withLock({ $0 ? nil : session.dataTask(with: urlRequest) }) else { throw .cancelled }
        return task
    }

    /// Starts `task`; `finish` gets its outcome once: when it completes, or at the deadline.
    private func run(_ task: URLSessionDataTask, seconds: Double, finish: @escaping @Sendable (Result<ProviderResponse, TransportError>) -> Void) {
        let id = task.taskIdentifier
        let delegate = self.delegate
        delegate.register(id, finish: finish)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak task] in
            if delegate.expire(id, reason: .timedOut) { task?.cancel() }
        }
        task.resume()
    }
}

extension URLSessionTransport {
    /// Collects each task's answer and tells its caller once, when the task completes.
    ///
    /// `@unchecked Sendable`: URLSession calls it from its own queue while `send` registers and
    /// the deadline timer expires tasks from others; all mutable state is in `pending`, reached only
    /// through its lock.
    final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        struct Pending {
            var finish: @Sendable (Result<ProviderResponse, TransportError>) -> Void
            var response: HTTPURLResponse?
            var body: [UInt8] = []
            /// Set when we cancel the task ourselves, to say why.
            var reason: TransportError?
        }

        private let pending = Locked<[Int: Pending]>([:])
        private let maxBodyBytes: Int

        init(maxBodyBytes: Int) {
            self.maxBodyBytes = maxBodyBytes
        }

        func register(_ id: Int, finish: @escaping @Sendable (Result<ProviderResponse, TransportError>) -> Void) {
            pending.withLock { $0[id] = Pending(finish: finish) }
        }

        /// Records why the task is being cancelled; false when it already finished or was cancelled.
        func expire(_ id: Int, reason: TransportError) -> Bool {
            pending.withLock { table in
                guard table[id] != nil, table[id]?.reason == nil else { return false }
                table[id]?.reason = reason
                return true
            }
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
        ) {
            pending.withLock { $0[dataTask.taskIdentifier]?.response = response as? HTTPURLResponse }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let tooLarge = pending.withLock { table -> Bool in
                guard var entry = table[dataTask.taskIdentifier] else { return false }
                entry.body.append(contentsOf: data)
                let over = entry.body.count > maxBodyBytes && entry.reason == nil
                if over { entry.reason = .truncatedBody("the answer is larger than \(maxBodyBytes) bytes") }
                table[dataTask.taskIdentifier] = entry
                return over
            }
            if tooLarge { dataTask.cancel() }
        }

        /// Redirects are answered as they are (a 3xx), never followed: following would send the
        /// API key to the redirect's target.
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            guard let entry = pending.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
            entry.finish(Delegate.outcome(entry, error: error))
        }

        private static func outcome(_ entry: Pending, error: (any Error)?) -> Result<ProviderResponse, TransportError> {
            if let reason = entry.reason { return .failure(reason) }
            if let error {
                return .failure(transportError(error, answered: entry.response != nil))
            }
            guard let response = entry.response else { return .failure(.unreachable("no HTTP answer")) }
            var headers = HTTPHeaders()
            for (name, value) in response.allHeaderFields {
                headers.append(name: String(describing: name), value: String(describing: value))
            }
            return .success(ProviderResponse(status: response.statusCode, headers: headers, body: entry.body))
        }

        /// URLError codes to our cases. Messages are fixed texts with the code, never the
        /// error's own description (which can quote the URL).
        private static func transportError(_ error: any Error, answered: Bool) -> TransportError {
            guard let urlError = error as? URLError else { return answered ? .truncatedBody("the answer broke off") : .unreachable("the request failed") }
            switch urlError.code {
            case .timedOut: return .timedOut
            case .cancelled: return .cancelled
            case .badURL, .unsupportedURL: return .invalidRequest("the URL cannot be requested (URLError \(urlError.code.rawValue))")
            case .cannotConnectToHost: return .unreachable("connection refused (URLError \(urlError.code.rawValue))")
            case .cannotFindHost, .dnsLookupFailed: return .unreachable("the host name did not resolve (URLError \(urlError.code.rawValue))")
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
                .serverCertificateHasUnknownRoot, .clientCertificateRejected:
                return .unreachable("TLS failed (URLError \(urlError.code.rawValue))")
            default:
                return answered
                    ? .truncatedBody("the connection ended before the whole answer arrived (URLError \(urlError.code.rawValue))")
                    : .unreachable("the connection failed before an answer (URLError \(urlError.code.rawValue))")
            }
        }
    }
}
