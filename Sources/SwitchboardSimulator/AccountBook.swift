import Foundation
import SwitchboardCore

/// One simulated account's numbers, with the orders its provider lists them in.
///
/// Both orders are cached sorted arrays, rebuilt only after a number is added or removed, so a
/// listing of a large account (load tests hold a million numbers) costs a binary search and one
/// page, not a sort per request.
struct AccountBook: Sendable {
    let account: SimulatorAccount
    private(set) var numbers: [E164: SimulatedNumber] = [:]
    /// Vapi: number id → number.
    private var ids: [String: E164] = [:]
    /// Numbers in E.164 string order (Retell and Bland listings).
    private var byNumber: [E164]? = []
    /// Numbers by `createdAtMillis`, oldest first (Vapi listings).
    private var byCreation: [E164]? = []

    init(account: SimulatorAccount) {
        self.account = account
    }

    var count: Int { numbers.count }

    /// Adds numbers, all or none: a number already here refuses the whole batch.
    /// `createdAt` gives each its creation time, strictly increasing.
    mutating func add(_ batch: [SimulatedNumber], createdAt: () -> Int64) throws(SimulatorError) -> [SimulatedNumber] {
        var seen = Set<E164>()
        for entry in batch {
            guard numbers[entry.number] == nil, seen.insert(entry.number).inserted else {
                throw .conflict("\(entry.number) is already a number of this \(account.provider) account: remove it first or add another")
            }
            if account.provider == .vapi, let requested = entry.requestedVapiID, ids[requested] != nil {
                throw .conflict("Vapi number id \(requested) is taken in this account: give another")
            }
        }
        var added: [SimulatedNumber] = []
        added.reserveCapacity(batch.count)
        for var entry in batch {
            entry.createdAtMillis = createdAt()
            entry.updatedAtMillis = entry.createdAtMillis
            entry.id = account.provider == .vapi ? (entry.requestedVapiID ?? UUID().uuidString.lowercased()) : entry.number.description
            numbers[entry.number] = entry
            if account.provider == .vapi { ids[entry.id] = entry.number }
            added.append(entry)
        }
        byNumber = nil
        byCreation = nil
        return added
    }

    mutating func remove(_ number: E164) throws(SimulatorError) {
        guard let removed = numbers.removeValue(forKey: number) else {
            throw .notFound("\(number) is not a number of this \(account.provider) account")
        }
        ids[removed.id] = nil
        byNumber = nil
        byCreation = nil
    }

    func number(withID id: String) -> SimulatedNumber? {
        ids[id].flatMap { numbers[$0] }
    }

    /// Replaces a number's settings (the caller changed fields other than identity and times).
    mutating func update(_ number: SimulatedNumber) {
        let replaced = numbers.updateValue(number, forKey: number.number)
        precondition(replaced != nil, "update of a number that is not here")
    }

    mutating func sortedByNumber() -> [E164] {
        if let byNumber { return byNumber }
        let sorted = numbers.keys.sorted()
        byNumber = sorted
        return sorted
    }

    mutating func sortedByCreation() -> [E164] {
        if let byCreation { return byCreation }
        let sorted = numbers.values.sorted { ($0.createdAtMillis, $0.number) < ($1.createdAtMillis, $1.number) }.map(\.number)
        byCreation = sorted
        return sorted
    }
}
