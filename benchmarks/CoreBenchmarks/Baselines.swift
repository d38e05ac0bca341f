import BenchmarkSupport
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SwitchboardCore

// The naive designs the index must beat, measured in the same run: plain `Dictionary`s behind ONE
// lock, answering with exactly the same decision logic as `RoutingIndex+Decisions.swift`.

/// Answers "a call reached number N through provider P for account A: which agent?"
protocol InboundRouter: Sendable {
    func inbound(_ number: E164, account: UInt32, provider: Provider) -> InboundDecision
}

/// Answers "agent A calls out: which caller ID?"
protocol CallerIDChooser: Sendable {
    func callerID(account: UInt32, agentID: String, explicit: E164?) -> CallerIDDecision
}

struct IndexRouter: InboundRouter, CallerIDChooser {
    let index: RoutingIndex

    @inline(__always)
    func inbound(_ number: E164, account: UInt32, provider: Provider) -> InboundDecision {
        index.inbound(number, account: account, provider: provider)
    }

    @inline(__always)
    func callerID(account: UInt32, agentID: String, explicit: E164?) -> CallerIDDecision {
        index.callerID(account: account, agentID: agentID, explicit: explicit)
    }
}

// MARK: One lock

/// One lock around one value. Both kinds are a class holding the lock, as a server would share it.
protocol BaselineLock<Value>: Sendable {
    associatedtype Value
    func locked<Result: Sendable>(_ body: (inout Value) -> Result) -> Result
}

/// `Synchronization.Mutex`: the natural "plain Dictionary under one Mutex".
final class MutexLock<Value>: BaselineLock {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) { mutex = Mutex(value) }

    @inline(__always)
    func locked<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { value in body(&value) }
    }
}

/// A pthread mutex, as the index's shards use, in this module so that the compiler specialises and
/// inlines it as it does `Mutex`: the lock-for-lock comparison with the index.
///
/// `@unchecked Sendable`: `value` is read and written only between `pthread_mutex_lock` and
/// `pthread_mutex_unlock` of `mutex`, which lives in memory allocated once and never moved.
final class PthreadLock<Value>: BaselineLock, @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// `@exclusivity(unchecked)`: the mutex already makes accesses exclusive; the dynamic check (a
    /// `swift_beginAccess` runtime call per access, as `Mutex` avoids) would only slow the baseline.
    @exclusivity(unchecked) private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func locked<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&value)
    }
}

/// `Locked` from SwitchboardCore, as another module calls it: a pthread mutex behind a generic
/// `withLock` that is not `@inlinable`, so it runs unspecialised with the closure behind a thunk.
extension Locked: BaselineLock {
    @inline(__always)
    func locked<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        withLock(body)
    }
}

// MARK: Inbound baseline

/// What the baseline keeps per number: the same facts as the index's `NumberSlot`.
struct BaselineNumber {
    var agent: AgentRecord?
    var account: UInt32
    var provider: Provider
    var active: Bool
}

/// `[UInt64: BaselineNumber]` under one lock; the decision of `RoutingIndex.inbound`, step by step.
struct DictionaryRouter<Lock: BaselineLock>: InboundRouter where Lock.Value == [UInt64: BaselineNumber] {
    let table: Lock

    @inline(__always)
    func inbound(_ number: E164, account: UInt32, provider: Provider) -> InboundDecision {
        table.locked { table in
            guard let slot = table[number.key] else { return .refused(.unknownNumber) }
            guard slot.account == account, slot.provider == provider else { return .refused(.unknownNumber) }
            guard slot.active else { return .refused(.numberInactive) }
            guard let agent = slot.agent else { return .refused(.unassigned) }
            guard agent.isActive else { return .refused(.agentInactive) }
            return .routed(agent)
        }
    }
}

// MARK: Caller-ID baseline

struct BaselineAgent {
    var record: AgentRecord
    var account: UInt32
    /// The agent's number's key, 0 for none.
    var number: UInt64
}

/// Everything the caller-ID choice reads, in plain dictionaries under one lock.
struct CallerIDTables {
    var agents: [String: BaselineAgent] = [:]
    var numbers: [UInt64: BaselineNumber] = [:]
    /// `account << 8 | provider` → default caller ID key (as `RoutingIndex.connectionKey`).
    var defaults: [UInt64: UInt64] = [:]
}

/// The decision of `RoutingIndex.callerID`, step by step, over `CallerIDTables` under one lock.
struct DictionaryCallerID<Lock: BaselineLock>: CallerIDChooser where Lock.Value == CallerIDTables {
    let tables: Lock

    @inline(__always)
    func callerID(account: UInt32, agentID: String, explicit: E164?) -> CallerIDDecision {
        tables.locked { tables in
            guard let agent = tables.agents[agentID], agent.account == account else { return .refused(.unknownAgent) }
            guard let explicit else {
                if agent.number != 0, let number = E164(key: agent.number) {
                    return .chosen(number, source: .assigned, agent: agent.record)
                }
                let connection = UInt64(account) << 8 | UInt64(agent.record.provider.rawValue)
                if let fallback = tables.defaults[connection], let number = E164(key: fallback) {
                    return .chosen(number, source: .default, agent: agent.record)
                }
                return .refused(.noCallerID)
            }
            guard let slot = tables.numbers[explicit.key], slot.account == account else { return .refused(.unknownNumber) }
            guard slot.provider == agent.record.provider else { return .refused(.providerMismatch) }
            guard slot.active else { return .refused(.numberInactive) }
            return .chosen(explicit, source: .explicit, agent: agent.record)
        }
    }
}

// MARK: Building the baselines from a loaded directory

/// The baselines' contents, holding the very `AgentRecord` objects the index holds (so both hand
/// out the same references, with the same retain cost).
struct BaselineContents {
    var numbers: [UInt64: BaselineNumber]
    var callerID: CallerIDTables

    init(_ generated: GeneratedDirectory, directory: Directory, account: UInt32) {
        // The records are internal to SwitchboardCore: ask the index for them (every agent has a
        // caller ID: its number or its provider's default).
        let records = generated.agentIDs.map { id -> AgentRecord in
            guard case .chosen(_, _, let record) = directory.index.callerID(account: account, agentID: id, explicit: nil) else {
                fatalError("agent \(id) has no caller ID in the generated directory")
            }
            return record
        }
        numbers = Dictionary(minimumCapacity: generated.numbers.count)
        for number in generated.numbers {
            numbers[number.key] = BaselineNumber(
                agent: number.agent >= 0 ? records[Int(number.agent)] : nil, account: account, provider: number.provider,
                active: number.active
            )
        }
        callerID = CallerIDTables()
        callerID.numbers = numbers
        callerID.agents = Dictionary(minimumCapacity: records.count)
        for (position, id) in generated.agentIDs.enumerated() {
            callerID.agents[id] = BaselineAgent(record: records[position], account: account, number: generated.agentNumbers[position])
        }
        for (provider, number) in generated.defaults {
            callerID.defaults[UInt64(account) << 8 | UInt64(provider.rawValue)] = number.key
        }
    }
}

// MARK: Checking that index and baseline decide alike

extension InboundDecision {
    func same(as other: InboundDecision) -> Bool {
        switch (self, other) {
        case (.routed(let a), .routed(let b)): a === b
        case (.refused(let a), .refused(let b)): a == b
        default: false
        }
    }

    /// A number summing up the decision, for checksums.
    @inline(__always)
    var digest: UInt64 {
        switch self {
        case .routed: 1
        case .refused(let reason): UInt64(reason.rawValue + 2) << 20
        }
    }
}

extension CallerIDDecision {
    func same(as other: CallerIDDecision) -> Bool {
        switch (self, other) {
        case (.chosen(let n1, let s1, let a1), .chosen(let n2, let s2, let a2)): n1 == n2 && s1 == s2 && a1 === a2
        case (.refused(let a), .refused(let b)): a == b
        default: false
        }
    }

    @inline(__always)
    var digest: UInt64 {
        switch self {
        case .chosen(let number, let source, _): number.key &+ UInt64(source.rawValue)
        case .refused(let reason): UInt64(reason.rawValue) << 56
        }
    }
}
