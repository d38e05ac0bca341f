/// The rules of SPEC §2. Each case validates everything first (throwing changes nothing), then calls
/// `record` (the journal; throwing there also changes nothing), then mutates, without throwing.
extension DirectoryState {
    mutating func apply(_ change: Change, index: RoutingIndex, record: () throws -> Void) throws -> ChangeEffect {
        switch change {
        case .createAccount(let account): return try createAccount(account, index: index, record: record)
        case .putProvider(let connection): return try putProvider(connection, index: index, record: record)
        case .deleteProvider(let account, let provider):
            let slot = try slot(account)
            let key = RoutingIndex.connectionKey(account: slot, provider: provider)
            guard connections[key] != nil else {
                throw DirectoryError(.unknownProvider, "\(provider) is not connected to account '\(account)'")
            }
            try record()
            connections[key] = nil
            index.setConnection(account: slot, provider: provider, nil)
            return .providerDeleted
        case .putAgent(let spec, let phone): return try putAgent(spec, phone: phone, index: index, record: record)
        case .deleteAgent(let account, let id):
            let slot = try slot(account)
            let key = AgentKey(account: slot, id: id.value)
            guard let entry = index.agentEntry(account: slot, id: id.value) else { throw DirectoryError.unknownAgent(id, in: account) }
            try record()
            index.transaction(numbers: entry.number == 0 ? [] : [entry.number], agents: [key]) { transaction in
                if entry.number != 0, var numberSlot = transaction.number(entry.number) {
                    numberSlot.agent = nil
                    transaction.setNumber(numberSlot)
                }
                transaction.setAgent(key, nil)
            }
            agentLists[Int(slot)].removed(id.value)
            return .agentDeleted(releasedNumber: entry.number == 0 ? nil : E164(uncheckedKey: entry.number))
        case .assign(let account, let number, let agent):
            return try assign(account: account, number: number, agent: agent, index: index, record: record)
        case .unassign(let account, let number):
            let slot = try slot(account)
            let numberSlot = try ownedNumber(number, account: account, slot: slot, index: index)
            guard let previous = numberSlot.agent else {
                return .unassignment(Unassignment(number: phoneNumber(numberSlot), previousAgentID: nil))
            }
            try record()
            let previousKey = AgentKey(account: slot, id: previous.id.value)
            var updated = numberSlot
            updated.agent = nil
            index.transaction(numbers: [number.key], agents: [previousKey]) { transaction in
                transaction.setNumber(updated)
                if var entry = transaction.agent(previousKey) {
                    entry.number = 0
                    transaction.setAgent(previousKey, entry)
                }
            }
            return .unassignment(Unassignment(number: phoneNumber(updated), previousAgentID: previous.id))
        case .putNumber(let spec, let lastSyncedAt):
            return try putNumber(spec, lastSyncedAt: lastSyncedAt, index: index, record: record)
        case .sync(let account, let provider, let plan, let at):
            return try applySync(account: account, provider: provider, plan: plan, at: at, index: index, record: record)
        }
    }

    /// The number's slot if it is a number of this account; a number of another account is unknown
    /// here, so an account cannot learn that another account's number exists.
    func ownedNumber(_ number: E164, account: AccountID, slot: UInt32, index: RoutingIndex) throws(DirectoryError) -> NumberSlot {
        guard let numberSlot = index.numberSlot(number.key), numberSlot.account == slot else {
            throw .unknownNumber(number, in: account)
        }
        return numberSlot
    }

    private mutating func createAccount(_ account: Account, index: RoutingIndex, record: () throws -> Void) throws -> ChangeEffect {
        guard slots[account.id] == nil else {
            throw DirectoryError(.accountExists, "account '\(account.id)' already exists: choose another id")
        }
        _ = try FieldCheck.name(account.name)
        if let hash = account.tokenSHA256 {
            guard hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw DirectoryError(.invalidField, "token_sha256 must be 64 lower-case hex digits")
            }
        }
        guard accounts.count < Int(UInt32.max) else { throw DirectoryError(.invalidField, "too many accounts") }
        try record()
        let slot = UInt32(accounts.count)
        accounts.append(account)
        slots[account.id] = slot
        numberLists.append(NumberList())
        agentLists.append(AgentList())
        index.registerAccount(account.id.value, slot: slot)
        return .account(account)
    }

    private mutating func putProvider(_ connection: ProviderConnection, index: RoutingIndex, record: () throws -> Void) throws -> ChangeEffect {
        let slot = try slot(connection.account)
        _ = try FieldCheck.secret(connection.apiKey, field: "api_key")
        if let secret = connection.webhookSecret { _ = try FieldCheck.secret(secret, field: "webhook_secret") }
        if let url = connection.baseURL { _ = try FieldCheck.baseURL(url) }
        try record()
        connections[RoutingIndex.connectionKey(account: slot, provider: connection.provider)] = connection
        index.setConnection(account: slot, provider: connection.provider, connection)
        return .provider(connection)
    }

    private mutating func putAgent(_ spec: AgentSpec, phone: PhoneChange, index: RoutingIndex, record: () throws -> Void) throws -> ChangeEffect {
        let slot = try slot(spec.account)
        _ = try FieldCheck.name(spec.name)
        _ = try FieldCheck.providerID(spec.providerAgentID, field: "provider_agent_id")
        let key = AgentKey(account: slot, id: spec.id.value)
        let existing = index.agentEntry(account: slot, id: spec.id.value)
        let oldNumber = existing?.number ?? 0
        let target: UInt64
        switch phone {
        case .keep: target = oldNumber
        case .unassign: target = 0
        case .assign(let number): target = number.key
        }
        var previousAgent: AgentRecord?
        if target != 0 {
            let number = E164(uncheckedKey: target)
            let numberSlot = try ownedNumber(number, account: spec.account, slot: slot, index: index)
            guard numberSlot.provider == spec.provider else {
                let hint = target == oldNumber ? ": to change the agent's provider, set phone_number to null or to a number of \(spec.provider)" : ""
                throw DirectoryError(
                    .providerMismatch,
                    "number \(number) is a \(numberSlot.provider) number and agent '\(spec.id)' is a \(spec.provider) agent\(hint)"
                )
            }
            guard numberSlot.active else {
                throw DirectoryError(.numberInactive, "number \(number) is inactive (its provider no longer lists it): choose an active number")
            }
            if let holder = numberSlot.agent, holder.id != spec.id { previousAgent = holder }
        }
        if let existing, existing.record.spec(account: spec.account) == spec, target == oldNumber {
            return .agent(AgentWrite(agent: Agent(spec: spec, phoneNumber: E164(key: target)), created: false))
        }
        try record()
        let newRecord = AgentRecord.make(spec: spec, accountSlot: slot)
        let previousKey = previousAgent.map { AgentKey(account: slot, id: $0.id.value) }
        let numbers = [oldNumber, target].filter { $0 != 0 }
        let agents = [key] + (previousKey.map { [$0] } ?? [])
        index.transaction(numbers: numbers, agents: agents) { transaction in
            if oldNumber != 0, oldNumber != target, var released = transaction.number(oldNumber) {
                released.agent = nil
                transaction.setNumber(released)
            }
            if let previousKey, var entry = transaction.agent(previousKey) {
                entry.number = 0
                transaction.setAgent(previousKey, entry)
            }
            if target != 0, var assigned = transaction.number(target) {
                assigned.agent = newRecord
                transaction.setNumber(assigned)
            }
            transaction.setAgent(key, AgentEntry(record: newRecord, number: target))
        }
        if existing == nil { agentLists[Int(slot)].inserted(spec.id.value) }
        return .agent(
            AgentWrite(
                agent: Agent(spec: spec, phoneNumber: E164(key: target)), created: existing == nil,
                previousAgentID: previousAgent?.id,
                releasedNumber: oldNumber != 0 && oldNumber != target ? E164(uncheckedKey: oldNumber) : nil
            )
        )
    }

    private mutating func assign(
        account: AccountID, number: E164, agent: AgentID, index: RoutingIndex, record: () throws -> Void
    ) throws -> ChangeEffect {
        let slot = try slot(account)
        let numberSlot = try ownedNumber(number, account: account, slot: slot, index: index)
        guard let entry = index.agentEntry(account: slot, id: agent.value) else { throw DirectoryError.unknownAgent(agent, in: account) }
        guard numberSlot.provider == entry.record.provider else {
            throw DirectoryError(
                .providerMismatch,
                "number \(number) is a \(numberSlot.provider) number and agent '\(agent)' is a \(entry.record.provider) agent: assign a \(entry.record.provider) number"
            )
        }
        guard numberSlot.active else {
            throw DirectoryError(.numberInactive, "number \(number) is inactive (its provider no longer lists it): choose an active number")
        }
        if numberSlot.agent?.id == agent {
            return .assignment(Assignment(number: phoneNumber(numberSlot), previousAgentID: nil, releasedNumber: nil))
        }
        try record()
        let key = AgentKey(account: slot, id: agent.value)
        let previous = numberSlot.agent
        let previousKey = previous.map { AgentKey(account: slot, id: $0.id.value) }
        let released = entry.number
        var assigned = numberSlot
        assigned.agent = entry.record
        index.transaction(numbers: [number.key] + (released == 0 ? [] : [released]), agents: [key] + (previousKey.map { [$0] } ?? [])) {
            transaction in
            if released != 0, var releasedSlot = transaction.number(released) {
                releasedSlot.agent = nil
                transaction.setNumber(releasedSlot)
            }
            if let previousKey, var previousEntry = transaction.agent(previousKey) {
                previousEntry.number = 0
                transaction.setAgent(previousKey, previousEntry)
            }
            transaction.setNumber(assigned)
            transaction.setAgent(key, AgentEntry(record: entry.record, number: number.key))
        }
        return .assignment(
            Assignment(
                number: phoneNumber(assigned), previousAgentID: previous?.id,
                releasedNumber: released == 0 ? nil : E164(uncheckedKey: released)
            )
        )
    }

    private mutating func putNumber(
        _ spec: NumberSpec, lastSyncedAt: Timestamp?, index: RoutingIndex, record: () throws -> Void
    ) throws -> ChangeEffect {
        let slot = try slot(spec.account)
        _ = try FieldCheck.providerID(spec.providerNumberID, field: "provider_number_id")
        guard index.numberSlot(spec.number.key) == nil else {
            throw DirectoryError(.numberTaken, "number \(spec.number) already exists: a number exists once in the whole system")
        }
        var agentEntry: AgentEntry?
        if let agentID = spec.agentID {
            guard let entry = index.agentEntry(account: slot, id: agentID.value) else { throw DirectoryError.unknownAgent(agentID, in: spec.account) }
            try DirectoryState.checkAssignable(spec, to: entry)
            agentEntry = entry
        }
        try record()
        let numberSlot = NumberSlot(
            key: spec.number.key, agent: agentEntry?.record, account: slot, provider: spec.provider, active: spec.status == .active
        )
        let agentKey = spec.agentID.map { AgentKey(account: slot, id: $0.value) }
        index.transaction(numbers: [spec.number.key], agents: agentKey.map { [$0] } ?? []) { transaction in
            transaction.setNumber(numberSlot)
            if let agentKey, var entry = agentEntry {
                entry.number = spec.number.key
                transaction.setAgent(agentKey, entry)
            }
        }
        setCold(spec.number.key, providerNumberID: spec.providerNumberID, lastSyncedAt: lastSyncedAt)
        numberLists[Int(slot)].append(spec.number.key)
        return .number(phoneNumber(numberSlot))
    }
}

extension FieldCheck {
    /// A provider base URL: `http://` or `https://`, visible ASCII, at most 2048 characters.
    public static func baseURL(_ value: String) throws(DirectoryError) -> String {
        let utf8 = value.utf8
        guard utf8.count <= 2048, value.hasPrefix("https://") || value.hasPrefix("http://"), utf8.count > 8,
            utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw DirectoryError(.invalidField, "base_url must be an http:// or https:// URL of at most 2048 characters")
        }
        return value
    }
}
