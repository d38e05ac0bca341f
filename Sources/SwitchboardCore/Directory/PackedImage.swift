/// A number as start-up reads it from a snapshot: its account as a slot (the account's position in
/// the image) instead of an id string, the provider's id only when it is not the number itself, and
/// the sync time as stored.
public struct StoredNumber: Sendable, Hashable {
    /// `E164.key`: the reader makes a `StoredNumber` only of a valid key.
    public var key: UInt64
    public var accountSlot: UInt32
    public var provider: Provider
    public var status: Status
    /// The provider's id for the number; nil when it is the number itself.
    public var providerNumberID: String?
    /// The assigned agent's id, or nil.
    public var agentID: String?
    /// Milliseconds since the epoch; `Int64.min` for never.
    public var lastSyncedAt: Int64

    public init(
        key: UInt64, accountSlot: UInt32, provider: Provider, status: Status, providerNumberID: String?, agentID: String?,
        lastSyncedAt: Int64
    ) {
        self.key = key
        self.accountSlot = accountSlot
        self.provider = provider
        self.status = status
        self.providerNumberID = providerNumberID
        self.agentID = agentID
        self.lastSyncedAt = lastSyncedAt
    }
}

/// The directory as start-up reads it from a snapshot, in the form the index keeps: agents already
/// packed into their records (each made by `AgentRecord.stored`, its `accountSlot` the position of
/// its account in `accounts`), numbers as `StoredNumber`s. Why: a `DirectoryImage` holds about
/// five strings per agent and number, which the load then copied into packed records; making
/// them was most of the snapshot's decoding and a quarter of a gigabyte at a million numbers.
public struct PackedImage: Sendable {
    public var accounts: [Account]
    public var connections: [ProviderConnection]
    public var agents: [AgentRecord]
    public var numbers: [StoredNumber]

    public init(accounts: [Account] = [], connections: [ProviderConnection] = [], agents: [AgentRecord] = [], numbers: [StoredNumber] = []) {
        self.accounts = accounts
        self.connections = connections
        self.agents = agents
        self.numbers = numbers
    }
}

extension Directory {
    /// A directory holding `image`, with the checks of `load(_: DirectoryImage)` (the agents'
    /// fields were checked when their records were made); the error names the record the same
    /// way. Start-up's path: when it fails, the caller may load the snapshot the slow way for the
    /// error to report (`DirectoryImage` keeps every field as read).
    public static func load(_ image: PackedImage, journal: (any ChangeJournal)? = nil) throws(ImageError) -> Directory {
        let directory = Directory(journal: journal)
        var position = 0
        do {
            try directory.state.withLock { state throws(DirectoryError) in
                try state.loadAccountsAndConnections(image.accounts, image.connections, index: directory.index, position: &position)
                let accounts = state.accounts.count
                let agents = image.agents
                try state.bulkLoadAgents(count: agents.count, index: directory.index, position: &position) {
                    return { offset throws(DirectoryError) in
                        let record = agents[offset]
                        guard Int(record.accountSlot) < accounts else {
                            throw DirectoryError(.invalidField, "agent '\(record.id)' refers to account slot \(record.accountSlot), which does not exist")
                        }
                        return record
                    }
                }
                try state.bulkLoadStoredNumbers(image.numbers, index: directory.index, position: &position)
            }
        } catch {
            throw ImageError(recordIndex: position, error: error)
        }
        return directory
    }
}
