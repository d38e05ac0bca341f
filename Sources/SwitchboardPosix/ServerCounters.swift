import SwitchboardHTTP
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
    /// Connections closed for a timeout, by which limit (`ConnectionStateMachine.Timeout`).
    let headerTimeouts = Atomic<Int>(0)
    let idleTimeouts = Atomic<Int>(0)
    let writeTimeouts = Atomic<Int>(0)
    /// Header timeouts of a partly received request, answered 408 (best effort) before closing.
    let requestTimeouts = Atomic<Int>(0)
    /// Requests the handler produced (immediate or deferred).
    let requests = Atomic<Int>(0)
    /// Parse failures answered, in total and by the status answered (`HTTPParseError.status`).
    let malformed = Atomic<Int>(0)
    let malformed400 = Atomic<Int>(0)
    let malformed413 = Atomic<Int>(0)
    let malformed414 = Atomic<Int>(0)
    let malformed431 = Atomic<Int>(0)
    let malformed501 = Atomic<Int>(0)
    let malformed505 = Atomic<Int>(0)
    /// Any other status a future parse error might map to: counted, not lost.
    let malformedOther = Atomic<Int>(0)
    /// The most bytes any one connection had queued right after a response was added.
    let peakBufferedOutput = Atomic<Int>(0)

    @inline(__always)
    func increment(_ counter: borrowing Atomic<Int>) {
        counter.add(1, ordering: .relaxed)
    }

    /// A parse failure answered with `status`.
    func recordMalformed(_ status: HTTPStatus) {
        increment(malformed)
        switch status.code {
        case 400: increment(malformed400)
        case 413: increment(malformed413)
        case 414: increment(malformed414)
        case 431: increment(malformed431)
        case 501: increment(malformed501)
        case 505: increment(malformed505)
        default: increment(malformedOther)
        }
    }

    /// A connection closed because `timeout` passed; `answered` when a 408 was sent first.
    func recordTimeout(_ timeout: ConnectionStateMachine.Timeout, answered: Bool) {
        switch timeout {
        case .header: increment(headerTimeouts)
        case .idle: increment(idleTimeouts)
        case .write: increment(writeTimeouts)
        }
        if answered { increment(requestTimeouts) }
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
        var refused: [Int: Int] = [:]
        refused[400] = malformed400.load(ordering: .relaxed)
        refused[413] = malformed413.load(ordering: .relaxed)
        refused[414] = malformed414.load(ordering: .relaxed)
        refused[431] = malformed431.load(ordering: .relaxed)
        refused[501] = malformed501.load(ordering: .relaxed)
        refused[505] = malformed505.load(ordering: .relaxed)
        let other = malformedOther.load(ordering: .relaxed)
        let headerTimeouts = headerTimeouts.load(ordering: .relaxed)
        let idleTimeouts = idleTimeouts.load(ordering: .relaxed)
        let writeTimeouts = writeTimeouts.load(ordering: .relaxed)
        return HTTPServer.Statistics(
            openConnections: open.load(ordering: .relaxed),
            acceptedConnections: accepted.load(ordering: .relaxed),
            rejectedConnections: rejected.load(ordering: .relaxed),
            timedOutConnections: headerTimeouts + idleTimeouts + writeTimeouts,
            headerTimeouts: headerTimeouts,
            idleTimeouts: idleTimeouts,
            writeTimeouts: writeTimeouts,
            requestTimeouts: requestTimeouts.load(ordering: .relaxed),
            requests: requests.load(ordering: .relaxed),
            malformedRequests: malformed.load(ordering: .relaxed),
            malformedByStatus: refused,
            malformedOtherStatus: other,
            peakBufferedOutputBytes: peakBufferedOutput.load(ordering: .relaxed))
    }
}
