public import SwitchboardCore

/// One update of a provider's own per-number agent setting: after it, calls to `number` reach
/// `providerAgentID` (nil: no agent) even when the provider cannot reach our webhook.
public struct PushJob: Sendable, Equatable {
    public var connection: ProviderConnection
    public var number: E164
    public var providerNumberID: String
    /// The provider agent the number was bound to before, when known (Bland detaches from it).
    public var previousProviderAgentID: String?
    public var providerAgentID: String?
}

/// What a push attempt gave.
public enum PushResult: Sendable, Equatable {
    case done
    /// Failed; `retryAfter` when the provider said when to come back (429).
    case failed(String, retryAfter: Duration?)
}

/// Performs one push against the provider (the providers' clients, or a test double).
public typealias NumberPusher = @Sendable (PushJob) async -> PushResult

/// Keeps each provider's per-number agent binding in step with our assignments.
///
/// Every durable change that can move a number's agent enqueues the numbers it touched; a worker
/// reads what the binding should be NOW (the number's agent's provider id if the number is active,
/// assigned and its agent active; else none) and pushes that, so many quick changes collapse into
/// one push and pushes can never apply out of order. Up to `concurrency` numbers are pushed at once
/// (never one number twice at once), and the bookkeeping is O(log n) per change, so a burst of
/// thousands of reassignments drains at the providers' pace, not ours. Failures are retried with
/// exponential back-off (1 s doubling to 5 min, or the provider's Retry-After) and show in the
/// number's diagnosis. A push never undoes or delays the local assignment: it happens after the
/// change is acknowledged.
public final class PushQueue: Sendable {
    /// Where one number's push stands (for diagnosis).
    public struct Status: Sendable, Equatable {
        public enum State: String, Sendable {
            case pending, ok, failed
            /// The number's provider is not connected: nothing to push to.
            case notConnected = "not_connected"
        }

        public var state: State
        public var attempts = 0
        public var lastError: String?
        public var lastAttemptAt: Timestamp?
        /// The binding the provider has, as far as we know (after a successful push).
        public var pushedProviderAgentID: String??
    }

    private struct Key: Hashable {
        var account: AccountID
        var number: E164
    }

    private typealias Pending = PushSchedule<Key>.Entry

    private struct State {
        var statuses: [Key: Status] = [:]
        var schedule = PushSchedule<Key>()
        /// The worker's current sleep: enqueue and stop cancel it to wake the worker.
        var sleeper: Task<Void, Never>?
        var stopped = false
    }

    let directory: Directory
    private let pusher: NumberPusher
    private let clock: @Sendable () -> Timestamp
    private let state = Locked(State())
    /// The first retry's delay, doubled per failure up to `maxRetry`.
    let firstRetry: Duration
    let maxRetry: Duration
    /// How many numbers are pushed at once.
    let concurrency: Int
    let log: Log

    public init(
        directory: Directory, pusher: @escaping NumberPusher, clock: @escaping @Sendable () -> Timestamp,
        firstRetry: Duration = .seconds(1), maxRetry: Duration = .seconds(300), concurrency: Int = 8, log: Log = .standardError
    ) {
        precondition(concurrency > 0, "push concurrency must be positive")
        self.directory = directory
        self.log = log
        self.pusher = pusher
        self.clock = clock
        self.firstRetry = firstRetry
        self.maxRetry = maxRetry
        self.concurrency = concurrency
    }

    /// Starts watching the directory's changes and the worker that pushes them.
    public func start() -> Task<Void, Never> {
        directory.observe { [weak self] change, effect in self?.changed(change, effect) }
        return Task { await self.work() }
    }

    /// Stops the worker after the pushes in progress, if any.
    public func stop() {
        state.withLock { state in
            state.stopped = true
            state.sleeper?.cancel()
        }
    }

    /// The push status of a number, if a change ever touched it.
    public func status(account: AccountID, number: E164) -> Status? {
        state.withLock { $0.statuses[Key(account: account, number: number)] }
    }

    /// Whether nothing is waiting to be pushed or being pushed (for tests and the demo).
    public var isIdle: Bool { state.withLock { $0.schedule.isEmpty } }

    // MARK: Enqueueing

    func changed(_ change: Change, _ effect: ChangeEffect) {
        for (account, number, previous) in PushQueue.touched(change, effect, directory: directory) {
            enqueue(account: account, number: number, previousHint: previous)
        }
    }

    /// The numbers whose binding `change` may have moved, with the provider agent each had before
    /// when the change says so.
    static func touched(_ change: Change, _ effect: ChangeEffect, directory: Directory) -> [(AccountID, E164, String?)] {
        func providerAgent(_ account: AccountID, _ id: AgentID?) -> String? {
            id.flatMap { directory.agent(account: account, id: $0)?.spec.providerAgentID }
        }
        switch effect {
        case .assignment(let result):
            let account = result.number.account
            var touched = [(account, result.number.number, providerAgent(account, result.previousAgentID))]
            if let released = result.releasedNumber { touched.append((account, released, result.number.agentID.flatMap { providerAgent(account, $0) })) }
            return touched
        case .unassignment(let result):
            return [(result.number.account, result.number.number, providerAgent(result.number.account, result.previousAgentID))]
        case .agent(let write):
            let account = write.agent.spec.account
            var touched: [(AccountID, E164, String?)] = []
            if let number = write.agent.phoneNumber { touched.append((account, number, providerAgent(account, write.previousAgentID))) }
            if let released = write.releasedNumber { touched.append((account, released, write.agent.spec.providerAgentID)) }
            return touched
        case .agentDeleted(let released):
            guard case .deleteAgent(let account, _) = change, let released else { return [] }
            return [(account, released, nil)]
        case .account, .provider, .providerDeleted, .number, .sync:
            // Sync only unassigns numbers the provider no longer has: nothing to push to.
            return []
        }
    }

    func enqueue(account: AccountID, number: E164, previousHint: String?, after delay: Duration = .zero) {
        let key = Key(account: account, number: number)
        state.withLock { state in
            let hint = state.schedule.entry(key)?.previousHint ?? previousHint
            state.schedule.schedule(key, Pending(due: .now + delay, previousHint: hint))
            var status = state.statuses[key] ?? Status(state: .pending)
            status.state = .pending
            status.attempts = delay == .zero ? 0 : status.attempts
            state.statuses[key] = status
            state.sleeper?.cancel()
        }
    }

    // MARK: The worker

    /// Starts every due push while fewer than `concurrency` run, with one sleeper beside them that
    /// an enqueue, a stop or the earliest due time wakes; each finished push or wake starts the round
    /// again. After a stop, the pushes in progress finish and nothing new starts.
    private func work() async {
        await withTaskGroup(of: Key?.self) { group in
            var running = 0
            var sleeping = false
            while true {
                let (due, stopped) = state.withLock { state in
                    (state.stopped ? [] : state.schedule.takeDue(now: .now, limit: concurrency - running), state.stopped)
                }
                if stopped { break }
                for (key, pending) in due {
                    group.addTask { await self.push(key, pending); return key }
                    running += 1
                }
                if !sleeping && running < concurrency {
                    group.addTask { await self.sleepUntilWokenOrDue(); return nil }
                    sleeping = true
                }
                guard let finished = await group.next() else { break }
                if let key = finished {
                    running -= 1
                    state.withLock { $0.schedule.finished(key) }
                } else {
                    sleeping = false
                }
            }
            for await finished in group {
                if let key = finished { state.withLock { $0.schedule.finished(key) } }
            }
        }
    }

    /// Waits for an enqueue, a stop, or the earliest retry coming due (at most a second).
    private func sleepUntilWokenOrDue() async {
        let earliest = state.withLock { $0.schedule.earliestDue() }
        let wait = min(earliest.map { ContinuousClock.now.duration(to: $0) } ?? .seconds(1), .seconds(1))
        let sleeper = Task { _ = try? await Task.sleep(for: max(wait, .milliseconds(1))) }
        state.withLock { state in
            state.sleeper = sleeper
            // An enqueue or stop between the worker's check and now would have found no sleeper.
            if state.stopped || (state.schedule.earliestDue().map { $0 <= .now } ?? false) { sleeper.cancel() }
        }
        await sleeper.value
        state.withLock { $0.sleeper = nil }
    }

    private func push(_ key: Key, _ pending: Pending) async {
        guard let number = directory.number(account: key.account, number: key.number) else { return }
        guard let connection = directory.connection(account: key.account, provider: number.provider) else {
            state.withLock { $0.statuses[key]?.state = .notConnected }
            return
        }
        // Inactive numbers are ones the provider no longer lists: nothing to push to.
        guard number.status == .active else {
            state.withLock { $0.statuses[key]?.state = .ok }
            return
        }
        let desired = desiredBinding(number)
        let known = state.withLock { $0.statuses[key]?.pushedProviderAgentID }
        if let known, known == desired {
            state.withLock { $0.statuses[key]?.state = .ok }
            return
        }
        let previous: String? = known.flatMap { $0 } ?? pending.previousHint
        let job = PushJob(
            connection: connection, number: number.number, providerNumberID: number.providerNumberID,
            previousProviderAgentID: previous, providerAgentID: desired)
        let result = await pusher(job)
        let now = clock()
        var retry: Duration?
        state.withLock { state in
            var status = state.statuses[key] ?? Status(state: .pending)
            status.attempts += 1
            status.lastAttemptAt = now
            switch result {
            case .done:
                status.state = state.schedule.entry(key) == nil ? .ok : .pending
                status.lastError = nil
                status.pushedProviderAgentID = .some(desired)
            case .failed(let message, let retryAfter):
                status.state = .failed
                status.lastError = message
                retry = retryAfter.map { max($0, firstRetry) } ?? backOff(attempts: status.attempts)
            }
            state.statuses[key] = status
        }
        if case .failed(let message, _) = result {
            log.error("push_failed", ["account": key.account.value, "number": key.number.description, "provider": number.provider.name, "error": message])
        }
        if let retry {
            // A newer change may have re-enqueued the number meanwhile; keep its earlier due time.
            let key = key
            state.withLock { state in
                if state.schedule.entry(key) == nil {
                    state.schedule.schedule(key, Pending(due: .now + retry, previousHint: pending.previousHint))
                }
            }
        }
    }

    /// What the provider should bind the number to now (SPEC rule 6: only an active agent answers).
    func desiredBinding(_ number: PhoneNumber) -> String? {
        guard number.status == .active, let agentID = number.agentID,
            let agent = directory.agent(account: number.account, id: agentID), agent.spec.status == .active
        else { return nil }
        return agent.spec.providerAgentID
    }

    func backOff(attempts: Int) -> Duration {
        var delay = firstRetry
        for _ in 1..<max(1, attempts) where delay < maxRetry { delay = delay * 2 }
        return min(delay, maxRetry)
    }
}
