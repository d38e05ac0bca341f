/// A request on the wire, and what its answer will be judged against.
struct InFlight {
    var kind: RequestKind
    /// The number, or (caller-ID look-ups) the agent.
    var target: Int32
    /// When the request was due: latency is measured from here (no coordinated omission).
    var intended: UInt64
    /// When its first byte went out: the timeout counts from here.
    var sent: UInt64
    /// Sent after the warm-up: counted in the results.
    var measured: Bool
    /// The target's live slot when the request went out.
    var before: LiveState.Slot
    /// The operator's write, for `assign` / `unassign`.
    var write: Operator.Write? = nil
    /// A write that restores the seeded state after the run (counted apart).
    var restoring = false
}

/// One keep-alive client connection, driven by its worker's epoll loop. Thread-confined.
final class LoadConnection {
    enum State: Equatable {
        /// Closed; a new connect is due at `retryAt`.
        case disconnected
        /// A non-blocking connect in progress (waiting for EPOLLOUT).
        case connecting
        /// Connected, nothing outstanding.
        case idle
        /// A request out, its answer awaited.
        case busy
    }

    enum Role {
        case traffic
        case writes
    }

    let token: UInt64
    let role: Role
    var fd: Int32 = -1
    /// The worker's tallies follow every change, so its loop never scans all connections to learn
    /// whether any is busy or closed.
    var state = State.disconnected {
        didSet {
            guard oldValue != state else { return }
            tally.change(from: oldValue, to: state)
        }
    }
    let tally: ConnectionTally
    var parser = HTTPResponseParser()
    var inFlight: InFlight?
    /// Bytes of the current request not yet accepted by the kernel.
    var output: [UInt8] = []
    var outputOffset = 0
    /// Registered for EPOLLOUT (connecting, or output left over).
    var watchingWrites = false
    var retryAt: UInt64 = 0
    var backoff: UInt64 = 0
    /// Whether this connection ever completed a connect (later connects are reconnects).
    var connectedBefore = false
    /// Whether an answer arrived since the last connect (if not, a close backs off).
    var answeredSinceConnect = false

    init(token: UInt64, role: Role, tally: ConnectionTally) {
        self.token = token
        self.role = role
        self.tally = tally
        tally.disconnected += 1
    }

    var hasPendingOutput: Bool { outputOffset < output.count }
}

/// How many of a worker's connections are busy and how many closed. Thread-confined to the worker.
final class ConnectionTally {
    var busy = 0
    var disconnected = 0

    func change(from old: LoadConnection.State, to new: LoadConnection.State) {
        if old == .busy { busy -= 1 }
        if old == .disconnected { disconnected -= 1 }
        if new == .busy { busy += 1 }
        if new == .disconnected { disconnected += 1 }
    }
}
