import CSwitchboardLinux
public import SwitchboardHTTP

extension HTTPServer {
    /// Where to listen and every limit the socket layer enforces (STYLE.md habit 5); the parser's
    /// own limits are in `limits`.
    public struct Configuration: Hashable, Sendable {
        /// A numeric IPv4 or IPv6 address, or `localhost`.
        public var host: String
        /// 0 lets the kernel choose; read `HTTPServer.boundPort` after `start()`.
        public var port: UInt16
        /// Event loops, one thread each.
        public var threads: Int
        public var limits: HTTPLimits
        /// A request must be complete (head, and body if any) this long after its first byte, and
        /// a new connection must deliver its first request head this long after it was accepted.
        /// Over → 408 (if a request was partly received) and close.
        public var headerTimeout: Duration
        /// A keep-alive connection may wait this long for its next request; queued output must
        /// make progress within it (a client that stops reading). Over → close.
        public var idleTimeout: Duration
        /// Open connections; beyond this, new ones are answered 503 and closed.
        public var maxConnections: Int
        /// Bytes queued for one connection beyond which it stops reading (back-pressure).
        public var maxBufferedOutput: Int
        /// `listen(2)` backlog: connections the kernel holds before we accept them.
        public var backlog: Int32
        /// Threads that run `.deferred` handler work (calls that wait on the network).
        public var offloadThreads: Int

        public init(
            host: String = "127.0.0.1",
            port: UInt16 = 8080,
            threads: Int = Configuration.availableCPUs,
            limits: HTTPLimits = HTTPLimits(),
            headerTimeout: Duration = .seconds(10),
            idleTimeout: Duration = .seconds(60),
            maxConnections: Int = 10_000,
            maxBufferedOutput: Int = 1024 * 1024,
            backlog: Int32 = 1024,
            offloadThreads: Int = 16
        ) {
            self.host = host
            self.port = port
            self.threads = threads
            self.limits = limits
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
            self.maxConnections = maxConnections
            self.maxBufferedOutput = maxBufferedOutput
            self.backlog = backlog
            self.offloadThreads = offloadThreads
        }

        /// CPUs this process may run on (honours taskset and cpusets): one loop per core.
        public static var availableCPUs: Int { Int(csb_available_cpus()) }

        func validate() throws(HTTPServerConfigurationError) {
            guard threads >= 1 else { throw HTTPServerConfigurationError("threads must be at least 1") }
            guard threads < 1 << 16 else { throw HTTPServerConfigurationError("threads must be under 65536") }
            guard offloadThreads >= 1 else { throw HTTPServerConfigurationError("offloadThreads must be at least 1") }
            guard maxConnections >= 1 else { throw HTTPServerConfigurationError("maxConnections must be at least 1") }
            guard maxBufferedOutput >= 1 else {
                throw HTTPServerConfigurationError("maxBufferedOutput must be positive")
            }
            guard headerTimeout > .zero, idleTimeout > .zero else {
                throw HTTPServerConfigurationError("timeouts must be positive")
            }
            guard backlog >= 1 else { throw HTTPServerConfigurationError("backlog must be at least 1") }
        }

        var connectionConfiguration: ConnectionStateMachine.Configuration {
            ConnectionStateMachine.Configuration(
                headerTimeout: headerTimeout, idleTimeout: idleTimeout, maxBufferedOutput: maxBufferedOutput)
        }

        /// How often a loop checks deadlines: an eighth of the shortest timeout, between 5 ms and
        /// 250 ms. A 10 s header timeout then fires within 10.25 s; scanning even 10,000
        /// connections four times a second is negligible next to a heap or wheel's bookkeeping on
        /// every request.
        var timerInterval: Duration {
            let shortest = min(headerTimeout, idleTimeout, connectionConfiguration.lingerTimeout)
            return min(max(shortest / 8, .milliseconds(5)), .milliseconds(250))
        }
    }

    /// Counters for `/metrics` and tests; each is read atomically, the set is not one snapshot.
    ///
    /// What the server answers or closes by itself, without the handler ever seeing a request, is
    /// here and only here: parse refusals, request timeouts, idle and write timeouts, connections
    /// over the cap.
    public struct Statistics: Hashable, Sendable {
        /// Connections accepted and not yet closed.
        public var openConnections: Int
        public var acceptedConnections: Int
        /// Answered 503 and closed because `maxConnections` were open.
        public var rejectedConnections: Int
        /// Closed for a header, idle or write timeout (the sum of the three below).
        public var timedOutConnections: Int
        /// Closed because a request (or a new connection's first request) was not complete within
        /// `headerTimeout`.
        public var headerTimeouts: Int
        /// Keep-alive connections closed after `idleTimeout` without a next request.
        public var idleTimeouts: Int
        /// Closed because queued output made no progress within `idleTimeout` (a client not reading).
        public var writeTimeouts: Int
        /// Header timeouts of a partly received request that were answered 408 before closing.
        public var requestTimeouts: Int
        /// Requests passed to the handler.
        public var requests: Int
        /// Requests refused by the parser (4xx/5xx and close): the sum of `malformedByStatus` and
        /// `malformedOtherStatus`.
        public var malformedRequests: Int
        /// Parser refusals by the status answered, every status a parse error maps to present
        /// (400, 413, 414, 431, 501, 505), zero or not.
        public var malformedByStatus: [Int: Int]
        /// Parser refusals answered with any other status (none today).
        public var malformedOtherStatus: Int
        /// The most bytes one connection had queued after adding a response: stays within
        /// `maxBufferedOutput` plus one response however slowly clients read.
        public var peakBufferedOutputBytes: Int
    }
}
