import SwitchboardCore

/// A `ProviderTransport` for tests: answers from a script (responses and faults, in order) or from
/// a handler, and records every request with its timeout. Nothing touches the network.
public final class InMemoryTransport: ProviderTransport {
    /// One scripted outcome.
    public enum Answer: Sendable {
        case respond(ProviderResponse)
        case fail(TransportError)
    }

    private struct State {
        var script: [Answer]
        var handler: (@Sendable (ProviderRequest) -> Answer)?
        var requests: [ProviderRequest] = []
        var timeouts: [Duration] = []
    }

    // Locked (pthread), not Mutex: ThreadSanitizer sees its edges (see SwitchboardCore.Locked).
    private let state: Locked<State>

    /// Answers with `script` in order; once it runs out, every request fails as unreachable.
    public init(_ script: [Answer] = []) {
        state = Locked(State(script: script, handler: nil))
    }

    /// Answers every request with `handler` (after any scripted answers are used up).
    public init(handler: @escaping @Sendable (ProviderRequest) -> Answer) {
        state = Locked(State(script: [], handler: handler))
    }

    /// Adds answers to the end of the script.
    public func enqueue(_ answers: Answer...) {
        state.withLock { $0.script += answers }
    }

    /// Every request sent so far, in order.
    public var requests: [ProviderRequest] { state.withLock { $0.requests } }

    /// The timeout each request was sent with.
    public var timeouts: [Duration] { state.withLock { $0.timeouts } }

    public func send(_ request: ProviderRequest, timeout: Duration) async throws(TransportError) -> ProviderResponse {
        try sendBlocking(request, timeout: timeout)
    }

    /// Answers at once (nothing blocks here): the same outcome as `send`.
    public func sendBlocking(_ request: ProviderRequest, timeout: Duration) throws(TransportError) -> ProviderResponse {
        let scripted: Answer?
        let handler: (@Sendable (ProviderRequest) -> Answer)?
        (scripted, handler) = state.withLock { state in
            state.requests.append(request)
            state.timeouts.append(timeout)
            return (state.script.isEmpty ? nil : state.script.removeFirst(), state.handler)
        }
        // The handler runs outside the lock, so it may use the transport itself.
        let answer =
            scripted ?? handler?(request)
            ?? .fail(.unreachable("the in-memory transport has no answer scripted for \(request.method.rawValue) \(request.url)"))
        switch answer {
        case .respond(let response): return response
        case .fail(let error): throw error
        }
    }
}
