import Synchronization

/// Counters every loop updates, read for `/metrics` and by tests.
///
/// Plain atomics (no lock): each is an independent number, and a reader that sees `accepted` and
/// `open` from slightly different instants is fine for metrics. Relaxed ordering: nothing else is
/// published through them. TSan understands these (they compile to instrumented atomics).
final class ServerCounters: Sendable {
    /// Connections accepted and not yet closed, including those being handed to a loop.
    let open = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    /// Connections answered 503 because `open` was at `maxConnections`.
    let rejected = Atomic<Int>(0)
    /// Connections closed for a header, idle or write timeout.
    let timedOut = Atomic<Int>(0)
    /// Requests the handler produced (immediate or deferred), and parse failures answered.
    let requests = Atomic<Int>(0)
    let malformed = Atomic<Int>(0)
    /// The most bytes any one connection had queued right after a response was added.
    let peakBufferedOutput = Atomic<Int>(0)

    @inline(__always)
    func increment(_ counter: borrowing Atomic<Int>) {
        counter.add(1, ordering: .relaxed)
    }

    func recordBufferedOutput(_ bytes: Int) {
        var current = peakBufferedOutput.load(ordering: .relaxed)
        while bytes > current {
            let (exchanged, original) = peakBufferedOutput.compareExchange(
                expected: current, desired: bytes, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    var statistics: HTTPServer.Statistics {
        HTTPServer.Statistics(
            openConnections: open.load(ordering: .relaxed),
            acceptedConnections: accepted.load(ordering: .relaxed),
            rejectedConnections: rejected.load(ordering: .relaxed),
            timedOutConnections: timedOut.load(ordering: .relaxed),
            requests: requests.load(ordering: .relaxed),
            malformedRequests: malformed.load(ordering: .relaxed),
            peakBufferedOutputBytes: peakBufferedOutput.load(ordering: .relaxed))
    }
}
