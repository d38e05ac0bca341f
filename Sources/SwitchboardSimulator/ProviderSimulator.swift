public import SwitchboardCore
import SwitchboardPosix
import SwitchboardHTTP

/// Retell, Vapi and Bland on one loopback HTTP server, for tests, load tests and the demo.
///
/// ```swift
/// let simulator = ProviderSimulator()
/// try simulator.start()                                   // 127.0.0.1, a free port
/// try simulator.createAccount(.retell, apiKey: "key_test")
/// try simulator.addNumbers([SimulatedNumber(try E164("+14155550100"))], provider: .retell, apiKey: "key_test")
/// simulator.baseURL(.retell)                              // http://127.0.0.1:PORT/retell
/// try simulator.injectFault(.status(503, jsonBody: true), on: .retellListPhoneNumbers, count: 1)
/// // … point a provider connection's base_url at it, then read back:
/// simulator.calls(); simulator.numberChanges(); simulator.requests()
/// simulator.stop()
/// ```
///
/// Every control is also served as JSON under `/_control/` (see `ControlAPI`), for the
/// standalone `switchboard simulate-providers`.
public final class ProviderSimulator: Sendable {
    public struct Configuration: Sendable {
        /// A numeric IPv4 or IPv6 address, or `localhost`.
        public var host: String
        /// 0 lets the kernel choose; read `port` after `start()`.
        public var port: UInt16
        /// Event loops. One is plenty for a simulator, and leaves the cores to the router under test.
        public var threads: Int
        /// Requests, calls and number changes kept for reading back (each; the oldest go first).
        public var recordLimit: Int

        public init(host: String = "127.0.0.1", port: UInt16 = 0, threads: Int = 1, recordLimit: Int = 100_000) {
            self.host = host
            self.port = port
            self.threads = threads
            self.recordLimit = recordLimit
        }
    }

    public let configuration: Configuration
    let state: SimulatorState
    let handler: SimulatorHandler
    private let server: HTTPServer

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let state = SimulatorState(recordLimit: configuration.recordLimit)
        self.state = state
        var serverConfiguration = HTTPServer.Configuration(host: configuration.host, port: configuration.port)
        serverConfiguration.threads = max(1, configuration.threads)
        serverConfiguration.offloadThreads = 4
        // Large enough for a control call that adds many numbers at once.
        serverConfiguration.limits.maxBodyBytes = max(serverConfiguration.limits.maxBodyBytes, 64 * 1024 * 1024)
        // The control API's base URLs need the port, known only once the server is bound.
        let bound = Locked<HTTPServer?>(nil)
        let host = configuration.host
        handler = SimulatorHandler(
            state: state,
            control: ControlAPI(state: state) { provider in
                let port = bound.withLock { $0?.boundPort } ?? 0
                return ProviderSimulator.url(host: host, port: port, path: "/\(provider.name)")
            })
        server = HTTPServer(configuration: serverConfiguration, handler: handler)
        bound.withLock { $0 = server }
    }

    /// Binds and starts serving. Throws `PosixError` (e.g. the port is taken) or
    /// `HTTPServerConfigurationError`.
    public func start() throws {
        try server.start()
    }

    /// Answers every stalled request at once, then stops: in-flight requests get `gracePeriod`.
    public func stop(gracePeriod: Duration = .seconds(2)) {
        handler.stalls.releaseAll()
        server.shutdown(gracePeriod: gracePeriod)
    }

    /// The port it listens on; nil unless running.
    public var port: UInt16? { server.boundPort }

    /// A provider connection's `base_url` for `provider`: `http://127.0.0.1:PORT/retell`.
    public func baseURL(_ provider: Provider) -> String {
        Self.url(host: configuration.host, port: port ?? configuration.port, path: "/\(provider.name)")
    }

    /// The control API's root: `http://127.0.0.1:PORT/_control`.
    public var controlURL: String {
        Self.url(host: configuration.host, port: port ?? configuration.port, path: "/_control")
    }

    static func url(host: String, port: UInt16, path: String) -> String {
        let authority = host.contains(":") ? "[\(host)]" : host
        return "http://\(authority):\(port)\(path)"
    }

    // MARK: - Accounts and numbers

    /// Creates an account that requests authenticate to with `apiKey`. Throws `.conflict` if the
    /// provider has an account with that key, `.invalid` for a key or secret that cannot be sent
    /// in a header.
    @discardableResult
    public func createAccount(_ provider: Provider, apiKey: String, webhookSecret: String? = nil) throws(SimulatorError)
        -> SimulatorAccount
    {
        let account = SimulatorAccount(provider: provider, apiKey: apiKey, webhookSecret: webhookSecret)
        try state.createAccount(account)
        return account
    }

    public func removeAccount(_ provider: Provider, apiKey: String) throws(SimulatorError) {
        try state.removeAccount(provider: provider, apiKey: apiKey)
    }

    public func accounts() -> [SimulatorAccount] {
        state.accounts().map(\.account)
    }

    /// Adds numbers to an account, all or none, and returns them with the ids and times the
    /// provider gave them (a Vapi number's `id` is what calls name it by).
    @discardableResult
    public func addNumbers(_ numbers: [SimulatedNumber], provider: Provider, apiKey: String) throws(SimulatorError)
        -> [SimulatedNumber]
    {
        try state.addNumbers(numbers, provider: provider, apiKey: apiKey)
    }

    /// Removes a number, as if it was released at the provider.
    public func removeNumber(_ number: E164, provider: Provider, apiKey: String) throws(SimulatorError) {
        try state.withAccount(provider: provider, apiKey: apiKey) { (book, _) throws(SimulatorError) in try book.remove(number) }
    }

    /// The account's numbers in E.164 order, as they stand now.
    public func numbers(provider: Provider, apiKey: String) throws(SimulatorError) -> [SimulatedNumber] {
        try state.withAccount(provider: provider, apiKey: apiKey) { book, _ in
            book.sortedByNumber().compactMap { book.numbers[$0] }
        }
    }

    public func number(_ number: E164, provider: Provider, apiKey: String) throws(SimulatorError) -> SimulatedNumber? {
        try state.withAccount(provider: provider, apiKey: apiKey) { book, _ in book.numbers[number] }
    }

    // MARK: - Faults

    /// Arms `fault` on `endpoint` for the next `count` requests, or (nil) until cleared, starting
    /// after `after` more requests to the endpoint have been answered normally (`after: 1` on a
    /// listing fails its second page). Rules armed on one endpoint are played in the order they
    /// were armed.
    public func injectFault(_ fault: SimulatorFault, on endpoint: SimulatorEndpoint, count: Int? = nil, after: Int = 0) throws(SimulatorError) {
        try state.arm(fault, on: endpoint, count: count, after: after)
    }

    /// Clears the faults armed on `endpoint`, or on every endpoint.
    public func clearFaults(on endpoint: SimulatorEndpoint? = nil) {
        state.clearFaults(on: endpoint)
    }

    public func faults() -> [FaultRule] {
        state.faults()
    }

    // MARK: - Reading back

    /// Calls created, in order (the newest `recordLimit`).
    public func calls(provider: Provider? = nil) -> [SimulatedCall] {
        state.calls().filter { provider == nil || $0.provider == provider }
    }

    /// Number updates, attaches and detaches that were applied, in order.
    public func numberChanges(provider: Provider? = nil) -> [NumberChange] {
        state.changes().filter { provider == nil || $0.provider == provider }
    }

    /// Every provider request with the status it got, in order.
    public func requests(provider: Provider? = nil) -> [RecordedRequest] {
        state.requests().filter { provider == nil || $0.provider == provider }
    }

    /// Forgets the records (requests, calls, changes), keeping accounts and faults.
    public func resetRecords() {
        state.resetRecords()
    }

    /// Back to a fresh simulator: no accounts, numbers, faults or records.
    public func reset() {
        state.reset()
    }
}

