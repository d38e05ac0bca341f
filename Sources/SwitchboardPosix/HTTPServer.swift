/// The HTTP/1.1 server: a listening socket, `configuration.threads` epoll loops, an offload pool.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 8080), handler: router)
/// try server.start()
/// let signals = try SignalWatcher(signals: [SIGTERM, SIGINT]) { _ in server.shutdown() }
/// server.waitUntilStopped()   // returns once shutdown has finished
/// // make the journal durable, exit 0
/// ```
///
/// Life cycle: `start()` once; `shutdown(gracePeriod:)` stops accepting (the listening socket is
/// closed, so new connections are refused), closes idle keep-alive connections, lets requests in
/// flight finish (their responses say `Connection: close` and are written), and returns when every
/// connection is closed or the grace period is over, whichever is first. A stopped server does not
/// start again.
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    private let handler: any HTTPHandler
    private let counters = ServerCounters()
    private let state = Guarded(State())

    private struct State {
        var lifecycle = Lifecycle.idle
        var finishedLoops = 0
    }

    private enum Lifecycle {
        case idle
        case running(Running)
        case stopping(Running)
        case stopped
    }

    private struct Running {
        let loops: [EventLoop]
        let offload: OffloadPool
        let port: UInt16
    }

    public init(configuration: Configuration = Configuration(), handler: any HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// Binds, listens and starts the loops. Throws `HTTPServerConfigurationError` for a bad
    /// configuration or a second start, `PosixError` when a socket call fails (e.g. EADDRINUSE).
    public func start() throws {
        try configuration.validate()
        let address = try SocketAddress(host: configuration.host, port: configuration.port)
        try state.withLock { state in
            guard case .idle = state.lifecycle else {
                throw HTTPServerConfigurationError("the server was already started")
            }
            do {
                state.lifecycle = .running(try launch(address: address))
            } catch {
                // Half-started loops may still be winding down; this instance is done either way.
                state.lifecycle = .stopped
                throw error
            }
        }
    }

    /// The port the server listens on (the kernel's choice for port 0); nil unless running.
    public var boundPort: UInt16? {
        state.withLock { state in
            switch state.lifecycle {
            case .running(let running), .stopping(let running): running.port
            case .idle, .stopped: nil
            }
        }
    }

    /// Connections accepted and not yet closed.
    public var connectionCount: Int { counters.open.load(ordering: .relaxed) }

    public var statistics: Statistics { counters.statistics }

    /// Stops accepting, finishes requests in flight, closes every connection, and returns when
    /// all loops have exited. Connections still busy after `gracePeriod` are closed. Safe to call
    /// more than once and from any thread (a `SignalWatcher`'s included); every call waits.
    /// Not from a `.respond` handler: it runs on a loop, and shutdown waits for the loops. (From a
    /// `.deferred` closure it works, but its own response then waits out the grace period.)
    public func shutdown(gracePeriod: Duration = .seconds(10)) {
        let running: Running? = state.withLockNotifying { state in
            switch state.lifecycle {
            case .idle:
                state.lifecycle = .stopped
                return nil
            case .running(let running):
                state.lifecycle = .stopping(running)
                return running
            case .stopping, .stopped:
                return nil
            }
        }
        if let running {
            // Close the listener first and wait for it: every connection accepted before that is
            // then already in its loop's inbox ahead of the shutdown message (inboxes are FIFO),
            // so none is adopted by a loop that has already finished.
            let closed = Guarded(false)
            running.loops[0].post(.stopAccepting { closed.withLockNotifying { $0 = true } })
            closed.wait(until: { $0 }, then: { _ in })
            let deadline = MonotonicInstant.now + gracePeriod
            for loop in running.loops { loop.post(.shutdown(deadline: deadline)) }
        }
        waitUntilStopped()
    }

    /// Blocks until the server has stopped (returns at once if it never started).
    public func waitUntilStopped() {
        state.wait(
            until: { state in
                switch state.lifecycle {
                case .idle, .stopped: true
                case .running, .stopping: false
                }
            }, then: { _ in })
    }

    /// Opens the listener, creates the loops and starts their threads. Cleans up after itself on
    /// failure.
    private func launch(address: SocketAddress) throws -> Running {
        let (listener, port) = try ListeningSocket.open(address: address, backlog: configuration.backlog)
        let offload: OffloadPool
        var loops: [EventLoop] = []
        do {
            offload = try OffloadPool(threads: configuration.offloadThreads)
            let shared = LoopShared(
                configuration: configuration, handler: handler, counters: counters, offload: offload)
            do {
                for index in 0..<configuration.threads {
                    loops.append(try EventLoop(index: index, shared: shared))
                }
                try loops[0].installListener(listener)
            } catch {
                offload.stop()
                throw error
            }
        } catch {
            loops.forEach { $0.closeUnstarted() }
            Posix.close(listener)
            throw error
        }
        loops[0].peers = loops
        // The listening loop starts last: if a thread cannot be started, nothing has been accepted
        // yet, and the loops already running are simply told to stop.
        for index in loops.indices.reversed() {
            let loop = loops[index]
            do {
                try PosixThread.spawn(name: "sb-loop-\(index)") { [self] in
                    loop.run()
                    loopFinished()
                }
            } catch {
                let now = MonotonicInstant.now
                for started in loops[(index + 1)...] { started.post(.shutdown(deadline: now)) }
                for unstarted in loops[...index] { unstarted.closeUnstarted() }
                offload.stop()
                throw error
            }
        }
        return Running(loops: loops, offload: offload, port: port)
    }

    private func loopFinished() {
        let offload: OffloadPool? = state.withLockNotifying { state in
            state.finishedLoops += 1
            guard case .stopping(let running) = state.lifecycle,
                state.finishedLoops == running.loops.count
            else { return nil }
            state.lifecycle = .stopped
            return running.offload
        }
        offload?.stop()
    }
}
