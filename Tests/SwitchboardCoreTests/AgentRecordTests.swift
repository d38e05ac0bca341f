import Testing

@testable import SwitchboardCore

/// The packed agent record gives back every field exactly, whether the provider agent id is
/// packed as a UUID's 16 bytes, as a prefix and packed hex digits, or kept as text.
@Suite struct AgentRecordTests {
    static let providerAgentIDs = [
        "3f2b8c1e-9a4d-4e7f-b2c1-0d9e8f7a6b5c", "3F2B8C1E-9A4D-4E7F-B2C1-0D9E8F7A6B5C", "00000000-0000-0000-0000-000000000000",
        "3f2b8c1e-9a4d-4e7f-b2c1-0D9E8F7A6B5C", "3f2b8c1e9a4d4e7fb2c10d9e8f7a6b5c", "agent_0123456789abcdef01234567",
        "pw_3f2b8c1e-9a4d-4e7f-b2c1-0d9e8f7a6b5c", "x", String(repeating: "p", count: 256),
        // Hex tails: even and odd runs, all digits, a run longer than the packing holds, one just too
        // short, upper case (kept as text), a prefix of 240 bytes.
        "pw_0123456789abcdef01234567", "agent_123456789abcdef01234567", String(repeating: "0", count: 16),
        "agent_" + String(repeating: "0123456789abcdef", count: 5), "agent_0123456789abcde", "agent_0123456789ABCDEF01234567",
        String(repeating: "q", count: 240) + "0123456789abcdef",
    ]

    static func spec(_ providerAgentID: String) -> AgentSpec {
        AgentSpec(
            account: Identifier(unchecked: "acct-7"), id: Identifier(unchecked: "ag-42"), name: "Front desk ☎", provider: .vapi,
            providerAgentID: providerAgentID, status: .active)
    }

    @Test(arguments: providerAgentIDs) func made_givesBackTheSpec(providerAgentID: String) {
        let record = AgentRecord.make(spec: Self.spec(providerAgentID), accountSlot: 3)
        #expect(record.spec(account: Identifier(unchecked: "acct-7")) == Self.spec(providerAgentID))
        #expect(record.providerAgentID == providerAgentID)
        #expect(record.accountSlot == 3 && record.hasID("ag-42") && !record.hasID("ag-4"))
    }

    @Test(arguments: providerAgentIDs) func stored_givesBackTheSpec(providerAgentID: String) {
        let spec = Self.spec(providerAgentID)
        var id = spec.id.value, name = spec.name, providerID = providerAgentID
        let record = id.withUTF8 { id in
            name.withUTF8 { name in
                providerID.withUTF8 { providerID in
                    AgentRecord.stored(
                        accountSlot: 1, id: UnsafeRawBufferPointer(id), name: UnsafeRawBufferPointer(name), provider: .vapi,
                        providerAgentID: UnsafeRawBufferPointer(providerID), status: .active)
                }
            }
        }
        #expect(record?.spec(account: spec.account) == spec)
        #expect(record?.accountSlot == 1)
    }
}
