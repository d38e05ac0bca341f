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
