public import SwitchboardCore

/// An assignment to mirror at the provider, which keeps its own per-number agent setting.
public struct AssignmentPush: Sendable, Equatable {
    public var number: E164
    /// The provider's id for the number (Vapi updates numbers by id).
    public var providerNumberID: String
    /// The provider agent id that had the number before, if any (Bland detaches it first).
    public var previousProviderAgentID: String?
    /// The provider agent id that has it now; nil when the number was unassigned.
    public var providerAgentID: String?

    public init(number: E164, providerNumberID: String, previousProviderAgentID: String?, providerAgentID: String?) {
        self.number = number
        self.providerNumberID = providerNumberID
        self.previousProviderAgentID = previousProviderAgentID
        self.providerAgentID = providerAgentID
    }
}
