import CSwitchboardLinux
import Foundation
import SwitchboardCrypto
import SwitchboardPosix
import SwitchboardCore
public import SwitchboardHTTP
public import SwitchboardStore
import SwitchboardProviders
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `switchboard serve`: the data directory, the management API and the HTTP server, wired.
///
/// The listener comes up first and answers `/healthz` at once; `/readyz` and every API route say
/// 503 until the snapshot loader is done. SIGTERM or SIGINT: stop accepting, finish the requests in
/// flight, make the journal durable, exit 0.
///
/// Fail-stop on a journal failure (a write or fsync of the journal failed, see `JournalFailure`):
/// the changes of the failed batch are in memory but maybe not on disk, so from that instant every
/// request is refused with 503 `journal_failed`; one `journal_failed` error line is logged; the
/// requests in flight get their answers (the failed writes an error, never success) within a short
/// grace period; and `run` returns 1, so the process exits non-zero and its supervisor restarts it
/// from disk (deploy/switchboard.service: Restart=on-failure).
public final class RouterService: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port: UInt16 = 8080
        public var data = "./switchboard-data"
        public var threads = HTTPServer.Configuration.availableCPUs
        /// How often every provider connection's numbers are synced (with ±10% jitter).
        public var syncInterval: Duration = .seconds(300)
        /// Timeout of each request to a provider (sync pages, pushes, outbound calls).
        public var providerTimeout: Duration = ProviderClient.defaultTimeout
        /// The store's settings (compaction threshold) and its fault-injection seams for tests.
        public var store = StoreOptions()
        /// How long requests in flight may take to finish after a journal failure, before the exit.
        public var failStopGracePeriod: Duration = .seconds(2)
        /// Open client connections; beyond this, new ones are answered 503 (and logged, at most a
        /// line a second).
        public var maxConnections = 10_000
        /// A request must be complete this long after its first byte (else 408 and close).
        public var headerTimeout: Duration = .seconds(10)
        /// A keep-alive connection may wait this long for its next request.
        public var idleTimeout: Duration = .seconds(60)
        /// Request line, header and body limits (414, 431, 413).
        public var limits = HTTPLimits()
        /// Where the structured log lines go (stderr by default).
        public var log: Log = .standardError
        /// Where `SWITCHBOARD_ADMIN_TOKEN` is looked up: the process's environment by default.
        public var environment: [String: String] = ProcessInfo.processInfo.environment
        public init() {}
    }

    let options: Options
    let log: Log
    let server: HTTPServer
    let handler: RouterHandler
    let store = Locked<Store?>(nil)
    let metrics: Metrics
    let events: EventLog
    /// Our pooled client for plain http:// providers (the simulator, an egress proxy), URLSession
    /// for https:// ones.
    let urlSession: URLSessionTransport
    let transport: PooledHTTPTransport
    /// The provider integration, once the state is loaded.
    let workers = Locked<(sync: SyncCoordinator, push: PushQueue)?>(nil)
    /// Signalled when the service should stop: SIGTERM, SIGINT or a journal failure (`run` waits).
    let stopRequested = Semaphore()

    public init(options: Options) {
        urlSession = URLSessionTransport()
        transport = PooledHTTPTransport(fallback: urlSession)
        self.options = options
        log = options.log
        // One metrics lane per event loop and one for the offload pool (see `CounterArray`).
        metrics = Metrics(lanes: max(1, options.threads) + 1)
        events = EventLog(lanes: max(1, options.threads) + 1)
        handler = RouterHandler(
            offloadLane: max(1, options.threads), rejections: RejectionReporter(log: options.log, maxConnections: options.maxConnections))
        var configuration = HTTPServer.Configuration()
        configuration.host = options.host
        configuration.port = options.port
        configuration.threads = max(1, options.threads)
        configuration.maxConnections = options.maxConnections
        configuration.headerTimeout = options.headerTimeout
        configuration.idleTimeout = options.idleTimeout
        configuration.limits = options.limits
        server = HTTPServer(configuration: configuration, handler: handler)
        metrics.observe(httpServer: { [server] in server.statistics })
    }

    /// Binds, loads the state, and starts answering. Returns when ready.
    public func start() throws {
        // A bad SWITCHBOARD_ADMIN_TOKEN stops the start before anything is bound or loaded.
        let adminFromEnvironment = try AdminToken.fromEnvironment(options.environment)
        try server.start()
        log.info("listening", ["address": "\(options.host):\(server.boundPort ?? options.port)", "threads": String(server.configuration.threads)])
        let started = Metrics.now()
        let (store, report) = try Store.open(at: options.data, options: options.store)
        store.onJournalFailure { [weak self] failure in self?.journalFailed(failure) }
        self.store.withLock { $0 = store }
        // Loading decoded the whole snapshot into values that are garbage now; hand the freed heap
        // back to the system so the router's resident size is its state, not its start-up.
        _ = csb_malloc_trim()
        log.info("state_loaded", ["data": options.data, "recovery": report.description, "millis": String((Metrics.now() - started) / 1_000_000)])
        if let tail = report.tail {
            log.error("torn_tail_cut", ["file": tail.file, "offset": String(tail.damage.offset), "bytes": String(tail.damage.droppedBytes), "reason": tail.damage.reason, "meaning": RecoveryReport.tailExplanation])
        }
        try Self.createDefaultAccountIfEmpty(store.directory, log: log)
        let admin = try adminFromEnvironment ?? AdminToken.fromFile(dataDirectory: options.data)
        log.info("admin_token", admin.logFields)
        metrics.register(gauge: "switchboard_connections", help: "Open client connections.") { [server] in Double(server.connectionCount) }
        metrics.register(gauge: "switchboard_journal_bytes", help: "Bytes in the current journal file.") { Double(store.journalBytes) }
        let directory = store.directory
        let client = ProviderClient(transport: transport, timeout: options.providerTimeout)
        let clock: @Sendable () -> Timestamp = { Timestamp.now }
        let sync = SyncCoordinator(directory: directory, lister: RouterService.lister(client), clock: clock, log: log)
        let push = PushQueue(directory: directory, pusher: RouterService.pusher(client), clock: clock, log: log)
        try push.start()
        sync.schedule(every: options.syncInterval)
        workers.withLock { $0 = (sync, push) }
        let calls = CallPlacer(directory: directory, client: client, events: events, clock: clock)
        handler.becomeReady(
            api: ManagementAPI(
                directory: directory, adminToken: admin.token, metrics: metrics, events: events, sync: sync, push: push, calls: calls, clock: clock,
                log: log),
            webhooks: WebhookEndpoint(directory: directory, metrics: metrics, events: events, loopLanes: max(1, options.threads), clock: clock))
        // Whole seconds from the command line; tests schedule sub-second intervals.
        let (seconds, attoseconds) = options.syncInterval.components
        let interval = attoseconds == 0 ? String(seconds) : String(Double(seconds) + Double(attoseconds) / 1e18)
        log.info("ready", ["sync_interval_seconds": interval])
    }

    public var boundPort: UInt16? { server.boundPort }

    /// The journal's failure, once it failed: the service is refusing every request and stopping.
    public var journalFailure: JournalFailure? { store.withLock { $0 }?.journalFailure }

    /// The store's failure observer. Runs on the journal's flusher thread before the failed writes
    /// are woken, so it only flips the handler to refusing, logs and asks `run` to stop.
    private func journalFailed(_ failure: JournalFailure) {
        handler.refuseEverything()
        log.error(
            "journal_failed",
            [
                "file": failure.path, "call": failure.call ?? "unknown", "errno": failure.errno.map { String($0) } ?? "none",
                "error": failure.reason,
                "action": "stopping now: the failed change was not acknowledged and the state in memory may differ from the disk; a restart recovers the acknowledged state from disk",
            ])
        stopRequested.signal()
    }

    /// SPEC §1: "The embedded default has one account, `default`". A data directory with no account
    /// at all gets it (name "Default", no account token: the admin token acts on it), durably, before
    /// the router reports ready. A directory that has any account is left as it is: an operator who
    /// imported their own accounts does not get an extra one.
    static func createDefaultAccountIfEmpty(_ directory: Directory, log: Log) throws {
        guard directory.accountCount == 0 else { return }
        let account = try directory.createAccount(id: try Identifier("default"), name: "Default", tokenSHA256: nil)
        log.info("default_account_created", ["account": account.id.value, "name": account.name, "token": "none: use the admin token"])
    }

    /// Graceful stop: no new connections, requests in flight finished, journal durable.
    public func stop(gracePeriod: Duration = .seconds(10)) {
        log.info("stopping", [:])
        server.shutdown(gracePeriod: gracePeriod)
        server.waitUntilStopped()
        if let (sync, push) = workers.withLock({ $0 }) {
            sync.stop()
            push.stop()
        }
        transport.shutdown()
        urlSession.shutdown()
        if let store = store.withLock({ $0 }) {
            do {
                try store.close()
                log.info("stopped", ["journal": "durable"])
            } catch is JournalFailure {
                log.info("stopped", ["journal": "failed (see journal_failed): restart to recover from disk"])
            } catch {
                log.error("stop_failed", ["error": "\(error)"])
            }
        }
    }

    /// Sync's listing through the providers' client.
    static func lister(_ client: ProviderClient) -> NumberLister {
        { connection in
            do throws(ProviderFailure) {
                let result = try await client.listNumbers(connection)
                return .complete(result.numbers, skipped: result.skipped.count)
            } catch {
                return .failed(error.message)
            }
        }
    }

    /// The push of an assignment through the providers' client (blocking: it runs on a push thread).
    static func pusher(_ client: ProviderClient) -> NumberPusher {
        { job in
            let push = AssignmentPush(
                number: job.number, providerNumberID: job.providerNumberID, previousProviderAgentID: job.previousProviderAgentID,
                providerAgentID: job.providerAgentID)
            do throws(ProviderFailure) {
                try client.push(push, connection: job.connection)
                return .done
            } catch {
                return .failed(error.message, retryAfter: error.retryAfterSeconds.map { Duration.seconds($0) })
            }
        }
    }

    /// Runs until SIGTERM or SIGINT (returns 0) or a journal failure (returns 1, so that the
    /// supervisor restarts the router and it recovers from disk); returns the exit status.
    public static func run(_ options: Options) -> Int32 {
        SignalWatcher.ignoreBrokenPipe()
        _ = Crypto.initialize
        let service = RouterService(options: options)
        do {
            let watcher = try SignalWatcher(signals: [SIGTERM, SIGINT]) { [stopRequested = service.stopRequested, log = service.log] signal in
                log.info("signal", ["signal": signal == SIGTERM ? "SIGTERM" : "SIGINT"])
                stopRequested.signal()
            }
            defer { watcher.stop() }
            try service.start()
            service.stopRequested.wait()
        } catch {
            service.log.error("start_failed", ["error": "\(error)"])
            service.stop()
            return 1
        }
        if service.journalFailure != nil {
            service.stop(gracePeriod: options.failStopGracePeriod)
            return 1
        }
        service.stop()
        return 0
    }
}

/// The HTTP handler: reads answer on the event loop (the hot path); writes take the directory's
/// lock and log, so they run on the offload pool, and answer through the writer once durable (from
/// the journal's flusher, without the offload thread waiting for the disk).
final class RouterHandler: HTTPHandler {
    /// Set once, when the state is loaded (`becomeReady`); read by every request without a lock.
    let api = AtomicLazyReference<ManagementAPI>()
    let webhooks = AtomicLazyReference<WebhookEndpoint>()
    /// `webhooks` again as a plain pointer, published after both are set: what each webhook reads.
    /// Loading an `AtomicLazyReference` retains and releases the object, atomic read-modify-writes
    /// on a line that every event loop writes, per request; `webhooks` keeps the object alive for
    /// the handler's life, so a borrowed pointer is enough.
    /// (The address's bits: `Atomic` of a pointer is not `Sendable`.) Zero until ready.
    private let webhookEndpoint = Atomic<UInt>(0)
    /// The metrics lane of work that runs off the event loops.
    let offloadLane: Int
    /// Set once the journal failed: the state in memory may hold changes the disk lacks, so nothing
    /// is answered from it any more.
    private let refusing = Atomic<Bool>(false)

    func refuseEverything() {
        refusing.store(true, ordering: .releasing)
    }
    let rejections: RejectionReporter

    init(offloadLane: Int, rejections: RejectionReporter) {
        self.offloadLane = offloadLane
        self.rejections = rejections
    }

    /// Publishes the loaded state's API and webhook endpoint; requests get answers from here on.
    /// Once: later calls keep the first ones.
    func becomeReady(api: ManagementAPI, webhooks: WebhookEndpoint) {
        let webhooks = self.webhooks.storeIfNil(webhooks)
        _ = self.api.storeIfNil(api)
        webhookEndpoint.store(UInt(bitPattern: Unmanaged.passUnretained(webhooks).toOpaque()), ordering: .releasing)
    }

    func connectionRejected(total: Int) {
        rejections.rejected(total: total)
    }

    func handle(_ request: HTTPRequest, context: RequestContext) -> HandlerResult {
        let started = Metrics.now()
        if refusing.load(ordering: .acquiring) {
            return .respond(
                .error(
                    status: .serviceUnavailable, code: "journal_failed",
                    message: "the router's journal failed to reach the disk; it is stopping and recovers from disk when restarted: retry shortly"))
        }
        // The loop's index is the top 16 bits of the connection id: its metrics lane.
        let lane = Int(truncatingIfNeeded: context.connectionID >> 48)
        if WebhookEndpoint.matches(request.target), let endpoint = UnsafeRawPointer(bitPattern: webhookEndpoint.load(ordering: .acquiring)) {
            return Unmanaged<WebhookEndpoint>.fromOpaque(endpoint)._withUnsafeGuaranteedRef { $0.handle(request, lane: lane, started: started) }
        }
        guard let api = api.load() else {
            if request.target == "/healthz" { return .respond(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Array(#"{"status":"ok"}"#.utf8))) }
            return .respond(.error(status: .serviceUnavailable, code: "not_ready", message: "the state is still loading: retry shortly"))
        }
        let authorization = request.headers["authorization"]
        if ManagementAPI.isWrite(method: request.method) {
            let lane = offloadLane
            return .deferred { writer in
                api.answer(method: request.method, target: request.target, authorization: authorization, body: request.body, started: started, lane: lane) {
                    _ = writer.respond(RouterHandler.convert($0))
                }
            }
        }
        return .respond(
            RouterHandler.convert(
                api.handle(method: request.method, target: request.target, authorization: authorization, body: request.body, started: started, lane: lane)))
    }

    static func convert(_ response: APIResponse) -> HTTPResponse {
        HTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

/// A counting semaphore over a pthread mutex and condition (visible to ThreadSanitizer).
final class Semaphore: @unchecked Sendable {
    // `@unchecked Sendable`: `count` is only touched under `mutex`; the pthread objects live in
    // memory allocated once and freed in deinit.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var count = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func signal() {
        pthread_mutex_lock(mutex)
        count += 1
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    func wait() {
        pthread_mutex_lock(mutex)
        while count == 0 { pthread_cond_wait(condition, mutex) }
        count -= 1
        pthread_mutex_unlock(mutex)
    }

    /// Takes a signal if there is one; never blocks.
    func tryWait() -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard count > 0 else { return false }
        count -= 1
        return true
    }
}
