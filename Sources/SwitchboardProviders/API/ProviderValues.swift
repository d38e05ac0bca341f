public import SwitchboardCore

/// One page of a provider's number listing, parsed.
public struct NumberPage: Sendable, Equatable {
    /// The entries that are E.164 numbers, normalised.
    public var numbers: [ListedNumber]
    /// The entries that are not, with why: counted and reported, not fatal.
    public var skipped: [SkippedNumber]
    /// The cursor to ask for the next page with; nil when this was the last page.
    public var nextCursor: String?

    public init(numbers: [ListedNumber], skipped: [SkippedNumber] = [], nextCursor: String? = nil) {
        self.numbers = numbers
        self.skipped = skipped
        self.nextCursor = nextCursor
    }
}

/// A listed entry that is not a number we can route: shown as listed (shortened) with the reason.
public struct SkippedNumber: Sendable, Equatable, CustomStringConvertible {
    /// The entry's number as the provider wrote it (at most 64 characters), nil when it had none.
    public var listed: String?
    /// The provider's id for the entry, when it had one.
    public var providerNumberID: String?
    public var reason: String

    public init(listed: String?, providerNumberID: String?, reason: String) {
        self.listed = listed.map { String($0.prefix(64)) }
        self.providerNumberID = providerNumberID
        self.reason = reason
    }

    public var description: String {
        "\(listed.map { "'\($0)'" } ?? "an entry\(providerNumberID.map { " (id \($0))" } ?? "")"): \(reason)"
    }
}

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
