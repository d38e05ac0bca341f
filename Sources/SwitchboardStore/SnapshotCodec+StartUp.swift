import Dispatch
public import SwitchboardCore

extension SnapshotCodec {
    /// Start-up's decoder: the snapshot straight into the form the index keeps (`PackedImage`),
    /// agents packed from the file's bytes without a string per field, and on two threads (the
    /// agents section on one, the numbers on the other).
    ///
    /// It makes every check `decode` and `Directory.load` make, but it does not say which failed
    /// or where: nil means the snapshot is damaged or breaks a rule, and the caller decodes it
    /// with `decode` and loads that with `Directory.load`, whose errors are exact (`Recovery`).
    /// A snapshot this accepts, `decode` accepts and decodes to the same directory.
    public static func decodePacked(_ bytes: UnsafeRawBufferPointer) -> (image: PackedImage, lastSeq: UInt64)? {
        guard bytes.count >= 28, bytes.prefix(8).elementsEqual(magic) else { return nil }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<bytes.count - 4])
        guard stored == CRC32C.checksum(body) else { return nil }
        var reader = BinaryReader(body, offset: 8)
        do throws(DecodingError) {
            guard try reader.u32() == SnapshotCodec.version else { return nil }
            _ = try reader.u32()
            let lastSeq = try reader.u64()
            var image = PackedImage()
            let accounts = try reader.count(elementSize: 9)
            for _ in 0..<accounts { image.accounts.append(try reader.account()) }
            let connections = try reader.count(elementSize: 19)
            for _ in 0..<connections { image.connections.append(try reader.connection()) }
            let agents = try reader.count(elementSize: 18)
            let agentsStart = reader.offset
            for _ in 0..<agents { try reader.skipAgent() }
            let numbersStart = reader.offset

            let agentSection = AgentSection(buffer: body, range: agentsStart..<numbersStart, count: agents, accounts: image.accounts)
            let done = DispatchGroup()
            DispatchQueue.global(qos: .userInitiated).async(group: done) { agentSection.decode() }
            let numbers = try reader.storedNumbers(accounts: image.accounts.count)
            let atEnd = reader.isAtEnd
            done.wait()
            guard atEnd, let decodedAgents = agentSection.agents else { return nil }
            image.agents = decodedAgents
            image.numbers = numbers
            return (image, lastSeq)
        } catch {
            return nil
        }
    }

    /// The agents section, decoded on a thread of its own.
    ///
    /// `@unchecked Sendable`: `buffer` is only read, and outlives the decode (the caller waits for
    /// it); `agents` is written by `decode` on one thread and read after the `DispatchGroup.wait()`
    /// that follows it.
    private final class AgentSection: @unchecked Sendable {
        let buffer: UnsafeRawBufferPointer
        let range: Range<Int>
        let count: Int
        let accounts: [Account]
        /// The records; nil when a record is damaged or breaks a rule.
        var agents: [AgentRecord]?

        init(buffer: UnsafeRawBufferPointer, range: Range<Int>, count: Int, accounts: [Account]) {
            self.buffer = buffer
            self.range = range
            self.count = count
            self.accounts = accounts
        }

        func decode() {
            var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: buffer[..<range.upperBound]), offset: range.lowerBound)
            var matcher = AccountMatcher(accounts)
            var records: [AgentRecord] = []
            records.reserveCapacity(count)
            do throws(DecodingError) {
                for _ in 0..<count {
                    let account = try reader.bytes(limit: Identifier.maxLength)
                    let id = try reader.bytes(limit: Identifier.maxLength)
                    let name = try reader.bytes()
                    let provider = try reader.provider()
                    let providerAgentID = try reader.bytes()
                    let status = try reader.status()
                    // Only an id of a known account has a slot: that is the account's check.
                    guard let slot = matcher.slot(account),
                        let record = AgentRecord.stored(
                            accountSlot: slot, id: id, name: name, provider: provider, providerAgentID: providerAgentID, status: status)
                    else { return }
                    records.append(record)
                }
            } catch {
                return
            }
            if reader.isAtEnd { agents = records }
        }
    }

    /// An account id's bytes → the account's position, remembering the last one found (records
    /// come grouped by account).
    struct AccountMatcher {
        private let ids: [[UInt8]]
        private var slots: [String: UInt32] = [:]
        private var last: Int?

        init(_ accounts: [Account]) {
            ids = accounts.map { Array($0.id.value.utf8) }
            // The first of a repeated id: the load refuses the repetition anyway.
            for (slot, account) in accounts.enumerated() where slots[account.id.value] == nil { slots[account.id.value] = UInt32(slot) }
        }

        mutating func slot(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
            if let last, ids[last].withUnsafeBytes({ $0.elementsEqual(bytes) }) { return UInt32(last) }
            guard let found = slots[String(decoding: bytes, as: UTF8.self)] else { return nil }
            last = Int(found)
            return found
        }
    }
}

extension BinaryReader {
    /// A string's bytes in place (`u32 length | bytes`), not checked as UTF-8.
    mutating func bytes(limit: Int = 1 << 20) throws(DecodingError) -> UnsafeRawBufferPointer {
        let length = Int(try u32())
        guard length <= limit else { throw fail("string of \(length) bytes is over the limit") }
        try need(length)
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + length])
    }

    /// Moves past one agent of a snapshot: only its lengths are read (and bounded by the buffer).
    mutating func skipAgent() throws(DecodingError) {
        for _ in 0..<3 { _ = try bytes(limit: Int.max) }
        try need(1)
        offset += 1
        _ = try bytes(limit: Int.max)
        try need(1)
        offset += 1
    }

    /// The numbers section of a snapshot (from its count), checked as `SnapshotCodec.decode`
    /// checks it; the account is an index among `accounts` accounts.
    mutating func storedNumbers(accounts: Int) throws(DecodingError) -> [StoredNumber] {
        let count = try self.count(elementSize: 24)
        var numbers: [StoredNumber] = []
        numbers.reserveCapacity(count)
        for _ in 0..<count {
            let accountIndex = try u32()
            guard accountIndex < accounts else { throw fail("number refers to account \(accountIndex), which does not exist") }
            let number = try number()
            let provider = try provider()
            let status = try status()
            let providerNumberID: String?
            switch try u8() {
            case 0: providerNumberID = nil
            // Not checked as UTF-8 here: a provider id must be visible ASCII, which the load
            // checks (a byte that is not ASCII, repaired or not, fails it).
            case 1: providerNumberID = String(decoding: try bytes(), as: UTF8.self)
            case let tag: throw fail("bad optional tag \(tag)")
            }
            let agentID: String?
            switch try u8() {
            case 0: agentID = nil
            case 1:
                let id = try bytes(limit: Identifier.maxLength)
                guard Identifier.isValid(utf8: id) else { throw fail("not a valid id") }
                agentID = String(decoding: id, as: UTF8.self)
            case let tag: throw fail("bad optional tag \(tag)")
            }
            let synced = try i64()
            numbers.append(
                StoredNumber(
                    key: number.key, accountSlot: accountIndex, provider: provider, status: status, providerNumberID: providerNumberID,
                    agentID: agentID, lastSyncedAt: synced))
        }
        return numbers
    }
}
