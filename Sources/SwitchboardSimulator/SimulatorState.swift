import Foundation
import SwitchboardCore
import SwitchboardHTTP

/// Everything the simulator knows, behind one lock: accounts and their numbers, armed faults and
/// the records of what clients did. Each operation holds the lock briefly and copies out what it
/// needs; rendering answers happens outside.
final class SimulatorState: Sendable {
    struct AccountKey: Hashable, Sendable {
        let provider: Provider
        let apiKey: String
    }

    struct Store: Sendable {
        var accounts: [AccountKey: AccountBook] = [:]
        /// In arming order; a request takes the first rule armed on its endpoint.
        var faults: [FaultRule] = []
        var requests: BoundedLog<RecordedRequest>
        var calls: BoundedLog<SimulatedCall>
        var changes: BoundedLog<NumberChange>
        var sequence = 0
        /// The last creation or update time handed out, so times are strictly increasing.
        var lastMillis: Int64 = 0

        /// Now in Unix ms, after every time handed out before.
        mutating func nextMillis() -> Int64 {
            lastMillis = max(SimulatorState.wallClockMillis(), lastMillis + 1)
            return lastMillis
        }
    }

    let store: Locked<Store>

    init(recordLimit: Int) {
        store = Locked(
            Store(
                requests: BoundedLog(limit: recordLimit), calls: BoundedLog(limit: recordLimit),
                changes: BoundedLog(limit: recordLimit)))
    }

    static func wallClockMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    // MARK: - Accounts and numbers

    func createAccount(_ account: SimulatorAccount) throws(SimulatorError) {
        try SimulatorAccount.validate(credential: account.apiKey, field: "api_key")
        if let secret = account.webhookSecret {
            try SimulatorAccount.validate(credential: secret, field: "webhook_secret")
        }
        let key = AccountKey(provider: account.provider, apiKey: account.apiKey)
        try store.withLock { (store: inout Store) throws(SimulatorError) in
            guard store.accounts[key] == nil else {
                throw .conflict("a \(account.provider) account with this API key exists already: use another key")
            }
            store.accounts[key] = AccountBook(account: account)
        }
    }

    func removeAccount(provider: Provider, apiKey: String) throws(SimulatorError) {
        try store.withLock { (store: inout Store) throws(SimulatorError) in
            guard store.accounts.removeValue(forKey: AccountKey(provider: provider, apiKey: apiKey)) != nil else {
                throw Self.noAccount(provider)
            }
        }
    }

    func accounts() -> [(account: SimulatorAccount, numbers: Int)] {
        store.withLock { store in
            store.accounts.values.map { ($0.account, $0.count) }
        }.sorted { ($0.account.provider, $0.account.apiKey) < ($1.account.provider, $1.account.apiKey) }
    }

    func account(provider: Provider, apiKey: String) -> SimulatorAccount? {
        store.withLock { $0.accounts[AccountKey(provider: provider, apiKey: apiKey)]?.account }
    }

    /// Runs `body` on the account's book under the lock.
    func withAccount<Value>(
        provider: Provider, apiKey: String, _ body: (inout AccountBook, inout Store) throws(SimulatorError) -> Value
    ) throws(SimulatorError) -> Value {
        try store.withLock { (store: inout Store) throws(SimulatorError) -> Value in
            // The accounts are taken out of the store and put back (moves, not copies), so the
            // book is mutated in place, uniquely referenced, with one hash of the key, while
            // `body` has the rest of the store. `body` never sees the accounts (it did not see
            // this book before either: it was removed for the call).
            var accounts = store.accounts
            store.accounts = [:]
            defer { store.accounts = accounts }
            guard let index = accounts.index(forKey: AccountKey(provider: provider, apiKey: apiKey)) else {
                throw Self.noAccount(provider)
            }
            return try body(&accounts.values[index], &store)
        }
    }

    func addNumbers(_ batch: [SimulatedNumber], provider: Provider, apiKey: String) throws(SimulatorError) -> [SimulatedNumber] {
        try withAccount(provider: provider, apiKey: apiKey) { (book, store) throws(SimulatorError) in
            try book.add(batch) { store.nextMillis() }
        }
    }

    static func noAccount(_ provider: Provider) -> SimulatorError {
        .notFound("no \(provider) account has this API key: create the account first")
    }

    // MARK: - Faults

    func arm(_ fault: SimulatorFault, on endpoint: SimulatorEndpoint, count: Int?, after: Int = 0) throws(SimulatorError) {
        try fault.validate(for: endpoint)
        if let count, count < 1 || count > 1_000_000 {
            throw .invalid("count must be from 1 to 1000000 requests, or absent for until cleared; got \(count)")
        }
        guard (0...1_000_000).contains(after) else {
            throw .invalid("after must be from 0 to 1000000 requests (how many to answer normally first); got \(after)")
        }
        store.withLock { $0.faults.append(FaultRule(endpoint: endpoint, fault: fault, remaining: count, after: after)) }
    }

    func clearFaults(on endpoint: SimulatorEndpoint?) {
        store.withLock { store in
            store.faults.removeAll { endpoint == nil || $0.endpoint == endpoint }
        }
    }

    func faults() -> [FaultRule] {
        store.withLock { $0.faults }
    }

    /// The fault for a request to `endpoint`, used up by one: the first rule armed on it that is
    /// due. Rules still waiting (`after`) count the request. A repeated-cursor fault waits for a
    /// request that carries a cursor (`hasCursor`).
    func takeFault(for endpoint: SimulatorEndpoint, hasCursor: Bool) -> SimulatorFault? {
        store.withLock { store in
            func applies(_ rule: FaultRule) -> Bool { rule.endpoint == endpoint && (rule.fault != .repeatedCursor || hasCursor) }
            let due = store.faults.firstIndex { applies($0) && $0.after == 0 }
            for index in store.faults.indices where applies(store.faults[index]) && store.faults[index].after > 0 {
                store.faults[index].after -= 1
            }
            guard let index = due else { return nil }
            let fault = store.faults[index].fault
            if let remaining = store.faults[index].remaining {
                if remaining <= 1 {
                    store.faults.remove(at: index)
                } else {
                    store.faults[index].remaining = remaining - 1
                }
            }
            return fault
        }
    }

    // MARK: - Records

    func nextSequence() -> Int {
        store.withLock { store in
            store.sequence += 1
            return store.sequence
        }
    }

    func record(_ request: RecordedRequest) {
        store.withLock { $0.requests.append(request) }
    }

    func requests() -> [RecordedRequest] { store.withLock { $0.requests.items } }
    func calls() -> [SimulatedCall] { store.withLock { $0.calls.items } }
    func changes() -> [NumberChange] { store.withLock { $0.changes.items } }

    /// How many records of each kind were dropped to stay within the limit.
    func droppedRecords() -> (requests: Int, calls: Int, changes: Int) {
        store.withLock { ($0.requests.dropped, $0.calls.dropped, $0.changes.dropped) }
    }

    func resetRecords() {
        store.withLock { store in
            store.requests.removeAll()
            store.calls.removeAll()
            store.changes.removeAll()
        }
    }

    /// Back to a fresh simulator: no accounts, faults or records.
    func reset() {
        store.withLock { store in
            store.accounts = [:]
            store.faults = []
            store.requests.removeAll()
            store.calls.removeAll()
            store.changes.removeAll()
        }
    }
}
