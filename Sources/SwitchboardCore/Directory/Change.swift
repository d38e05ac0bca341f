/// Every change the directory can make, as a value: the unit of the journal. A change is validated
/// whole before anything moves, and replaying the journal applies the same values through the same
/// code, so the state after recovery is the state that was acknowledged.
public enum Change: Hashable, Sendable {
    case createAccount(Account)
    case putProvider(ProviderConnection)
    case deleteProvider(account: AccountID, provider: Provider)
    case putAgent(AgentSpec, phone: PhoneChange)
    case deleteAgent(account: AccountID, id: AgentID)
    case assign(account: AccountID, number: E164, agent: AgentID)
    case unassign(account: AccountID, number: E164)
    case putNumber(NumberSpec, lastSyncedAt: Timestamp?)
    case sync(account: AccountID, provider: Provider, plan: SyncPlan, at: Timestamp)
}

/// Where the directory sends each change before applying it. `append` is called under the
/// directory's writer lock, in the order changes apply, and must not wait on the disk; the caller
/// then waits with `waitDurable` outside the lock, so concurrent writers share one fsync, or asks
/// to be told with `whenDurable` (see `Directory.deferringDurability`).
public protocol ChangeJournal: Sendable {
    /// Queues the change; returns a ticket for `waitDurable`. Throwing refuses the change.
    func append(_ change: Change) throws -> UInt64
    /// Returns once the change with this ticket is on disk; throws if it can never be.
    func waitDurable(_ ticket: UInt64) throws
    /// Calls `body` once, when the change with this ticket is on disk (nil) or can never be (the
    /// error `waitDurable` would throw). It may run on another thread and must not block.
    func whenDurable(_ ticket: UInt64, _ body: @escaping @Sendable ((any Error)?) -> Void)
}

extension ChangeJournal {
    /// For journals with nothing better: waits on the calling thread.
    public func whenDurable(_ ticket: UInt64, _ body: @escaping @Sendable ((any Error)?) -> Void) {
        do {
            try waitDurable(ticket)
            body(nil)
        } catch {
            body(error)
        }
    }
}

/// What applying a change did.
public enum ChangeEffect: Sendable {
    case account(Account)
    case provider(ProviderConnection)
    case providerDeleted
    case agent(AgentWrite)
    case agentDeleted(releasedNumber: E164?)
    case assignment(Assignment)
    case unassignment(Unassignment)
    case number(PhoneNumber)
    case sync(SyncReport)
}

/// The result of an assignment (SPEC §3 `assign` shape).
public struct Assignment: Hashable, Sendable {
    public var number: PhoneNumber
    /// The agent that had the number before, if another.
    public var previousAgentID: AgentID?
    /// The agent's former number, now back in the pool.
    public var releasedNumber: E164?
}

/// The result of an unassignment.
public struct Unassignment: Hashable, Sendable {
    public var number: PhoneNumber
    public var previousAgentID: AgentID?
}

/// The result of writing an agent from the agent editor.
public struct AgentWrite: Hashable, Sendable {
    public var agent: Agent
    public var created: Bool
    /// The agent that lost the number this agent was given, if any.
    public var previousAgentID: AgentID?
    /// This agent's former number, now back in the pool.
    public var releasedNumber: E164?
}
