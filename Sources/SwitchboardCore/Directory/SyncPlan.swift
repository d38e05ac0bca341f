/// One number as a provider's listing shows it, already normalised to E.164.
public struct ListedNumber: Hashable, Sendable {
    public var number: E164
    public var providerNumberID: String

    public init(number: E164, providerNumberID: String) {
        self.number = number
        self.providerNumberID = providerNumberID
    }
}

/// What a sync changes (SPEC rule 9), computed from the provider's complete listing and the current
/// state by a pure function, so it can be tested alone, journaled as it is, and replayed exactly.
public struct SyncPlan: Hashable, Sendable {
    /// Numbers new to this account and provider: unknown so far, or inactive elsewhere and taken over.
    public var added: [ListedNumber] = []
    /// Numbers still listed whose provider id changed or that were inactive and are back.
    public var updated: [ListedNumber] = []
    /// Numbers no longer listed: they become inactive and lose their agent.
    public var deactivated: [E164] = []
    /// Listed numbers that are active under another account or provider: left as they are, reported.
    public var conflicts: [E164] = []

    public init(added: [ListedNumber] = [], updated: [ListedNumber] = [], deactivated: [E164] = [], conflicts: [E164] = []) {
        self.added = added
        self.updated = updated
        self.deactivated = deactivated
        self.conflicts = conflicts
    }

    public var isEmpty: Bool { added.isEmpty && updated.isEmpty && deactivated.isEmpty }

    /// A number as the plan needs to see it.
    public struct Existing: Hashable, Sendable {
        public var sameOwner: Bool
        public var active: Bool
        public var providerNumberID: String

        public init(sameOwner: Bool, active: Bool, providerNumberID: String) {
            self.sameOwner = sameOwner
            self.active = active
            self.providerNumberID = providerNumberID
        }
    }

    /// Reconciles `listing` (the provider's complete list) with the numbers the account has at this
    /// provider (`owned`: every number, active or not, of this account and provider) and with any
    /// number elsewhere (`lookup`). A listing that names a number twice is refused whole: it cannot be
    /// the provider's complete truth.
    public static func compute(
        listing: [ListedNumber], owned: [E164], lookup: (E164) -> Existing?
    ) throws(DirectoryError) -> SyncPlan {
        var plan = SyncPlan()
        var listed = Set<UInt64>(minimumCapacity: listing.count)
        for item in listing {
            guard listed.insert(item.number.key).inserted else {
                throw DirectoryError(.invalidListing, "the provider listed \(item.number) twice: the listing was not applied; try the sync again")
            }
            _ = try FieldCheck.providerID(item.providerNumberID, field: "provider_number_id of \(item.number)")
            guard let existing = lookup(item.number) else {
                plan.added.append(item)
                continue
            }
            if existing.sameOwner {
                if !existing.active || existing.providerNumberID != item.providerNumberID { plan.updated.append(item) }
            } else if existing.active {
                plan.conflicts.append(item.number)
            } else {
                plan.added.append(item)
            }
        }
        for number in owned where !listed.contains(number.key) {
            if lookup(number)?.active == true { plan.deactivated.append(number) }
        }
        plan.added.sort { $0.number < $1.number }
        plan.updated.sort { $0.number < $1.number }
        plan.deactivated.sort()
        plan.conflicts.sort()
        return plan
    }
}

/// What a sync did, for the API's sync shape and the logs.
public struct SyncReport: Hashable, Sendable {
    public var added: Int
    public var updated: Int
    public var deactivated: Int
    /// Listed numbers left alone because another account or provider has them active.
    public var conflicts: [E164]
    /// Numbers that lost their agent because they vanished.
    public var unassigned: [E164]

    public init(added: Int, updated: Int, deactivated: Int, conflicts: [E164], unassigned: [E164]) {
        self.added = added
        self.updated = updated
        self.deactivated = deactivated
        self.conflicts = conflicts
        self.unassigned = unassigned
    }
}
