public import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A blocking client for the management API of SPEC §3: base URL, bearer token, and a timeout
/// that bounds every request (connect, send, and the whole answer).
///
/// Every call returns the decoded answer or throws a `ClientError`; none waits longer than the
/// timeout. Calls may be made from any thread, several at once: each is one URLSession task whose
/// completion is handed back through a `Rendezvous`. Do not call from a URLSession delegate queue.
public final class SwitchboardClient: Sendable {
    /// The router's address, e.g. `http://127.0.0.1:8080` (no path, query or fragment).
    public let baseURL: URL
    /// Sent as `Authorization: Bearer TOKEN`; nil sends none (for /healthz, or to see a 401).
    public let token: String?
    /// Seconds one request may take, from start to the last byte of the answer.
    public let timeout: Double
    /// `baseURL` as text without a trailing `/`, for building request URLs and error messages.
    public let server: String
    let session: URLSession

    public static let defaultTimeout: Double = 10

    /// Checks `server` (`http://HOST[:PORT]` or `https://…`, nothing after the port but an optional `/`).
    public init(server: String, token: String?, timeout: Double = SwitchboardClient.defaultTimeout) throws(ClientError) {
        guard timeout > 0, timeout <= 3600 else { throw .invalidConfiguration("the timeout must be more than 0 and at most 3600 seconds") }
        let trimmed = server.hasSuffix("/") ? String(server.dropLast()) : server
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else {
            throw .invalidConfiguration("'\(server)' is not a server URL: use http://HOST:PORT, e.g. http://127.0.0.1:8080")
        }
        if let token {
            guard !token.isEmpty, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw .invalidConfiguration("the token must be visible ASCII characters without spaces")
            }
        }
        self.baseURL = url
        self.server = trimmed
        self.token = token
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// A copy that sends another token (same server and timeout).
    public func with(token: String?) throws(ClientError) -> SwitchboardClient {
        try SwitchboardClient(server: server, token: token, timeout: timeout)
    }

    /// One request, any status: the raw view (the typed methods check the status and decode).
    ///
    /// `path` is sent as given (build it with `SwitchboardClient.segment(_:)` for caller input);
    /// `query` items are percent-encoded here.
    public func send(
        _ method: String, _ path: String, query: [(name: String, value: String)] = [], body: Data? = nil,
        headers: [String: String] = [:]
    ) throws(ClientError) -> ClientResponse {
        var text = server + path
        if !query.isEmpty { text += "?" + PathEncoding.query(query) }
        guard let url = URL(string: text) else { throw .invalidConfiguration("cannot build a URL from '\(text)'") }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }

        let rendezvous = Rendezvous<Result<ClientResponse, ClientError>>()
        let server = self.server
        let timeout = self.timeout
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                rendezvous.fulfil(.failure(Self.transportError(error, server: server, timeout: timeout)))
            } else if let response = response as? HTTPURLResponse {
                var fields: [String: String] = [:]
                for (name, value) in response.allHeaderFields {
                    if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
                }
                rendezvous.fulfil(.success(ClientResponse(status: response.statusCode, headers: fields, body: data ?? Data())))
            } else {
                rendezvous.fulfil(.failure(.transport(server: server, reason: "the answer is not HTTP")))
            }
        }
        task.resume()
        // URLSession's own timeouts should fire first; this bound holds even if they do not.
        guard let result = rendezvous.wait(seconds: timeout + 1) else {
            task.cancel()
            throw .timedOut(server: server, seconds: timeout)
        }
        return try result.get()
    }

    /// One path segment from caller input, percent-encoded (`+1415…` → `%2B1415…`).
    public static func segment(_ text: String) -> String { PathEncoding.encode(text) }

    static func transportError(_ error: any Error, server: String, timeout: Double) -> ClientError {
        guard let error = error as? URLError else { return .transport(server: server, reason: "\(error)") }
        switch error.code {
        case .cannotConnectToHost: return .unreachable(server: server, reason: "connection refused")
        case .cannotFindHost, .dnsLookupFailed: return .unreachable(server: server, reason: "unknown host")
        case .notConnectedToInternet: return .unreachable(server: server, reason: "no network")
        case .timedOut: return .timedOut(server: server, seconds: timeout)
        case .networkConnectionLost: return .transport(server: server, reason: "the server closed the connection before answering")
        default: return .transport(server: server, reason: error.localizedDescription)
        }
    }
}
