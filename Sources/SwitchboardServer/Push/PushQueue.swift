public import SwitchboardCore
import SwitchboardPosix

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

/// Performs one push against the provider (the providers' clients, or a test double). It runs on
/// one of the queue's own threads and may block it for as long as the exchange takes.
public typealias NumberPusher = @Sendable (PushJob) -> PushResult

/// Keeps each provider's per-number agent binding in step with our assignments.
///
/// Every durable change that can move a number's agent enqueues the numbers it touched; a worker
/// reads what the binding should be NOW (the number's agent's provider id if the number is active,
/// assigned and its agent active; else none) and pushes that, so many quick changes collapse into
/// one push and pushes can never apply out of order. Up to `concurrency` numbers are pushed at once
/// (never one number twice at once), and the bookkeeping is O(log n) per change, so a burst of
/// thousands of reassignments drains at the providers' pace, not ours.
///
/// The pushes run on `concurrency` threads of the queue's own (`sb-push-N`), each taking the next
/// due number and pushing it with a blocking exchange. Why threads and not tasks: with a task per
/// push, a sleeper task and the transport's own queue, a push crossed about a dozen threads (task
/// group, cooperative pool, Dispatch queue and back), and at a thousand reassignments a second
/// those context switches were half of what a write cost the router. Here an enqueue wakes one
/// idle thread (after releasing the lock, so it does not wake into a held mutex), which blocks only
/// on the provider's socket. Failures are retried with
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

    private typealias Pending = PushSchedule<Key, PreviousBinding>.Entry

    private struct State {
        var statuses: [Key: Status] = [:]
        var schedule = PushSchedule<Key, PreviousBinding>()
        var stopped = false
        /// Push threads started and not yet ended.
        var threads = 0
    }

    let directory: Directory
    private let pusher: NumberPusher
    private let clock: @Sendable () -> Timestamp
    private let state = Guarded(State())
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

    /// Starts watching the directory's changes and the threads that push them.
    public func start() throws {
        directory.observe { [weak self] change, effect in self?.changed(change, effect) }
        for number in 0..<concurrency {
            state.withLock { $0.threads += 1 }
            do {
                try PosixThread.spawn(name: "sb-push-\(number)") { [self] in work() }
            } catch {
                state.withLockNotifying { $0.threads -= 1 }
                stop()
                throw error
            }
        }
    }

    /// Stops the threads after the pushes in progress, if any; returns at once.
    public func stop() {
        state.withLockNotifying { $0.stopped = true }
    }

    /// Waits (at most `timeout`) until every push thread has ended, after `stop`; whether they had.
    @discardableResult
    public func waitStopped(timeout: Duration = .seconds(30)) -> Bool {
        state.wait(until: { $0.threads == 0 }, timeout: timeout) { _, ended in ended }
    }

    /// The push status of a number, if a change ever touched it.
    public func status(account: AccountID, number: E164) -> Status? {
        state.withLock { $0.statuses[Key(account: account, number: number)] }
    }

    /// Whether nothing is waiting to be pushed or being pushed (for tests and the demo).
    public var isIdle: Bool { state.withLock { $0.schedule.isEmpty } }

    // MARK: Enqueueing

    /// The directory's observer. It runs once a change is durable, possibly on the journal's
    /// flusher thread, so it must not take the directory's lock (a compaction holds that lock while
    /// it waits for the flusher): it only reads the change and its effect, and leaves the look-up
    /// of a previous agent's provider id to the push.
    func changed(_ change: Change, _ effect: ChangeEffect) {
        for (account, number, previous) in PushQueue.touched(change, effect) {
            enqueue(account: account, number: number, previousHint: previous)
        }
    }

    /// What a number was bound to before a change: a provider agent the change itself names, or
    /// one of our agents, whose provider agent id the push looks up.
    enum PreviousBinding: Equatable, Sendable {
        case providerAgent(String)
        case agent(AgentID)
    }

    /// The numbers whose binding `change` may have moved, with what each was bound to before when
    /// the change says so.
    static func touched(_ change: Change, _ effect: ChangeEffect) -> [(AccountID, E164, PreviousBinding?)] {
        switch effect {
        case .assignment(let result):
            let account = result.number.account
            var touched = [(account, result.number.number, result.previousAgentID.map(PreviousBinding.agent))]
            if let released = result.releasedNumber { touched.append((account, released, result.number.agentID.map(PreviousBinding.agent))) }
            return touched
        case .unassignment(let result):
            return [(result.number.account, result.number.number, result.previousAgentID.map(PreviousBinding.agent))]
        case .agent(let write):
            let account = write.agent.spec.account
            var touched: [(AccountID, E164, PreviousBinding?)] = []
            if let number = write.agent.phoneNumber { touched.append((account, number, write.previousAgentID.map(PreviousBinding.agent))) }
            if let released = write.releasedNumber { touched.append((account, released, .providerAgent(write.agent.spec.providerAgentID))) }
            return touched
        case .agentDeleted(let released):
            guard case .deleteAgent(let account, _) = change, let released else { return [] }
            return [(account, released, nil)]
        case .account, .provider, .providerDeleted, .number, .sync:
            // Sync only unassigns numbers the provider no longer has: nothing to push to.
            return []
        }
    }

    func enqueue(account: AccountID, number: E164, previousHint: PreviousBinding?, after delay: Duration = .zero) {
        let key = Key(account: account, number: number)
        // Wakes one idle push thread, if any; a busy one looks at the schedule when it is done.
        state.withLockNotifying(all: false) { state in
            let hint = state.schedule.entry(key)?.previousHint ?? previousHint
            state.schedule.schedule(key, Pending(due: .now + delay, previousHint: hint))
            var status = state.statuses[key] ?? Status(state: .pending)
            status.state = .pending
            status.attempts = delay == .zero ? 0 : status.attempts
            state.statuses[key] = status
        }
    }

    // MARK: The push threads

    /// One push thread: takes the next due number (sleeping until one is due, an enqueue wakes it,
    /// or a second has passed), pushes it, and again, until the queue stops. A push in progress
    /// when the queue stops is finished; nothing new starts.
    ///
    /// Two acquisitions of the queue's lock per push, one to take and one to finish: with eight
    /// threads and the enqueuing one on two cores, every extra acquisition was a chance to block on
    /// the mutex, and each such wait a futex call and two context switches.
    private func work() {
        while let (key, pending, known) = nextDue() {
            let outcome = push(key, pending, known: known)
            finish(key, pending, outcome)
        }
        state.withLockNotifying { $0.threads -= 1 }
    }

    /// The next due number and the binding the provider is known to have for it (only this push
    /// can change that while the number is in flight), or nil once the queue stops.
    private func nextDue() -> (Key, Pending, known: String??)? {
        state.withLockWaiting { state in
            if state.stopped { return .done(nil) }
            let now = MonotonicInstant.now
            if let (key, pending) = state.schedule.takeNextDue(now: now) {
                return .done((key, pending, state.statuses[key]?.pushedProviderAgentID))
            }
            return .wait(state.schedule.earliestDue().map { min(max(now.duration(to: $0), .zero), .seconds(1)) } ?? .seconds(1))
        }
    }

    /// What a push thread did with a number, for `finish` to record.
    private enum Outcome {
        /// Nothing to push; the number's status becomes this (nil: left as it is).
        case skipped(Status.State?)
        /// Pushed `desired` at `at`, with this result.
        case pushed(desired: String?, result: PushResult, at: Timestamp)
    }

    private func push(_ key: Key, _ pending: Pending, known: String??) -> Outcome {
        guard let number = directory.number(account: key.account, number: key.number) else { return .skipped(nil) }
        guard let connection = directory.connection(account: key.account, provider: number.provider) else { return .skipped(.notConnected) }
        // Inactive numbers are ones the provider no longer lists: nothing to push to.
        guard number.status == .active else { return .skipped(.ok) }
        let desired = desiredBinding(number)
        if let known, known == desired { return .skipped(.ok) }
        let previous: String? = known.flatMap { $0 } ?? previousProviderAgent(account: key.account, pending.previousHint)
        let job = PushJob(
            connection: connection, number: number.number, providerNumberID: number.providerNumberID,
            previousProviderAgentID: previous, providerAgentID: desired)
        let result = pusher(job)
        let now = clock()
        if case .failed(let message, _) = result {
            log.error("push_failed", ["account": key.account.value, "number": key.number.description, "provider": number.provider.name, "error": message])
        }
        return .pushed(desired: desired, result: result, at: now)
    }

    /// Records a push's outcome, schedules its retry, and lets a change that came meanwhile start.
    private func finish(_ key: Key, _ pending: Pending, _ outcome: Outcome) {
        state.withLock { state in
            switch outcome {
            case .skipped(let newState):
                if let newState { state.statuses[key]?.state = newState }
            case .pushed(let desired, let result, let now):
                var status = state.statuses[key] ?? Status(state: .pending)
                status.attempts += 1
                status.lastAttemptAt = now
                var retry: Duration?
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
                // A newer change may have re-enqueued the number meanwhile; keep its earlier due time.
                if let retry, state.schedule.entry(key) == nil {
                    state.schedule.schedule(key, Pending(due: .now + retry, previousHint: pending.previousHint))
                }
            }
            state.schedule.finished(key)
        }
    }

    /// The provider agent a number's previous binding names (an agent's as it is now).
    private func previousProviderAgent(account: AccountID, _ binding: PreviousBinding?) -> String? {
        switch binding {
        case .providerAgent(let id): id
        case .agent(let id): directory.agent(account: account, id: id)?.spec.providerAgentID
        case nil: nil
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
