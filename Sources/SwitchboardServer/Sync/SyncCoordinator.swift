import Dispatch
public import SwitchboardCore

/// What listing a provider's numbers gave: the complete list, or why there is none.
public enum SyncListing: Sendable {
    /// Every number the provider has for the connection; `skipped` counts entries that were not
    /// E.164 (left out, reported).
    case complete([ListedNumber], skipped: Int)
    /// The listing failed (HTTP error, timeout, garbage, a page missing): nothing may change.
    case failed(String)
}

/// Lists every number a provider has for one connection (the providers' clients, or a test double).
public typealias NumberLister = @Sendable (ProviderConnection) async -> SyncListing

/// Number sync (SPEC rule 9): on demand and every `interval` (with jitter), never two at once for
/// one provider connection, with the last result kept per connection for `GET …/sync`.
///
/// A listing runs as a task (it waits on the network); applying it waits on the disk, so it runs on
/// a Dispatch queue, off the event loops and off the cooperative pool.
public final class SyncCoordinator: Sendable {
    /// One connection's sync state (SPEC §3 `sync` shape, plus what the logs and diagnosis use).
    public struct Status: Sendable, Equatable {
        public var provider: Provider
        public var running = false
        public var lastStartedAt: Timestamp?
        public var lastFinishedAt: Timestamp?
        public var ok: Bool?
        public var error: String?
        public var added = 0
        public var updated = 0
        public var deactivated = 0
        /// Entries of the last listing that were not E.164, and numbers another account holds.
        public var skipped = 0
        public var conflicts = 0

        init(provider: Provider) {
            self.provider = provider
        }
    }

    private struct Key: Hashable {
        var account: AccountID
        var provider: Provider
    }

    let directory: Directory
    private let lister: NumberLister
    private let clock: @Sendable () -> Timestamp
    private let statuses = Locked<[Key: Status]>([:])
    private let applyQueue = DispatchQueue(label: "switchboard.sync.apply")
    private let periodic = Locked<Task<Void, Never>?>(nil)
    private let log: Log

    public init(directory: Directory, lister: @escaping NumberLister, clock: @escaping @Sendable () -> Timestamp, log: Log = .standardError) {
        self.directory = directory
        self.log = log
        self.lister = lister
        self.clock = clock
    }

    /// Starts a sync of `account`'s connection to `provider` (every connected provider when nil),
    /// unless one is running already. Returns the statuses right after, and a task that ends when
    /// the syncs this call started have finished (for tests and `--wait`).
    @discardableResult
    public func trigger(account: AccountID, provider: Provider? = nil) -> (statuses: [Status], done: Task<Void, Never>) {
        let connections = directory.connections(account: account).filter { provider == nil || $0.provider == provider }
        var started: [ProviderConnection] = []
        let now = clock()
        statuses.withLock { statuses in
            for connection in connections {
                let key = Key(account: account, provider: connection.provider)
                var status = statuses[key] ?? Status(provider: connection.provider)
                guard !status.running else { continue }
                status.running = true
                status.lastStartedAt = now
                statuses[key] = status
                started.append(connection)
            }
        }
        let done = Task {
            await withTaskGroup(of: Void.self) { group in
                for connection in started {
                    group.addTask { await self.run(connection) }
                }
            }
        }
        return (self.statuses(account: account), done)
    }

    /// The account's sync states, one per connected provider, sorted by provider.
    public func statuses(account: AccountID) -> [Status] {
        let connected = directory.connections(account: account).map(\.provider)
        return statuses.withLock { statuses in
            connected.sorted().map { statuses[Key(account: account, provider: $0)] ?? Status(provider: $0) }
        }
    }

    /// The last sync of one connection, if any ran.
    public func status(account: AccountID, provider: Provider) -> Status? {
        statuses.withLock { $0[Key(account: account, provider: provider)] }
    }

    /// Waits between periodic rounds; tests pass their own to see the delays chosen.
    public typealias Sleeper = @Sendable (Duration) async -> Void

    /// Syncs every connection of every account every `interval`, each round shifted by up to 10%
    /// either way so that many routers do not hit a provider at the same instant. A round skips a
    /// connection whose previous sync is still running (never two at once, see `trigger`).
    /// Replaces an earlier schedule.
    public func schedule(every interval: Duration, sleep: @escaping Sleeper = { try? await Task.sleep(for: $0) }) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                await sleep(SyncCoordinator.jittered(interval, unit: Double.random(in: 0...1)))
                guard !Task.isCancelled, let self else { return }
                for account in self.directory.accounts() { self.trigger(account: account.id) }
            }
        }
        periodic.withLock { old in
            old?.cancel()
            old = task
        }
    }

    /// `interval` shifted by -10% (`unit` 0) to +10% (`unit` 1).
    static func jittered(_ interval: Duration, unit: Double) -> Duration {
        interval * (0.9 + 0.2 * min(1, max(0, unit)))
    }

    /// Stops the periodic schedule (syncs in flight finish).
    public func stop() {
        periodic.withLock { task in
            task?.cancel()
            task = nil
        }
    }

    private func run(_ connection: ProviderConnection) async {
        let key = Key(account: connection.account, provider: connection.provider)
        let listing = await lister(connection)
        let outcome: Result<(SyncReport, skipped: Int), SyncError> = await withCheckedContinuation { continuation in
            applyQueue.async {
                continuation.resume(returning: self.apply(listing, to: connection))
            }
        }
        let finished = clock()
        statuses.withLock { statuses in
            var status = statuses[key] ?? Status(provider: connection.provider)
            status.running = false
            status.lastFinishedAt = finished
            switch outcome {
            case .success(let (report, skipped)):
                status.ok = true
                status.error = nil
                status.added = report.added
                status.updated = report.updated
                status.deactivated = report.deactivated
                status.skipped = skipped
                status.conflicts = report.conflicts.count
            case .failure(let error):
                status.ok = false
                status.error = error.message
                status.added = 0
                status.updated = 0
                status.deactivated = 0
                status.skipped = 0
                status.conflicts = 0
            }
            statuses[key] = status
        }
        switch outcome {
        case .success(let (report, skipped)):
            log.info("sync_ok", [
                "account": connection.account.value, "provider": connection.provider.name, "added": String(report.added),
                "updated": String(report.updated), "deactivated": String(report.deactivated), "skipped": String(skipped),
                "conflicts": String(report.conflicts.count),
            ])
        case .failure(let error):
            log.error("sync_failed", ["account": connection.account.value, "provider": connection.provider.name, "error": error.message])
        }
    }

    private struct SyncError: Error {
        var message: String
    }

    /// Applies a complete listing (rule 9) durably; a failed listing changes nothing.
    private func apply(_ listing: SyncListing, to connection: ProviderConnection) -> Result<(SyncReport, skipped: Int), SyncError> {
        switch listing {
        case .failed(let message):
            return .failure(SyncError(message: "\(message); nothing was changed"))
        case .complete(let numbers, let skipped):
            do {
                let report = try directory.sync(account: connection.account, provider: connection.provider, listing: numbers, at: clock())
                return .success((report, skipped))
            } catch let error as DirectoryError {
                return .failure(SyncError(message: "\(error.message); nothing was changed"))
            } catch {
                return .failure(SyncError(message: "the sync could not be made durable (\(error)); nothing was changed"))
            }
        }
    }
}
