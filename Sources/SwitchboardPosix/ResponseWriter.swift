import Synchronization

/// Hands a deferred response back to the event loop that owns the connection.
///
/// The loop keeps the connection's later pipelined requests waiting until this writer responds,
/// so answers stay in request order (RFC 9112 §9.3.2). `respond` may be called from any thread;
/// it queues the response on the loop's inbox and wakes the loop through its eventfd. If the
/// client has gone away meanwhile, the response is dropped.
public final class ResponseWriter: Sendable {
    private let loop: EventLoop
    private let connectionID: UInt64
    /// Whether `respond` ran; an atomic flag, because the handler may race two paths to respond.
    private let responded = Atomic<Bool>(false)

    init(loop: EventLoop, connectionID: UInt64) {
        self.loop = loop
        self.connectionID = connectionID
    }

    /// Sends `response`. Only the first call counts; it returns false for later ones.
    @discardableResult
    public func respond(_ response: HTTPResponse) -> Bool {
        guard !responded.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        loop.post(.response(connectionID: connectionID, response))
        return true
    }

    deinit {
        // A handler path that forgot to respond must not leave the client (and every request
        // pipelined behind this one) waiting forever.
        if !responded.load(ordering: .acquiring) {
            loop.post(
                .response(
                    connectionID: connectionID,
                    HTTPResponse.error(
                        status: .internalServerError, code: "internal_error",
                        message: "The request handler finished without a response.")))
        }
    }
}
