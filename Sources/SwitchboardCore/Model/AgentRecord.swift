#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An agent as the index holds it: immutable and shared by reference, so the inbound path hands it
/// out with a retain and no copy. Any change makes a new record.
///
/// One allocation: a small fixed header and the agent's three strings (id, name, provider agent
/// id) packed after it as UTF-8, in a `ManagedBuffer`. The account is its slot (4 bytes): its id is
/// the directory's to give (`spec(account:)`), as 9 bytes less an agent took most agents down a
/// malloc size class (16 bytes) at a million agents. Why: as an object holding an
/// `AgentSpec`, an agent took the object plus a heap buffer for each string over 15 bytes (a
/// provider agent id always is, a name often): about 240 bytes, at a million agents most of the
/// router's memory. Packed in two allocations (an object and a byte buffer) it was about 110; in
/// one it is about 16 bytes less, and a look-up that compares ids touches one allocation, not two.
/// The strings are rebuilt when asked for (`spec`, `name`, …: the API's cold paths); the agent
/// table compares ids in place, and `providerAgentID` makes one string per routed call. A provider
/// agent id that is a canonical UUID (Vapi's assistants) is kept as its 16 bytes (`UUIDBytes`),
/// not 36, and spelled back in the case it came in; one ending in a long run of lower-case hex
/// digits (Retell's `agent_…`, Bland's pathway ids) keeps its prefix and the digits packed two to a
/// byte (`HexTail`): 12 bytes less for such an agent, which at a million agents is usually a malloc
/// size class of 16 bytes.
///
/// A struct around the buffer, because the standard library makes `ManagedBuffer` explicitly not
/// `Sendable`. `@unchecked Sendable`: the buffer is written once, in `make`, before the record is
/// shared, and only read afterwards. Identity (`===`) is the buffer's.
public struct AgentRecord: @unchecked Sendable {
    struct Layout {
        /// The account's slot in the index (a small integer standing for the account id).
        let accountSlot: UInt32
        let provider: Provider
        let status: Status
        let idLength: UInt16
        let nameLength: UInt16
        /// The byte count; with `lowerUUID` / `upperUUID` set, a UUID's 16 bytes in that case; with
        /// `hexTail` set, a `HexTail`: the prefix length in the low 8 bits, the packed digits' byte
        /// count in the 5 above.
        let providerAgentIDLength: UInt16

        static let lowerUUID: UInt16 = 0x8000
        static let upperUUID: UInt16 = 0x4000
        static let hexTail: UInt16 = 0x2000
        /// Plain byte counts stay below the flags.
        static let plainLimit = 0x2000

        static func hexTailLength(_ tail: HexTail) -> UInt16 {
            hexTail | UInt16(tail.packedCount) << 8 | UInt16(tail.prefixLength)
        }

        /// The `HexTail` the length field describes, if it has that flag.
        var hexTail: HexTail? {
            guard providerAgentIDLength & (Layout.lowerUUID | Layout.upperUUID | Layout.hexTail) == Layout.hexTail else { return nil }
            return HexTail(prefixLength: Int(providerAgentIDLength & 0xFF), packedCount: Int(providerAgentIDLength >> 8 & 0x1F))
        }

        /// How many bytes the provider agent id takes after the name.
        var providerAgentIDStoredLength: Int {
            if providerAgentIDLength & (Layout.lowerUUID | Layout.upperUUID) != 0 { return UUIDBytes.count }
            if let hexTail { return hexTail.storedCount }
            return Int(providerAgentIDLength)
        }
    }

    final class Storage: ManagedBuffer<Layout, UInt8> {}

    fileprivate let storage: Storage

    private init(storage: Storage) {
        self.storage = storage
    }

    /// A record for `spec` in the account at `accountSlot`. The strings' lengths are bounded by
    /// `Identifier` (64 bytes), `FieldCheck.name` (800 bytes) and `FieldCheck.providerID` (256).
    static func make(spec: AgentSpec, accountSlot: UInt32) -> AgentRecord {
        var id = spec.id.value, name = spec.name, providerAgentID = spec.providerAgentID
        return id.withUTF8 { id in
            name.withUTF8 { name in
                providerAgentID.withUTF8 { providerAgentID in
                    make(
                        accountSlot: accountSlot, provider: spec.provider, status: spec.status, id: UnsafeRawBufferPointer(id),
                        name: UnsafeRawBufferPointer(name), providerAgentID: UnsafeRawBufferPointer(providerAgentID))
                }
            }
        }
    }

    /// An agent read from stored UTF-8 bytes, with the checks `putAgent` makes of its fields: a
    /// valid agent id, a valid name and provider agent id. Nil if one fails. The account's slot is
    /// the caller's to find (and its id to check). Start-up makes the records straight from the
    /// snapshot's bytes this way, without a string for each field.
    public static func stored(
        accountSlot: UInt32, id: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, provider: Provider,
        providerAgentID: UnsafeRawBufferPointer, status: Status
    ) -> AgentRecord? {
        guard Identifier.isValid(utf8: id), FieldCheck.isName(utf8: name), FieldCheck.isProviderID(utf8: providerAgentID) else { return nil }
        return make(accountSlot: accountSlot, provider: provider, status: status, id: id, name: name, providerAgentID: providerAgentID)
    }

    private static func make(
        accountSlot: UInt32, provider: Provider, status: Status, id: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer,
        providerAgentID: UnsafeRawBufferPointer
    ) -> AgentRecord {
        precondition(max(id.count, name.count) <= Int(UInt16.max), "agent field over 65535 bytes")
        // Checked provider ids are at most 256 bytes, far below the flag bits.
        precondition(providerAgentID.count < Layout.plainLimit, "provider agent id over 8191 bytes")
        let uuid = UUIDBytes(utf8: providerAgentID)
        let hexTail = uuid == nil ? HexTail(utf8: providerAgentID) : nil
        let providerAgentIDLength =
            uuid.map { $0.upperCase ? Layout.upperUUID : Layout.lowerUUID } ?? hexTail.map(Layout.hexTailLength) ?? UInt16(providerAgentID.count)
        let layout = Layout(
            accountSlot: accountSlot, provider: provider, status: status, idLength: UInt16(id.count), nameLength: UInt16(name.count),
            providerAgentIDLength: providerAgentIDLength)
        let buffer = Storage.create(minimumCapacity: id.count + name.count + layout.providerAgentIDStoredLength) { _ in layout }
        let storage = unsafeDowncast(buffer, to: Storage.self)
        storage.withUnsafeMutablePointerToElements { bytes in
            var offset = 0
            func copy(_ field: UnsafeRawBufferPointer) {
                if let base = field.baseAddress { UnsafeMutableRawPointer(bytes + offset).copyMemory(from: base, byteCount: field.count) }
                offset += field.count
            }
            copy(id)
            copy(name)
            if let uuid {
                uuid.write(to: bytes + offset)
            } else if let hexTail {
                hexTail.write(providerAgentID, to: bytes + offset)
            } else {
                copy(providerAgentID)
            }
        }
        return AgentRecord(storage: storage)
    }

    /// Where the record lives, for a prefetch (no retain).
    var address: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(storage).toOpaque()) }

    /// Read through the header pointer: `storage.header`, a stored property of a class, costs a
    /// dynamic exclusivity check (a thread-local access set) on every read, and a webhook reads it.
    private var layout: Layout { storage.withUnsafeMutablePointerToHeader { $0.pointee } }

    public var accountSlot: UInt32 { layout.accountSlot }
    public var provider: Provider { layout.provider }
    public var status: Status { layout.status }
    public var isActive: Bool { layout.status == .active }

    public var id: AgentID { Identifier(unchecked: string(offset: idOffset, length: layout.idLength)) }
    public var name: String { string(offset: nameOffset, length: layout.nameLength) }
    public var providerAgentID: String {
        let layout = layout
        let length = layout.providerAgentIDLength
        if let hexTail = layout.hexTail {
            return storage.withUnsafeMutablePointerToElements { bytes in
                hexTail.spell(UnsafeBufferPointer(start: bytes + providerAgentIDOffset, count: hexTail.storedCount))
            }
        }
        guard length & (Layout.lowerUUID | Layout.upperUUID) != 0 else { return string(offset: providerAgentIDOffset, length: length) }
        return storage.withUnsafeMutablePointerToElements { bytes in
            UUIDBytes.spell(UnsafeBufferPointer(start: bytes + providerAgentIDOffset, count: UUIDBytes.count), upperCase: length & Layout.upperUUID != 0)
        }
    }

    /// Everything the agent editor shows, rebuilt from the packed bytes and `account`, the id of
    /// the account at `accountSlot` (the record keeps the slot, not the id: see the type's comment).
    public func spec(account: AccountID) -> AgentSpec {
        AgentSpec(account: account, id: id, name: name, provider: provider, providerAgentID: providerAgentID, status: status)
    }

    /// Whether the record's id is `id`, compared in place (no string is made).
    func hasID(_ id: String) -> Bool {
        var id = id
        return id.withUTF8 { utf8 in
            storage.withUnsafeMutablePointers { layout, bytes in
                guard utf8.count == Int(layout.pointee.idLength) else { return false }
                return utf8.isEmpty || memcmp(bytes, utf8.baseAddress!, utf8.count) == 0
            }
        }
    }

    private var idOffset: Int { 0 }
    private var nameOffset: Int { Int(layout.idLength) }
    private var providerAgentIDOffset: Int { nameOffset + Int(layout.nameLength) }

    private func string(offset: Int, length: UInt16) -> String {
        storage.withUnsafeMutablePointerToElements { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes + offset, count: Int(length)), as: UTF8.self)
        }
    }

}

/// Whether two records are the same record (not merely equal fields): what the invariant checks
/// ask of the index's two sides.
public func === (lhs: AgentRecord?, rhs: AgentRecord?) -> Bool { lhs?.storage === rhs?.storage }

public func !== (lhs: AgentRecord?, rhs: AgentRecord?) -> Bool { !(lhs === rhs) }
