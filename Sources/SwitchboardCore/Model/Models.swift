#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tenant. `tokenSHA256` is the hex SHA-256 of its API token; the token itself is never stored.
public struct Account: Hashable, Sendable {
    public var id: AccountID
    public var name: String
    public var tokenSHA256: String?

    public init(id: AccountID, name: String, tokenSHA256: String?) {
        self.id = id
        self.name = name
        self.tokenSHA256 = tokenSHA256
    }
}

/// How one account reaches one provider (SPEC §1). The API key is a secret: never shown unmasked.
public struct ProviderConnection: Hashable, Sendable {
    public var account: AccountID
    public var provider: Provider
    public var apiKey: String
    public var webhookSecret: String?
    public var baseURL: String?
    public var defaultCallerID: E164?

    public init(
        account: AccountID, provider: Provider, apiKey: String, webhookSecret: String? = nil,
        baseURL: String? = nil, defaultCallerID: E164? = nil
    ) {
        self.account = account
        self.provider = provider
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
        self.baseURL = baseURL
        self.defaultCallerID = defaultCallerID
    }

    /// The API key as it may be shown: the last four characters only.
    public var maskedAPIKey: String {
        apiKey.count <= 4 ? String(repeating: "•", count: apiKey.count) : "••••" + apiKey.suffix(4)
    }
}

/// What an agent is, without its number (the agent editor's fields, SPEC §1).
public struct AgentSpec: Hashable, Sendable {
    public var account: AccountID
    public var id: AgentID
    public var name: String
    public var provider: Provider
    public var providerAgentID: String
    public var status: Status

    public init(account: AccountID, id: AgentID, name: String, provider: Provider, providerAgentID: String, status: Status) {
        self.account = account
        self.id = id
        self.name = name
        self.provider = provider
        self.providerAgentID = providerAgentID
        self.status = status
    }
}

/// An agent as the index holds it: immutable and shared by reference, so the inbound path hands it
/// out with a retain and no copy. Any change makes a new record.
///
/// Two allocations: the object with a small fixed layout, and the agent's four strings (account id,
/// id, name, provider agent id) packed as UTF-8 in one buffer. Why: as an object holding an
/// `AgentSpec`, an agent took the object plus a heap buffer for each string over 15 bytes (a
/// provider agent id always is, a name often): about 240 bytes, at a million agents most of the
/// router's memory. Packed it is about 110. (Not a `ManagedBuffer` subclass, which would be one
/// allocation: the standard library makes `ManagedBuffer` explicitly not `Sendable`.) The strings are rebuilt when asked for (`spec`, `name`, …: the API's cold paths);
/// the agent table compares ids in place, and `providerAgentID` makes one string per routed call.
public final class AgentRecord: @unchecked Sendable {
    // `@unchecked Sendable`: `bytes` is written once, in `make`, before the record is shared, and
    // only read afterwards; it is freed in `deinit`, when no one holds the record.

    struct Layout {
        /// The account's slot in the index (a small integer standing for the account id).
        let accountSlot: UInt32
        let provider: Provider
        let status: Status
        let accountLength: UInt16
        let idLength: UInt16
        let nameLength: UInt16
        let providerAgentIDLength: UInt16
    }

    /// A record for `spec` in the account at `accountSlot`. The strings' lengths are bounded by
    /// `Identifier` (64 bytes), `FieldCheck.name` (800 bytes) and `FieldCheck.providerID` (256).
    static func make(spec: AgentSpec, accountSlot: UInt32) -> AgentRecord {
        var account = spec.account.value, id = spec.id.value, name = spec.name, providerAgentID = spec.providerAgentID
        return account.withUTF8 { account in
            id.withUTF8 { id in
                name.withUTF8 { name in
                    providerAgentID.withUTF8 { providerAgentID in
                        make(
                            accountSlot: accountSlot, provider: spec.provider, status: spec.status, account: UnsafeRawBufferPointer(account),
                            id: UnsafeRawBufferPointer(id), name: UnsafeRawBufferPointer(name), providerAgentID: UnsafeRawBufferPointer(providerAgentID))
                    }
                }
            }
        }
    }

    /// An agent read from stored UTF-8 bytes, with the checks `putAgent` makes of its fields:
    /// valid account and agent ids, a valid name and provider agent id. Nil if one fails. The
    /// account's slot is the caller's to find (and check) from `account`. Start-up makes the
    /// records straight from the snapshot's bytes this way, without a string for each field.
    public static func stored(
        account: UnsafeRawBufferPointer, accountSlot: UInt32, id: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer,
        provider: Provider, providerAgentID: UnsafeRawBufferPointer, status: Status
    ) -> AgentRecord? {
        guard Identifier.isValid(utf8: account), Identifier.isValid(utf8: id), FieldCheck.isName(utf8: name),
            FieldCheck.isProviderID(utf8: providerAgentID)
        else { return nil }
        return make(
            accountSlot: accountSlot, provider: provider, status: status, account: account, id: id, name: name, providerAgentID: providerAgentID)
    }

    private static func make(
        accountSlot: UInt32, provider: Provider, status: Status, account: UnsafeRawBufferPointer, id: UnsafeRawBufferPointer,
        name: UnsafeRawBufferPointer, providerAgentID: UnsafeRawBufferPointer
    ) -> AgentRecord {
        precondition(max(account.count, id.count, name.count, providerAgentID.count) <= Int(UInt16.max), "agent field over 65535 bytes")
        let layout = Layout(
            accountSlot: accountSlot, provider: provider, status: status, accountLength: UInt16(account.count),
            idLength: UInt16(id.count), nameLength: UInt16(name.count), providerAgentIDLength: UInt16(providerAgentID.count))
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, account.count + id.count + name.count + providerAgentID.count))
        var offset = 0
        func copy(_ field: UnsafeRawBufferPointer) {
            if let base = field.baseAddress { UnsafeMutableRawPointer(bytes + offset).copyMemory(from: base, byteCount: field.count) }
            offset += field.count
        }
        copy(account)
        copy(id)
        copy(name)
        copy(providerAgentID)
        return AgentRecord(layout: layout, bytes: bytes)
    }

    private let layout: Layout
    private let bytes: UnsafeMutablePointer<UInt8>

    private init(layout: Layout, bytes: UnsafeMutablePointer<UInt8>) {
        self.layout = layout
        self.bytes = bytes
    }

    deinit {
        bytes.deallocate()
    }

    public var accountSlot: UInt32 { layout.accountSlot }
    public var provider: Provider { layout.provider }
    public var status: Status { layout.status }
    public var isActive: Bool { layout.status == .active }

    public var account: AccountID { Identifier(unchecked: string(offset: 0, length: layout.accountLength)) }
    public var id: AgentID { Identifier(unchecked: string(offset: idOffset, length: layout.idLength)) }
    public var name: String { string(offset: nameOffset, length: layout.nameLength) }
    public var providerAgentID: String { string(offset: providerAgentIDOffset, length: layout.providerAgentIDLength) }

    /// Everything the agent editor shows, rebuilt from the packed bytes.
    public var spec: AgentSpec {
        AgentSpec(account: account, id: id, name: name, provider: provider, providerAgentID: providerAgentID, status: status)
    }

    /// Whether the record's id is `id`, compared in place (no string is made).
    func hasID(_ id: String) -> Bool {
        let layout = layout
        var id = id
        return id.withUTF8 { utf8 in
            guard utf8.count == Int(layout.idLength) else { return false }
            return utf8.isEmpty || memcmp(bytes + Int(layout.accountLength), utf8.baseAddress!, utf8.count) == 0
        }
    }

    private var idOffset: Int { Int(layout.accountLength) }
    private var nameOffset: Int { idOffset + Int(layout.idLength) }
    private var providerAgentIDOffset: Int { nameOffset + Int(layout.nameLength) }

    private func string(offset: Int, length: UInt16) -> String {
        String(decoding: UnsafeBufferPointer(start: bytes + offset, count: Int(length)), as: UTF8.self)
    }
}

/// An agent with its number, as the API shows it.
public struct Agent: Hashable, Sendable {
    public var spec: AgentSpec
    public var phoneNumber: E164?

    public init(spec: AgentSpec, phoneNumber: E164?) {
        self.spec = spec
        self.phoneNumber = phoneNumber
    }
}

/// A phone number with everything the API shows about it (SPEC §3 `number` shape).
public struct PhoneNumber: Hashable, Sendable {
    public var number: E164
    public var account: AccountID
    public var provider: Provider
    public var providerNumberID: String
    public var status: Status
    public var agentID: AgentID?
    public var agentName: String?
    public var lastSyncedAt: Timestamp?

    public init(
        number: E164, account: AccountID, provider: Provider, providerNumberID: String, status: Status,
        agentID: AgentID?, agentName: String?, lastSyncedAt: Timestamp?
    ) {
        self.number = number
        self.account = account
        self.provider = provider
        self.providerNumberID = providerNumberID
        self.status = status
        self.agentID = agentID
        self.agentName = agentName
        self.lastSyncedAt = lastSyncedAt
    }
}

/// A number as an import or an admin creates it, with its assignment.
public struct NumberSpec: Hashable, Sendable {
    public var account: AccountID
    public var number: E164
    public var provider: Provider
    public var providerNumberID: String
    public var status: Status
    public var agentID: AgentID?

    public init(account: AccountID, number: E164, provider: Provider, providerNumberID: String, status: Status, agentID: AgentID?) {
        self.account = account
        self.number = number
        self.provider = provider
        self.providerNumberID = providerNumberID
        self.status = status
        self.agentID = agentID
    }
}

/// What the agent editor asks of an agent's number (SPEC §3: a number assigns, null unassigns,
/// absent leaves it).
public enum PhoneChange: Hashable, Sendable {
    case keep
    case assign(E164)
    case unassign
}
