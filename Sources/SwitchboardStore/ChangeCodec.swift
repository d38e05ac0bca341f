public import SwitchboardCore

/// The journal's payload: `u64 seq | u8 kind | body`. One kind per `Change` case; the numbers are
/// part of the format (version 1) and never reused.
public enum ChangeCodec {
    enum Kind: UInt8 {
        case createAccount = 1, putProvider, deleteProvider, putAgent, deleteAgent, assign, unassign, putNumber, sync
    }

    public static func encode(_ change: Change, seq: UInt64) -> [UInt8] {
        var writer = BinaryWriter()
        writer.bytes.reserveCapacity(64)
        writer.u64(seq)
        switch change {
        case .createAccount(let account):
            writer.u8(Kind.createAccount.rawValue)
            writer.account(account)
        case .putProvider(let connection):
            writer.u8(Kind.putProvider.rawValue)
            writer.connection(connection)
        case .deleteProvider(let account, let provider):
            writer.u8(Kind.deleteProvider.rawValue)
            writer.string(account.value)
            writer.u8(provider.rawValue)
        case .putAgent(let spec, let phone):
            writer.u8(Kind.putAgent.rawValue)
            writer.agent(spec)
            switch phone {
            case .keep: writer.u8(0)
            case .assign(let number):
                writer.u8(1)
                writer.u64(number.key)
            case .unassign: writer.u8(2)
            }
        case .deleteAgent(let account, let id):
            writer.u8(Kind.deleteAgent.rawValue)
            writer.string(account.value)
            writer.string(id.value)
        case .assign(let account, let number, let agent):
            writer.u8(Kind.assign.rawValue)
            writer.string(account.value)
            writer.u64(number.key)
            writer.string(agent.value)
        case .unassign(let account, let number):
            writer.u8(Kind.unassign.rawValue)
            writer.string(account.value)
            writer.u64(number.key)
        case .putNumber(let spec, let lastSyncedAt):
            writer.u8(Kind.putNumber.rawValue)
            writer.string(spec.account.value)
            writer.u64(spec.number.key)
            writer.u8(spec.provider.rawValue)
            writer.string(spec.providerNumberID)
            writer.u8(spec.status.rawValue)
            writer.optionalString(spec.agentID?.value)
            writer.i64(lastSyncedAt?.milliseconds ?? Int64.min)
        case .sync(let account, let provider, let plan, let at):
            writer.u8(Kind.sync.rawValue)
            writer.string(account.value)
            writer.u8(provider.rawValue)
            writer.i64(at.milliseconds)
            for list in [plan.added, plan.updated] {
                writer.count(list.count)
                for item in list {
                    writer.u64(item.number.key)
                    writer.string(item.providerNumberID)
                }
            }
            for list in [plan.deactivated, plan.conflicts] {
                writer.count(list.count)
                for number in list { writer.u64(number.key) }
            }
        }
        return writer.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer) throws(DecodingError) -> (seq: UInt64, change: Change) {
        var reader = BinaryReader(payload)
        let seq = try reader.u64()
        let raw = try reader.u8()
        guard let kind = Kind(rawValue: raw) else { throw reader.fail("unknown change kind \(raw)") }
        let change: Change
        switch kind {
        case .createAccount: change = .createAccount(try reader.account())
        case .putProvider: change = .putProvider(try reader.connection())
        case .deleteProvider: change = .deleteProvider(account: try reader.identifier(), provider: try reader.provider())
        case .putAgent:
            let spec = try reader.agent()
            let phone: PhoneChange
            switch try reader.u8() {
            case 0: phone = .keep
            case 1: phone = .assign(try reader.number())
            case 2: phone = .unassign
            case let tag: throw reader.fail("bad phone change \(tag)")
            }
            change = .putAgent(spec, phone: phone)
        case .deleteAgent: change = .deleteAgent(account: try reader.identifier(), id: try reader.identifier())
        case .assign: change = .assign(account: try reader.identifier(), number: try reader.number(), agent: try reader.identifier())
        case .unassign: change = .unassign(account: try reader.identifier(), number: try reader.number())
        case .putNumber:
            let account = try reader.identifier()
            let number = try reader.number()
            let provider = try reader.provider()
            let providerNumberID = try reader.string()
            let status = try reader.status()
            let agent = try reader.optionalIdentifier()
            let spec = NumberSpec(account: account, number: number, provider: provider, providerNumberID: providerNumberID, status: status, agentID: agent)
            change = .putNumber(spec, lastSyncedAt: try reader.timestamp())
        case .sync:
            let account = try reader.identifier()
            let provider = try reader.provider()
            let at = Timestamp(milliseconds: try reader.i64())
            var plan = SyncPlan()
            for list in 0..<2 {
                let count = try reader.count(elementSize: 12)
                var items: [ListedNumber] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(ListedNumber(number: try reader.number(), providerNumberID: try reader.string())) }
                if list == 0 { plan.added = items } else { plan.updated = items }
            }
            for list in 0..<2 {
                let count = try reader.count(elementSize: 8)
                var numbers: [E164] = []
                numbers.reserveCapacity(count)
                for _ in 0..<count { numbers.append(try reader.number()) }
                if list == 0 { plan.deactivated = numbers } else { plan.conflicts = numbers }
            }
            change = .sync(account: account, provider: provider, plan: plan, at: at)
        }
        guard reader.isAtEnd else { throw reader.fail("\(payload.count - reader.offset) unexpected bytes after the change") }
        return (seq, change)
    }
}

extension BinaryWriter {
    mutating func account(_ account: Account) {
        string(account.id.value)
        string(account.name)
        optionalString(account.tokenSHA256)
    }

    mutating func connection(_ connection: ProviderConnection) {
        string(connection.account.value)
        u8(connection.provider.rawValue)
        string(connection.apiKey)
        optionalString(connection.webhookSecret)
        optionalString(connection.baseURL)
        u64(connection.defaultCallerID?.key ?? 0)
    }

    mutating func agent(_ spec: AgentSpec) {
        string(spec.account.value)
        string(spec.id.value)
        string(spec.name)
        u8(spec.provider.rawValue)
        string(spec.providerAgentID)
        u8(spec.status.rawValue)
    }
}

extension BinaryReader {
    mutating func account() throws(DecodingError) -> Account {
        Account(id: try identifier(), name: try string(), tokenSHA256: try optionalString())
    }

    mutating func connection() throws(DecodingError) -> ProviderConnection {
        ProviderConnection(
            account: try identifier(), provider: try provider(), apiKey: try string(), webhookSecret: try optionalString(),
            baseURL: try optionalString(), defaultCallerID: try optionalNumber()
        )
    }

    mutating func agent() throws(DecodingError) -> AgentSpec {
        AgentSpec(
            account: try identifier(), id: try identifier(), name: try string(), provider: try provider(),
            providerAgentID: try string(), status: try status()
        )
    }
}
