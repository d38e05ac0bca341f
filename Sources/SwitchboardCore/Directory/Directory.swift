/// Accounts, provider connections, agents and numbers, and every rule of SPEC §2 as operations that
/// apply whole or change nothing.
///
/// Writes are serialised by one mutex (`state`); inside it a change is validated in full, handed to
/// the journal, and only then applied to the state and the index. Reads of the hot path go to
/// `index` and never take this mutex.
public final class Directory: Sendable {
    public let index: RoutingIndex
    let state: Locked<DirectoryState>
    private let journal: (any ChangeJournal)?
    /// Told of every change once it is durable (push to providers, say); set once.
    ///
    /// Boxed in a class: a function stored directly as a `Locked` value was re-abstracted on every
    /// `withLock` (a thunk wrapped around the previous one, written back through the `inout`), so
    /// after some thousands of changes calling it overflowed the stack.
    private let observer = Locked<Observer?>(nil)

    private final class Observer: Sendable {
        let body: @Sendable (Change, ChangeEffect) -> Void

        init(_ body: @escaping @Sendable (Change, ChangeEffect) -> Void) {
            self.body = body
        }
    }

    public init(journal: (any ChangeJournal)? = nil) {
        self.index = RoutingIndex()
        self.state = Locked(DirectoryState())
        self.journal = journal
    }

    /// Applies `change` and returns once it is durable (when there is a journal): the return is the
    /// acknowledgement; inside `Directory.deferringDurability`, it returns once journaled, and the
    /// deferral says when it is durable. The change is visible to readers from the moment it applies, a moment before
    /// its fsync completes, so that readers never wait for the disk.
    ///
    /// If the journal cannot make it durable this throws, and the change stays applied in memory
    /// (undoing it could undo a later change that depends on it): the journal's owner must then
    /// stop the process, whose restart recovers from disk (`Store.onJournalFailure`).
    @discardableResult
    public func apply(_ change: Change) throws -> ChangeEffect {
        var ticket: UInt64?
        let effect = try state.withLock { state in
            try state.apply(change, index: index) {
                if let journal { ticket = try journal.append(change) }
            }
        }
        if let ticket, let journal {
            if let pending = PendingDurability.current {
                pending.record(ticket: ticket, journal: journal, directory: self, change: change, effect: effect)
                return effect
            }
            try journal.waitDurable(ticket)
        }
        notify(change, effect)
        return effect
    }

    /// Calls `body` after every change applied from now on, once it is durable, on the thread that
    /// made the change, or for a deferred change on the thread that learnt it is durable (the
    /// journal's flusher): `body` must not block. Replay and bulk load are not changes (they
    /// rebuild what was). Replaces an earlier observer.
    public func observe(_ body: @escaping @Sendable (Change, ChangeEffect) -> Void) {
        let boxed = Observer(body)
        observer.withLock { $0 = boxed }
    }

    func notify(_ change: Change, _ effect: ChangeEffect) {
        observer.withLock { $0 }?.body(change, effect)
    }

    /// Applies a change read back from the journal: same validation, nothing journaled.
    public func replay(_ change: Change) throws(DirectoryError) {
        try state.withLock { state throws(DirectoryError) in try state.applyUnjournaled(change, index: index) }
    }

    // MARK: Operations (each one `Change`)

    public func createAccount(id: AccountID, name: String, tokenSHA256: String? = nil) throws -> Account {
        guard case .account(let account) = try apply(.createAccount(Account(id: id, name: name, tokenSHA256: tokenSHA256))) else {
            preconditionFailure("createAccount applies as an account")
        }
        return account
    }

    @discardableResult
    public func putProvider(_ connection: ProviderConnection) throws -> ProviderConnection {
        guard case .provider(let stored) = try apply(.putProvider(connection)) else { preconditionFailure("putProvider") }
        return stored
    }

    public func deleteProvider(account: AccountID, provider: Provider) throws {
        try apply(.deleteProvider(account: account, provider: provider))
    }

    @discardableResult
    public func putAgent(_ spec: AgentSpec, phone: PhoneChange = .keep) throws -> AgentWrite {
        guard case .agent(let write) = try apply(.putAgent(spec, phone: phone)) else { preconditionFailure("putAgent") }
        return write
    }

    /// Deletes an agent; its number, if any, returns to the pool. Returns that number.
    @discardableResult
    public func deleteAgent(account: AccountID, id: AgentID) throws -> E164? {
        guard case .agentDeleted(let released) = try apply(.deleteAgent(account: account, id: id)) else {
            preconditionFailure("deleteAgent")
        }
        return released
    }

    @discardableResult
    public func assign(account: AccountID, number: E164, agent: AgentID) throws -> Assignment {
        guard case .assignment(let result) = try apply(.assign(account: account, number: number, agent: agent)) else {
            preconditionFailure("assign")
        }
        return result
    }

    @discardableResult
    public func unassign(account: AccountID, number: E164) throws -> Unassignment {
        guard case .unassignment(let result) = try apply(.unassign(account: account, number: number)) else {
            preconditionFailure("unassign")
        }
        return result
    }

    /// Adds a number that does not exist yet (import, seeding), with its assignment.
    @discardableResult
    public func putNumber(_ spec: NumberSpec, lastSyncedAt: Timestamp? = nil) throws -> PhoneNumber {
        guard case .number(let number) = try apply(.putNumber(spec, lastSyncedAt: lastSyncedAt)) else {
            preconditionFailure("putNumber")
        }
        return number
    }

    /// Rule 9: reconciles the account's numbers at `provider` with the provider's complete listing.
    /// The plan is computed and applied under one hold of the writer lock, so nothing slips between.
    /// Durability and failure as for `apply`.
    public func sync(account: AccountID, provider: Provider, listing: [ListedNumber], at: Timestamp) throws -> SyncReport {
        var ticket: UInt64?
        var applied: Change?
        let report = try state.withLock { state -> SyncReport in
            let plan = try state.syncPlan(account: account, provider: provider, listing: listing, index: index)
            let change = Change.sync(account: account, provider: provider, plan: plan, at: at)
            applied = change
            guard case .sync(let report) = try state.apply(change, index: index, record: {
                if let journal { ticket = try journal.append(change) }
            }) else { preconditionFailure("sync") }
            return report
        }
        if let ticket, let journal { try journal.waitDurable(ticket) }
        if let applied { notify(applied, .sync(report)) }
        return report
    }
}
