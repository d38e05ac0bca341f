public import SwitchboardCore

/// The snapshot file: the whole directory as of journal sequence number `lastSeq`.
///
/// ```
/// "SWBSNAP\0" | u32 version (1) | u32 0 | u64 lastSeq
/// accounts    u32 n, n × (id, name, token_sha256?)
/// connections u32 n, n × (account, provider, api_key, webhook_secret?, base_url?, default_caller_id or 0)
/// agents      u32 n, n × (account, id, name, provider, provider_agent_id, status)
/// numbers     u32 n, n × (u32 account index, u64 number, u8 provider, u8 status,
///                         provider_number_id? (absent when it is the number itself), agent_id?, i64 last_synced_at)
/// u32 CRC-32C of every byte before it
/// ```
/// Strings are `u32 length | UTF-8`; optionals a `u8` tag 0/1 first; integers little-endian.
public enum SnapshotCodec {
    static let magic: [UInt8] = Array("SWBSNAP".utf8) + [0]
    public static let version: UInt32 = 1

    public static func encode(_ image: DirectoryImage, lastSeq: UInt64) -> [UInt8] {
        var writer = BinaryWriter()
        writer.bytes.reserveCapacity(64 + image.numbers.count * 32)
        writer.bytes.append(contentsOf: magic)
        writer.u32(version)
        writer.u32(0)
        writer.u64(lastSeq)
        writer.count(image.accounts.count)
        var accountIndex: [AccountID: UInt32] = [:]
        for (position, account) in image.accounts.enumerated() {
            writer.account(account)
            accountIndex[account.id] = UInt32(position)
        }
        writer.count(image.connections.count)
        for connection in image.connections { writer.connection(connection) }
        writer.count(image.agents.count)
        for agent in image.agents { writer.agent(agent) }
        writer.count(image.numbers.count)
        for number in image.numbers {
            let spec = number.spec
            writer.u32(accountIndex[spec.account] ?? UInt32.max)
            writer.u64(spec.number.key)
            writer.u8(spec.provider.rawValue)
            writer.u8(spec.status.rawValue)
            writer.optionalString(spec.providerNumberID == spec.number.description ? nil : spec.providerNumberID)
            writer.optionalString(spec.agentID?.value)
            writer.i64(number.lastSyncedAt?.milliseconds ?? Int64.min)
        }
        let checksum = writer.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        writer.u32(checksum)
        return writer.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> (image: DirectoryImage, lastSeq: UInt64) {
        guard bytes.count >= 28 else { throw DecodingError(offset: 0, reason: "file of \(bytes.count) bytes is too short for a snapshot") }
        guard bytes.prefix(8).elementsEqual(magic) else { throw DecodingError(offset: 0, reason: "not a Switchboard snapshot (bad magic)") }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<bytes.count - 4]))
        guard stored == computed else {
            throw DecodingError(offset: bytes.count - 4, reason: "checksum mismatch: the snapshot is damaged")
        }
        var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: bytes[0..<bytes.count - 4]), offset: 8)
        let version = try reader.u32()
        guard version == SnapshotCodec.version else {
            throw reader.fail("snapshot format version \(version) is not supported (this build reads version \(SnapshotCodec.version))")
        }
        _ = try reader.u32()
        let lastSeq = try reader.u64()
        var image = DirectoryImage()
        let accounts = try reader.count(elementSize: 9)
        for _ in 0..<accounts { image.accounts.append(try reader.account()) }
        let connections = try reader.count(elementSize: 19)
        for _ in 0..<connections { image.connections.append(try reader.connection()) }
        let agents = try reader.count(elementSize: 18)
        image.agents.reserveCapacity(agents)
        for _ in 0..<agents { image.agents.append(try reader.agent()) }
        let numbers = try reader.count(elementSize: 24)
        image.numbers.reserveCapacity(numbers)
        for _ in 0..<numbers {
            let accountIndex = Int(try reader.u32())
            guard accountIndex < image.accounts.count else { throw reader.fail("number refers to account \(accountIndex), which does not exist") }
            let number = try reader.number()
            let provider = try reader.provider()
            let status = try reader.status()
            let providerNumberID = try reader.optionalString() ?? number.description
            let agent = try reader.optionalIdentifier()
            let synced = try reader.timestamp()
            image.numbers.append(
                NumberImage(
                    spec: NumberSpec(
                        account: image.accounts[accountIndex].id, number: number, provider: provider,
                        providerNumberID: providerNumberID, status: status, agentID: agent
                    ),
                    lastSyncedAt: synced
                )
            )
        }
        guard reader.isAtEnd else { throw reader.fail("unexpected bytes after the last record") }
        return (image, lastSeq)
    }
}
