import Dispatch

/// A number with everything the snapshot keeps of it.
public struct NumberImage: Hashable, Sendable {
    public var spec: NumberSpec
    public var lastSyncedAt: Timestamp?

    public init(spec: NumberSpec, lastSyncedAt: Timestamp?) {
        self.spec = spec
        self.lastSyncedAt = lastSyncedAt
    }
}

/// The whole directory as plain values, in a fixed order (accounts in creation order; then
/// connections, agents and numbers account by account, sorted): what snapshots and exports hold, so
/// export → import → export is the identity.
public struct DirectoryImage: Hashable, Sendable {
    public var accounts: [Account] = []
    public var connections: [ProviderConnection] = []
    public var agents: [AgentSpec] = []
    public var numbers: [NumberImage] = []

    public init(accounts: [Account] = [], connections: [ProviderConnection] = [], agents: [AgentSpec] = [], numbers: [NumberImage] = []) {
        self.accounts = accounts
        self.connections = connections
        self.agents = agents
        self.numbers = numbers
    }
}

extension Directory {
    /// The state at one instant (taken under the writer lock).
    public func image() -> DirectoryImage {
        state.withLock { state in DirectoryState.image(of: &state, index: index) }
    }

    /// Runs `body` and takes the image in one hold of the writer lock, so no change applies between
    /// them: compaction rotates the journal in `body`, and the image is exactly the state at the
    /// rotation point.
    public func image(afterRunning body: () throws -> Void) rethrows -> DirectoryImage {
        try state.withLock { state in
            try body()
            return DirectoryState.image(of: &state, index: index)
        }
    }
}

extension DirectoryState {
    static func image(of state: inout DirectoryState, index: RoutingIndex) -> DirectoryImage {
        do {
            var image = DirectoryImage()
            image.accounts = state.accounts
            image.numbers.reserveCapacity(state.cold.count)
            for (slot, account) in state.accounts.enumerated() {
                let slot = UInt32(slot)
                for provider in Provider.allCases.sorted() {
                    if let connection = state.connections[RoutingIndex.connectionKey(account: slot, provider: provider)] {
                        image.connections.append(connection)
                    }
                }
                for id in DirectoryState.AgentList.ids(slot: slot, index: index) {
                    if let entry = index.agentEntry(account: slot, id: id) { image.agents.append(entry.record.spec(account: account.id)) }
                }
                for key in state.numberLists[Int(slot)].sortedKeys() {
                    guard let numberSlot = index.numberSlot(key) else { continue }
                    let number = state.phoneNumber(numberSlot)
                    image.numbers.append(
                        NumberImage(
                            spec: NumberSpec(
                                account: account.id, number: number.number, provider: number.provider,
                                providerNumberID: number.providerNumberID, status: number.status, agentID: number.agentID
                            ),
                            lastSyncedAt: number.lastSyncedAt
                        )
                    )
                }
            }
            return image
        }
    }
}

extension Directory {
    /// A directory holding `image`, every record checked by the rules of SPEC §2 as if applied one by
    /// one. Numbers (the bulk) skip the per-change overhead: tables are sized once and each
    /// number takes one small transaction. The error names the record (`recordIndex` counts accounts, connections, agents, then
    /// numbers, from 0).
    public static func load(_ image: DirectoryImage, journal: (any ChangeJournal)? = nil) throws(ImageError) -> Directory {
        let directory = Directory(journal: journal)
        var position = 0
        do {
            try directory.state.withLock { state throws(DirectoryError) in
                try state.loadAccountsAndConnections(image.accounts, image.connections, index: directory.index, position: &position)
                try state.bulkLoadAgents(image.agents, index: directory.index, position: &position)
                try state.bulkLoadNumbers(image.numbers, index: directory.index, position: &position)
            }
        } catch {
            throw ImageError(recordIndex: position, error: error)
        }
        return directory
    }
}

extension DirectoryState {
    /// The first records of a load, each applied as a change; `position` counts them. An
    /// account's slot is its position among the accounts, which packed records rely on.
    mutating func loadAccountsAndConnections(
        _ accounts: [Account], _ connections: [ProviderConnection], index: RoutingIndex, position: inout Int
    ) throws(DirectoryError) {
        for account in accounts {
            try applyUnjournaled(.createAccount(account), index: index)
            guard slots[account.id] == UInt32(position) else {
                throw DirectoryError(.invalidField, "account '\(account.id)' did not take slot \(position)")
            }
            position += 1
        }
        for connection in connections {
            try applyUnjournaled(.putProvider(connection), index: index)
            position += 1
        }
    }
}

/// A record of an image that breaks a rule.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Position of the record: accounts, then connections, agents, numbers, counted from 0.
    public var recordIndex: Int
    public var error: DirectoryError

    public var description: String { "record \(recordIndex + 1): \(error)" }
}
