public import SwitchboardCore

/// Runs the three provider operations over a transport with the connection's adapter, returning
/// typed results: list all numbers (following pages), push an assignment, create a call. Off the
/// hot path: each request is bounded by `timeout`; a listing by `maxPages` such requests.
public struct ProviderClient: Sendable {
    public static let defaultTimeout: Duration = .seconds(10)

    public let transport: any ProviderTransport
    public var timeout: Duration
    public var maxPages: Int

    public init(transport: any ProviderTransport, timeout: Duration = ProviderClient.defaultTimeout, maxPages: Int = NumberListing.defaultMaxPages) {
        self.transport = transport
        self.timeout = timeout
        self.maxPages = maxPages
    }

    /// The connection's complete number listing, or the failure that stopped it (never a part).
    public func listNumbers(_ connection: ProviderConnection) async throws(ProviderFailure) -> NumberListingResult {
        var listing = NumberListing(adapter: ProviderAdapters.adapter(for: connection.provider), connection: connection, maxPages: maxPages)
        var step = listing.start()
        while true {
            switch step {
            case .finished(let result): return result
            case .failed(let failure): throw failure
            case .send(let request):
                step = listing.receive(await exchange(request, connection, .listNumbers))
            }
        }
    }

    /// Mirrors an assignment at the provider: its requests in order, stopping at the first failure.
    /// Blocks the calling thread (a push worker's, never a Swift concurrency thread) for up to
    /// `timeout` a request: pushes run on threads of their own, where an exchange without hops is
    /// what keeps a thousand reassignments a second cheap.
    public func push(_ push: AssignmentPush, connection: ProviderConnection) throws(ProviderFailure) {
        let adapter = ProviderAdapters.adapter(for: connection.provider)
        for request in try adapter.pushRequests(push, connection: connection) {
            let response: ProviderResponse
            do {
                response = try transport.sendBlocking(request, timeout: timeout)
            } catch {
                throw failure(error, connection, .pushAssignment)
            }
            try adapter.checkPushResponse(response, connection: connection)
        }
    }

    /// Creates an outbound call at the provider.
    public func createCall(_ call: OutboundCall, connection: ProviderConnection) async throws(ProviderFailure) -> CreatedCall {
        let adapter = ProviderAdapters.adapter(for: connection.provider)
        let request = try adapter.createCallRequest(call, connection: connection)
        let response = try await exchange(request, connection, .createCall).get()
        return try adapter.parseCreatedCall(response, connection: connection)
    }

    /// One request through the transport, its failure as a `ProviderFailure`.
    private func exchange(
        _ request: ProviderRequest, _ connection: ProviderConnection, _ operation: ProviderOperation
    ) async -> Result<ProviderResponse, ProviderFailure> {
        do {
            return .success(try await transport.send(request, timeout: timeout))
        } catch {
            return .failure(failure(error, connection, operation))
        }
    }

    private func failure(_ error: TransportError, _ connection: ProviderConnection, _ operation: ProviderOperation) -> ProviderFailure {
        let kind: ProviderFailure.Kind
        switch error {
        case .timedOut: kind = .timeout(seconds: timeout.seconds)
        case .unreachable(let detail): kind = .unreachable(detail: detail)
        case .truncatedBody(let detail): kind = .truncatedAnswer(detail: detail)
        case .invalidRequest(let detail): kind = .invalidRequest(detail: detail)
        case .cancelled: kind = .unreachable(detail: "the request was cancelled")
        }
        return ProviderFailure(provider: connection.provider, operation: operation, kind: kind)
    }
}
