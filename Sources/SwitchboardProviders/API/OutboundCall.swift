public import SwitchboardCore

/// An outbound call to place through the provider, after the caller ID was chosen (rule 7).
public struct OutboundCall: Sendable, Equatable {
    /// The agent's id at the provider.
    public var providerAgentID: String
    /// The caller ID.
    public var from: E164
    /// The provider's id for the caller ID number (Vapi names the caller ID by it).
    public var fromProviderNumberID: String
    public var to: E164
    /// Passed through to the provider unchanged.
    public var metadata: CallMetadata

    public init(providerAgentID: String, from: E164, fromProviderNumberID: String, to: E164, metadata: CallMetadata = .empty) {
        self.providerAgentID = providerAgentID
        self.from = from
        self.fromProviderNumberID = fromProviderNumberID
        self.to = to
        self.metadata = metadata
    }
}

/// A call the provider accepted.
public struct CreatedCall: Sendable, Equatable {
    /// The provider's id for the call.
    public var providerCallID: String

    public init(providerCallID: String) {
        self.providerCallID = providerCallID
    }
}
