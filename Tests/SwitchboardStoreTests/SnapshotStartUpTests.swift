import SwitchboardCore
import Testing

@testable import SwitchboardStore

/// Start-up's fast path (`SnapshotCodec.decodePacked` and `Directory.load(PackedImage)`) against
/// the exact one (`decode` and `Directory.load(DirectoryImage)`): the same directory from a good
/// snapshot, and a refusal, reported exactly as before, of every damaged or rule-breaking one.
@Suite struct SnapshotStartUpTests {
    static let acme = try! Identifier("acme")
    static let zeta = try! Identifier("zeta-2")

    static func agent(_ account: AccountID, _ id: String, name: String? = nil, provider: Provider = .retell, status: Status = .active) -> AgentSpec {
        AgentSpec(account: account, id: try! Identifier(id), name: name ?? "Agent \(id)", provider: provider, providerAgentID: "pa_\(id)", status: status)
    }

    static func number(
        _ account: AccountID, _ key: UInt64, provider: Provider = .retell, providerNumberID: String? = nil, status: Status = .active,
        agent: String? = nil, synced: Int64? = nil
    ) -> NumberImage {
        let number = E164(key: key)!
        return NumberImage(
            spec: NumberSpec(
                account: account, number: number, provider: provider, providerNumberID: providerNumberID ?? number.description,
                status: status, agentID: agent.map { try! Identifier($0) }),
            lastSyncedAt: synced.map { Timestamp(milliseconds: $0) })
    }

    /// Two accounts, every provider, and the fields' edge cases: non-ASCII and 200-character
    /// names, 64-byte ids, 256-byte provider ids, inactive agents and numbers, numbers with and
    /// without their own provider id, assigned or not, synced or not.
    static func variedImage() -> DirectoryImage {
        var image = DirectoryImage()
        image.accounts = [
            Account(id: acme, name: "Acme", tokenSHA256: String(repeating: "ab", count: 32)),
            Account(id: zeta, name: "Zéta Ω", tokenSHA256: nil),
        ]
        image.connections = [
            ProviderConnection(account: acme, provider: .bland, apiKey: "key_b"),
            ProviderConnection(
                account: acme, provider: .vapi, apiKey: "key_v", webhookSecret: "whsec", baseURL: "http://127.0.0.1:9",
                defaultCallerID: E164(key: 15550009)),
        ]
        let longID = String(repeating: "x", count: 64)
        image.agents = [
            agent(acme, "a1"), agent(acme, "a2", name: "Ägent «zwei» 🙂", provider: .vapi),
            agent(acme, "a3", name: String(repeating: "é", count: 200), status: .inactive),
            AgentSpec(account: acme, id: try! Identifier(longID), name: "Long", provider: .bland, providerAgentID: String(repeating: "p", count: 256), status: .active),
            agent(zeta, "a1", provider: .bland), agent(zeta, "z.9_x-y"),
        ]
        image.numbers = [
            number(acme, 1_555_000_0001, agent: "a1", synced: 1_764_000_000_000),
            number(acme, 1_555_000_0002, provider: .vapi, providerNumberID: "uuid-2", agent: "a2"),
            number(acme, 1_555_000_0003, status: .inactive, synced: 0),
            number(acme, 1_555_000_0004, provider: .bland, providerNumberID: "+15550000004", agent: longID),
            number(acme, 1_555_000_0005, provider: .bland, providerNumberID: "pn_5"),
            number(zeta, 44_20_7946_0000, provider: .bland, agent: "a1", synced: -5),
            number(zeta, 1, providerNumberID: "one"),
        ]
        return image
    }

    /// The exact path's directory or error for `bytes`, the way `Recovery` reported it before the
    /// fast path existed.
    static func exactLoad(_ bytes: [UInt8], seq: UInt64 = 7, path: String = "snap") -> Result<DirectoryImage, StoreError> {
        let image: DirectoryImage
        do {
            let decoded = try bytes.withUnsafeBytes { try SnapshotCodec.decode($0) }
            guard decoded.lastSeq == seq else {
                throw DecodingError(offset: 16, reason: "holds sequence number \(decoded.lastSeq), its name says \(seq)")
            }
            image = decoded.image
        } catch {
            return .failure(StoreError(.corrupt, path: path, "snapshot is damaged (\(error)); restore the data directory from a backup"))
        }
        do {
            return .success(try Directory.load(image).image())
        } catch {
            return .failure(StoreError(.inconsistent, path: path, "snapshot breaks a rule at \(error)"))
        }
    }

    static func recoveryLoad(_ bytes: [UInt8], seq: UInt64 = 7, path: String = "snap") -> Result<DirectoryImage, StoreError> {
        do {
            return .success(try bytes.withUnsafeBytes { try Recovery.loadSnapshot($0, seq: seq, path: path, journal: nil) }.image())
        } catch let error as StoreError {
            return .failure(error)
        } catch {
            preconditionFailure("not a StoreError: \(error)")
        }
    }

    /// Whether the fast path alone accepts `bytes` (no fallback).
    static func fastPathAccepts(_ bytes: [UInt8]) -> Bool {
        guard let packed = bytes.withUnsafeBytes({ SnapshotCodec.decodePacked($0) }) else { return false }
        return (try? Directory.load(packed.image)) != nil
    }

    /// Recomputes the checksum, so that damage inside is found by the checks, not the checksum.
    static func reseal(_ bytes: inout [UInt8]) {
        let checksum = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<bytes.count - 4])) }
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange(bytes.count - 4..<bytes.count, with: $0) }
    }

    static func offset(of needle: [UInt8], in bytes: [UInt8]) -> Int {
        let found = (0...(bytes.count - needle.count)).filter { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
        precondition(found.count == 1, "marker found \(found.count) times")
        return found[0]
    }

    @Test func decodePacked_givesTheDirectoryThatDecodeGives() throws {
        let image = Self.variedImage()
        let bytes = SnapshotCodec.encode(image, lastSeq: 7)
        let packed = try #require(bytes.withUnsafeBytes { SnapshotCodec.decodePacked($0) })
        #expect(packed.lastSeq == 7)
        #expect(packed.image.agents.map { $0.spec(account: packed.image.accounts[Int($0.accountSlot)].id) } == image.agents)
        let fast = try Directory.load(packed.image)
        let exact = try Directory.load(image)
        #expect(fast.image() == exact.image())
        #expect(fast.image().agents.count == image.agents.count && fast.image().numbers.count == image.numbers.count)
        #expect(fast.invariantViolations() == [])
        #expect(fast.index.numberCount == exact.index.numberCount && fast.index.agentCount == exact.index.agentCount)
        // Every agent has the number the exact path gives it (the index's agent → number side).
        for spec in image.agents {
            #expect(fast.agent(account: spec.account, id: spec.id)?.phoneNumber == exact.agent(account: spec.account, id: spec.id)?.phoneNumber)
        }
    }

    @Test func decodePacked_matchesDecodeOnAPopulatedDirectory() throws {
        let directory = Directory()
        for salt in 0..<4 as Range<UInt64> { try Sample.populate(directory, salt: salt) }
        let bytes = SnapshotCodec.encode(directory.image(), lastSeq: 3)
        let packed = try #require(bytes.withUnsafeBytes { SnapshotCodec.decodePacked($0) })
        #expect(try Directory.load(packed.image).image() == directory.image())
        #expect(Self.recoveryLoad(bytes, seq: 3) == .success(directory.image()))
    }

    @Test func recovery_refusesASequenceNumberThatIsNotTheName() {
        let bytes = SnapshotCodec.encode(Self.variedImage(), lastSeq: 7)
        let result = Self.recoveryLoad(bytes, seq: 8)
        #expect(result == Self.exactLoad(bytes, seq: 8))
        guard case .failure(let error) = result else { Issue.record("loaded a snapshot named for another sequence number"); return }
        #expect(error.kind == .corrupt)
    }

    @Test func everyFlippedByte_isRefusedAsBefore() {
        let bytes = SnapshotCodec.encode(Self.variedImage(), lastSeq: 7)
        for position in stride(from: 0, to: bytes.count, by: 5) {
            var damaged = bytes
            damaged[position] ^= 0x40
            #expect(!Self.fastPathAccepts(damaged), "byte \(position)")
            #expect(Self.recoveryLoad(damaged) == Self.exactLoad(damaged), "byte \(position)")
        }
        for length in [0, 27, 100, bytes.count - 1] {
            let truncated = Array(bytes.prefix(length))
            #expect(!Self.fastPathAccepts(truncated))
            #expect(Self.recoveryLoad(truncated) == Self.exactLoad(truncated))
        }
    }

    /// Damage behind a valid checksum, in each section and each kind of field.
    @Test(arguments: [
        "account id", "connection provider", "agent count", "agent account", "agent unknown account", "agent id", "agent name UTF-8",
        "agent provider", "agent status", "number count", "number account", "number key", "number provider", "number status",
        "number id tag", "number agent id", "number agent tag", "trailing byte", "version",
    ])
    func damageBehindTheChecksum_isRefusedAsBefore(_ damage: String) throws {
        var image = Self.variedImage()
        image.agents.append(Self.agent(Self.acme, "marker1", name: "NAMEMARK"))
        image.numbers.append(Self.number(Self.acme, 1_777_000_0001, provider: .vapi, providerNumberID: "PIDMARK", agent: nil))
        image.numbers.append(Self.number(Self.acme, 1_777_000_0002, agent: "marker1"))
        var bytes = SnapshotCodec.encode(image, lastSeq: 7)
        let name = Self.offset(of: Array("NAMEMARK".utf8), in: bytes)
        let id = Self.offset(of: [7, 0, 0, 0] + Array("marker1".utf8) + [8], in: bytes) + 4
        func keyOffset(_ key: UInt64) -> Int { Self.offset(of: withUnsafeBytes(of: key.littleEndian, Array.init), in: bytes) }
        // A number: u32 account, u64 key, u8 provider, u8 status, provider id?, agent id?, i64.
        let key = keyOffset(1_777_000_0001), assigned = keyOffset(1_777_000_0002)
        // Behind the last connection's base URL and default caller ID; before the first number.
        let agentsCount = Self.offset(of: Array("http://127.0.0.1:9".utf8), in: bytes) + 18 + 8
        let numbersCount = keyOffset(1_555_000_0001) - 4 - 4
        func put32(_ value: UInt32, at offset: Int) { withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + 4, with: $0) } }
        switch damage {
        case "version": put32(2, at: 8)
        case "account id": bytes[Self.offset(of: Array("zeta-2".utf8) + [8], in: bytes) + 4] = UInt8(ascii: "!")
        case "connection provider": bytes[Self.offset(of: Array("acme".utf8) + [1], in: bytes) + 4] = 9
        case "agent count": put32(UInt32(image.agents.count + 1), at: agentsCount)
        case "agent account": bytes[id - 8] = UInt8(ascii: "?")  // "acme" → "?cme": not an id
        case "agent unknown account": bytes[id - 7] = UInt8(ascii: "x")  // "acme" → "axme": an id, no account
        case "agent id": bytes[id] = UInt8(ascii: "_")
        case "agent name UTF-8": bytes[name + 2] = 0xFF
        case "agent provider": bytes[name + 8] = 7
        case "agent status": bytes[Self.offset(of: Array("pa_marker1".utf8), in: bytes) + 10] = 5
        case "number count": put32(UInt32(image.numbers.count + 1), at: numbersCount)
        case "number account": put32(2, at: key - 4)
        case "number key": bytes[key + 7] = 0xFF
        case "number provider": bytes[key + 8] = 3
        case "number status": bytes[key + 9] = 2
        case "number id tag": bytes[key + 10] = 2
        case "number agent id": bytes[assigned + 16] = UInt8(ascii: "_")
        case "number agent tag": bytes[assigned + 11] = 3
        case "trailing byte": bytes.insert(0, at: bytes.count - 4)
        default: Issue.record("unknown damage \(damage)")
        }
        Self.reseal(&bytes)
        #expect(!Self.fastPathAccepts(bytes))
        let exact = Self.exactLoad(bytes)
        guard case .failure = exact else { Issue.record("the exact path accepts the damage: the test damages nothing"); return }
        #expect(Self.recoveryLoad(bytes) == exact)
    }

    /// Snapshots that decode but break a rule: the packed load names the same record and rule as
    /// the load of the image.
    @Test(arguments: [
        "duplicate account", "bad api key", "duplicate agent", "agent of unknown account", "empty name", "control character in name",
        "201-character name", "name over 800 bytes", "provider agent id with a space", "unknown agent", "provider mismatch",
        "inactive number assigned", "agent with two numbers", "duplicate number", "provider number id with a space",
        "duplicate number with an agent",
    ])
    func brokenRule_isRefusedWithTheSameError(_ rule: String) throws {
        var image = Self.variedImage()
        let acme = Self.acme
        switch rule {
        case "duplicate account": image.accounts.append(Account(id: acme, name: "Again", tokenSHA256: nil))
        case "bad api key": image.connections[0].apiKey = "has space"
        case "duplicate agent": image.agents.insert(Self.agent(acme, "a2"), at: 2)
        case "agent of unknown account": image.agents.insert(Self.agent(try Identifier("nobody"), "n1"), at: 1)
        case "empty name": image.agents[1].name = ""
        case "control character in name": image.agents[1].name = "tab\there"
        case "201-character name": image.agents[1].name = String(repeating: "é", count: 201)
        // 100 characters, each an "e" with 8 combining accents (17 bytes): few characters, many bytes.
        case "name over 800 bytes": image.agents[1].name = String(repeating: "e" + String(repeating: "\u{301}", count: 8), count: 100)
        case "provider agent id with a space": image.agents[4].providerAgentID = "pa x"
        case "unknown agent": image.numbers[0].spec.agentID = try Identifier("ghost")
        case "provider mismatch": image.numbers[0].spec.provider = .vapi
        case "inactive number assigned": image.numbers[0].spec.status = .inactive
        case "agent with two numbers": image.numbers.append(Self.number(acme, 1_555_000_0009, agent: "a1"))
        case "duplicate number": image.numbers.append(Self.number(acme, 1_555_000_0003))
        case "provider number id with a space": image.numbers[4].spec.providerNumberID = "pn 5"
        case "duplicate number with an agent": image.numbers.insert(Self.number(acme, 1_555_000_0002, provider: .vapi, agent: "a2"), at: 2)
        default: Issue.record("unknown rule \(rule)")
        }
        let bytes = SnapshotCodec.encode(image, lastSeq: 7)
        let exactError: ImageError
        do {
            _ = try Directory.load(image)
            Issue.record("the image load accepts it: the test breaks no rule")
            return
        } catch {
            exactError = error
        }
        if let packed = bytes.withUnsafeBytes({ SnapshotCodec.decodePacked($0) }) {
            #expect(throws: exactError) { try Directory.load(packed.image) }
        }
        #expect(!Self.fastPathAccepts(bytes))
        #expect(Self.recoveryLoad(bytes) == Self.exactLoad(bytes))
    }
}
