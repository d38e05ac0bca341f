import Testing

@testable import SwitchboardCore

@Suite struct SyncTests {
    let acme = Fixture.id("acme")
    let at = Timestamp(milliseconds: 1_764_064_800_000)

    func listed(_ texts: String...) -> [ListedNumber] {
        texts.map { ListedNumber(number: Fixture.number($0), providerNumberID: "pn_\($0.dropFirst())") }
    }

    @Test func plan_addsUpdatesDeactivates() throws {
        let owned = [Fixture.number("+1"), Fixture.number("+2"), Fixture.number("+3"), Fixture.number("+4")]
        let existing: [String: SyncPlan.Existing] = [
            "+1": .init(sameOwner: true, active: true, providerNumberID: "pn_1"),
            "+2": .init(sameOwner: true, active: true, providerNumberID: "old"),
            "+3": .init(sameOwner: true, active: false, providerNumberID: "pn_3"),
            "+4": .init(sameOwner: true, active: true, providerNumberID: "pn_4"),
            "+7": .init(sameOwner: false, active: true, providerNumberID: "x"),
            "+8": .init(sameOwner: false, active: false, providerNumberID: "x"),
        ]
        let plan = try SyncPlan.compute(listing: listed("+1", "+2", "+3", "+5", "+7", "+8"), owned: owned) { existing[$0.description] }
        #expect(plan.added.map(\.number.description) == ["+5", "+8"])
        #expect(plan.updated.map(\.number.description) == ["+2", "+3"])
        #expect(plan.deactivated.map(\.description) == ["+4"])
        #expect(plan.conflicts.map(\.description) == ["+7"])
    }

    @Test func plan_duplicateInListing_isRefused() {
        #expect(throws: DirectoryError.self) { try SyncPlan.compute(listing: listed("+1", "+1"), owned: []) { _ in nil } }
    }

    @Test func sync_newNumbersAppearActiveAndUnassigned() throws {
        let directory = try Fixture.directory()
        let report = try directory.sync(account: acme, provider: .retell, listing: listed("+15550001", "+15550002", "+15550003", "+15550005"), at: at)
        #expect(report.added == 1)
        #expect(report.updated == 0, "same provider ids as before: nothing to update")
        #expect(report.deactivated == 0, "+15550004 was already inactive")
        let new = try #require(directory.number(account: acme, number: Fixture.number("+15550005")))
        #expect(new.status == .active && new.agentID == nil && new.lastSyncedAt == at)
        #expect(directory.inboundOutcome("+15550005") == "unassigned")
    }

    @Test func sync_vanishedNumbersBecomeInactiveAndLoseTheirAgent() throws {
        let directory = try Fixture.directory()
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        try directory.assign(account: acme, number: Fixture.number("+15550002"), agent: Fixture.id("a2"))
        let report = try directory.sync(account: acme, provider: .retell, listing: listed("+15550002"), at: at)
        #expect(report.deactivated == 2)
        #expect(report.unassigned == [Fixture.number("+15550001")])
        #expect(directory.inboundOutcome("+15550001") == "number_inactive")
        #expect(directory.agent(account: acme, id: Fixture.id("a1"))?.phoneNumber == nil)
        #expect(directory.inboundOutcome("+15550002") == "routed:a2", "assignments of present numbers survive")
        #expect(directory.number(account: acme, number: Fixture.number("+15550001"))?.lastSyncedAt == nil, "never seen by a sync")
        #expect(directory.number(account: acme, number: Fixture.number("+15550002"))?.lastSyncedAt == at)
        #expect(directory.inboundOutcome("+15550009", provider: .vapi) == "unassigned", "another provider's numbers are untouched")
        #expect(directory.invariantViolations() == [])
    }

    @Test func sync_reappearingNumberComesBackActiveAndUnassigned() throws {
        let directory = try Fixture.directory()
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        _ = try directory.sync(account: acme, provider: .retell, listing: [], at: at)
        let report = try directory.sync(account: acme, provider: .retell, listing: listed("+15550001"), at: at)
        #expect(report.updated == 1)
        #expect(directory.inboundOutcome("+15550001") == "unassigned")
    }

    @Test func sync_numberActiveInAnotherAccount_isAConflictLeftAlone() throws {
        let directory = try Fixture.directory()
        let before = directory.number(account: Fixture.id("other"), number: Fixture.number("+15559999"))
        let report = try directory.sync(account: acme, provider: .retell, listing: listed("+15550001", "+15559999"), at: at)
        #expect(report.conflicts == [Fixture.number("+15559999")])
        #expect(directory.number(account: Fixture.id("other"), number: Fixture.number("+15559999")) == before)
        #expect(directory.number(account: acme, number: Fixture.number("+15559999")) == nil)
    }

    @Test func sync_inactiveNumberOfAnotherAccount_isTakenOver() throws {
        let directory = try Fixture.directory()
        _ = try directory.sync(account: Fixture.id("other"), provider: .retell, listing: [], at: at)
        let report = try directory.sync(account: acme, provider: .retell, listing: listed("+15550001", "+15550002", "+15550003", "+15559999"), at: at)
        #expect(report.added == 1)
        #expect(directory.number(account: acme, number: Fixture.number("+15559999"))?.status == .active)
        #expect(directory.number(account: Fixture.id("other"), number: Fixture.number("+15559999")) == nil)
        #expect(try directory.numbers(account: Fixture.id("other")).items.isEmpty)
        #expect(directory.invariantViolations() == [])
    }

    @Test func sync_badListing_changesNothing() throws {
        let directory = try Fixture.directory()
        let before = directory.image()
        #expect(throws: DirectoryError.self) { try directory.sync(account: acme, provider: .retell, listing: listed("+15550001", "+15550001"), at: at) }
        #expect(throws: DirectoryError.self) {
            try directory.sync(account: acme, provider: .retell, listing: [ListedNumber(number: Fixture.number("+15550001"), providerNumberID: "")], at: at)
        }
        #expect(directory.image() == before)
    }

    @Test func replay_ofAJournaledPlan_givesTheSameState() throws {
        final class Recorder: ChangeJournal, @unchecked Sendable {
            // Only the directory's writer lock calls append, one at a time.
            var changes: [Change] = []
            func append(_ change: Change) throws -> UInt64 {
                changes.append(change)
                return UInt64(changes.count)
            }
            func waitDurable(_ ticket: UInt64) throws {}
        }
        let recorder = Recorder()
        let directory = try Fixture.directory(journal: recorder)
        try directory.assign(account: acme, number: Fixture.number("+15550001"), agent: Fixture.id("a1"))
        _ = try directory.sync(account: acme, provider: .retell, listing: listed("+15550002", "+15550007"), at: at)
        let replayed = Directory()
        for change in recorder.changes { try replayed.replay(change) }
        #expect(replayed.image() == directory.image())
    }
}
