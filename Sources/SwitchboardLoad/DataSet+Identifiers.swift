public import SwitchboardCore

/// How the data set spells its ids and secrets: derived from (seed, index) on demand, so nothing
/// is stored per agent and the checker can spell an expected id into a stack buffer.
extension DataSet {
    // MARK: Accounts and connections

    public func accountID(_ account: Int) -> String { "acct-\(account)" }

    func accountID(ofNumber index: Int) -> String { accountID(Int(numberAccount[index])) }
    func accountID(ofAgent index: Int) -> String { accountID(Int(agentAccount[index])) }

    /// The provider connection's API key (Retell signs webhooks with it).
    public func apiKey(account: Int, provider: Provider) -> String {
        ByteWriter.string { writer in
            writer.ascii("key_")
            writer.ascii(provider.staticName)
            writer.byte(UInt8(ascii: "_"))
            writer.hex(secretBits(account: account, provider: provider, salt: 1), digits: 16)
            writer.hex(secretBits(account: account, provider: provider, salt: 2), digits: 16)
        }
    }

    /// The provider connection's webhook secret (Vapi and Bland sign webhooks with it).
    public func webhookSecret(account: Int, provider: Provider) -> String {
        ByteWriter.string { writer in
            writer.ascii("whsec_")
            writer.hex(secretBits(account: account, provider: provider, salt: 3), digits: 16)
            writer.hex(secretBits(account: account, provider: provider, salt: 4), digits: 16)
        }
    }

    /// The key a provider signs its webhooks with (WebhookSigner.sign's `key`).
    public func signingKey(account: Int, provider: Provider) -> String {
        provider == .retell ? apiKey(account: account, provider: provider) : webhookSecret(account: account, provider: provider)
    }

    private func secretBits(account: Int, provider: Provider, salt: UInt64) -> UInt64 {
        SplitMix64.mix(spec.seed ^ SplitMix64.mix(UInt64(account) << 8 | UInt64(provider.rawValue) << 4 | salt))
    }

    // MARK: Agents

    public func agentID(_ agent: Int) -> String { ByteWriter.string { writeAgentID(agent, into: &$0) } }

    func writeAgentID(_ agent: Int, into writer: inout ByteWriter) {
        writer.ascii("ag-")
        writer.decimal(UInt64(agent))
    }

    /// The provider's id for the agent: a Retell `agent_…`, a Vapi assistant UUID, a Bland pathway id.
    public func providerAgentID(_ agent: Int) -> String { ByteWriter.string { writeProviderAgentID(agent, into: &$0) } }

    func writeProviderAgentID(_ agent: Int, into writer: inout ByteWriter) {
        let high = SplitMix64.mix(spec.seed ^ 0x4147_454E_5400_0000 ^ UInt64(agent) << 1)
        let low = SplitMix64.mix(spec.seed ^ 0x4147_454E_5400_0000 ^ (UInt64(agent) << 1 | 1))
        switch agentProvider[agent] {
        case .retell:
            writer.ascii("agent_")
            writer.hex(high, digits: 16)
            writer.hex(low, digits: 8)
        case .vapi:
            DataSet.writeUUID(high: high, low: low, into: &writer)
        case .bland:
            writer.ascii("pw_")
            writer.hex(high, digits: 16)
            writer.hex(low, digits: 8)
        }
    }

    // MARK: Numbers

    /// The provider's id for the number: Vapi's number UUID; Retell and Bland use the number itself.
    public func providerNumberID(_ index: Int) -> String {
        ByteWriter.string { writer in
            if numberProvider[index] == .vapi {
                let high = SplitMix64.mix(spec.seed ^ 0x4E55_4D00_0000_0000 ^ keys[index] << 1)
                let low = SplitMix64.mix(spec.seed ^ 0x4E55_4D00_0000_0000 ^ (keys[index] << 1 | 1))
                DataSet.writeUUID(high: high, low: low, into: &writer)
            } else {
                DataSet.writeNumber(keys[index], into: &writer)
            }
        }
    }

    static func writeNumber(_ key: UInt64, into writer: inout ByteWriter) {
        writer.byte(UInt8(ascii: "+"))
        writer.decimal(key)
    }

    /// A version-4 UUID layout (8-4-4-4-12) from 128 bits.
    static func writeUUID(high: UInt64, low: UInt64, into writer: inout ByteWriter) {
        writer.hex(high >> 32, digits: 8)
        writer.byte(UInt8(ascii: "-"))
        writer.hex(high >> 16, digits: 4)
        writer.byte(UInt8(ascii: "-"))
        writer.hex(0x4000 | (high & 0x0FFF), digits: 4)
        writer.byte(UInt8(ascii: "-"))
        writer.hex(0x8000 | (low >> 48 & 0x3FFF), digits: 4)
        writer.byte(UInt8(ascii: "-"))
        writer.hex(low, digits: 12)
    }
}

extension Provider {
    /// The name as a StaticString, for ByteWriter.
    var staticName: StaticString {
        switch self {
        case .retell: "retell"
        case .vapi: "vapi"
        case .bland: "bland"
        }
    }
}
