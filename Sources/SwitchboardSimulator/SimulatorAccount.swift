public import SwitchboardCore

/// An account at a simulated provider: requests authenticate with its API key.
public struct SimulatorAccount: Sendable, Hashable {
    public let provider: Provider
    /// What API requests carry: `Authorization: Bearer <key>` at Retell and Vapi,
    /// `authorization: <key>` at Bland. Retell also signs its webhooks with it.
    public let apiKey: String
    /// What Vapi and Bland sign (or send) their webhooks with; Retell has none.
    public let webhookSecret: String?

    public init(provider: Provider, apiKey: String, webhookSecret: String? = nil) {
        self.provider = provider
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
    }

    /// The key this provider signs its webhooks with (providers.md): the API key at Retell, the
    /// webhook secret at Vapi and Bland (nil if the account has none).
    public var webhookSigningKey: String? {
        provider == .retell ? apiKey : webhookSecret
    }

    /// Checks a key or secret: printable ASCII without spaces, 1 to 256 bytes, so it fits in a
    /// header line as is.
    static func validate(credential: String, field: String) throws(SimulatorError) {
        guard !credential.isEmpty, credential.utf8.count <= 256,
            credential.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        else {
            throw .invalid(
                "\(field) must be 1 to 256 printable ASCII characters without spaces, e.g. key_3f9a…")
        }
    }
}
